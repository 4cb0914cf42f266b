"""Decomposition: which tasks an item needs, and after what, read from catalog data."""

from __future__ import annotations

import itertools

from core.catalog.model import CatalogEntity
from core.fulfillment.decomposition import CatalogFacts, plan
from core.ordering.model import ProductOrder

NOW = "2026-11-23T10:00:00.000Z"


def facts() -> CatalogFacts:
    spec = CatalogEntity(
        "productSpecification",
        "ps-line",
        "1.0",
        {"serviceSpecification": [{"id": "ss-a"}, {"id": "ss-b"}]},
    )
    offering = CatalogEntity(
        "productOffering",
        "po-line",
        "1.0",
        {
            "productSpecification": {"id": "ps-line"},
            "agreement": [{"id": "ag-1"}, {"id": "ag-2"}],
            "productOfferingPrice": [{"id": "pop-1"}],
        },
    )
    return CatalogFacts({"po-line": offering}, {"ps-line": spec})


def order_of(*items: dict[str, object]) -> ProductOrder:
    document = {
        "relatedParty": [{"id": "cust-1", "role": "Customer"}],
        "productOrderItem": [{"id": i["id"], "action": i["action"]} for i in items],
    }
    return ProductOrder("o1", document, {"items": list(items)}, correlation_id="corr")


def test_an_add_signs_every_contract_then_provisions_each_service_then_bills() -> None:
    ids = (f"prod-{n}" for n in itertools.count())
    order = order_of(
        {"id": "1", "action": "add", "productOffering": {"id": "po-line"}, "price": [{}]}
    )
    tasks = {t.id.split("/", 2)[2]: t for t in plan(order, facts(), NOW, lambda: next(ids))}
    assert {k: sorted(d.split("/", 2)[2] for d in t.depends_on) for k, t in tasks.items()} == {
        "crm.check_customer": [],
        "clm.create_contract:ag-1": ["crm.check_customer"],
        "clm.create_contract:ag-2": ["crm.check_customer"],
        "provisioning.activate:ss-a": ["clm.create_contract:ag-1", "clm.create_contract:ag-2"],
        "provisioning.activate:ss-b": ["clm.create_contract:ag-1", "clm.create_contract:ag-2"],
        "billing.start": ["provisioning.activate:ss-a", "provisioning.activate:ss-b"],
    }
    assert {t.status for t in tasks.values()} == {"ready", "waiting"}
    assert tasks["crm.check_customer"].status == "ready"
    # every step of the item names the same new product, and carries the correlation id
    assert {t.request["product_id"] for k, t in tasks.items() if k != "crm.check_customer"} == {
        "prod-0"
    }
    assert {t.request["correlation_id"] for k, t in tasks.items() if k != "crm.check_customer"} == {
        "corr"
    }


def test_a_delete_switches_off_then_stops_billing_then_ends_the_contracts() -> None:
    order = order_of(
        {"id": "1", "action": "delete", "productOffering": {"id": "po-line"}, "price": []}
    )
    tasks = {t.id.split("/", 2)[2]: t for t in plan(order, facts(), NOW, lambda: "unused")}
    assert sorted(d.split("/", 2)[2] for d in tasks["billing.stop"].depends_on) == [
        "provisioning.deactivate:ss-a",
        "provisioning.deactivate:ss-b",
    ]
    for agreement in ("ag-1", "ag-2"):
        (after,) = tasks[f"clm.cancel_contract:{agreement}"].depends_on
        assert after.endswith("billing.stop")


def test_an_offering_the_catalog_does_not_know_gets_only_the_customer_check() -> None:
    order = order_of({"id": "1", "action": "add", "productOffering": {"id": "elsewhere"}})
    assert [t.kind for t in plan(order, facts(), NOW, lambda: "p")] == ["crm.check_customer"]


def test_a_child_under_its_bundles_contract_is_activated_only_once_it_is_signed() -> None:
    known = facts()
    child = CatalogEntity(
        "productOffering", "po-child", "1.0", {"productSpecification": {"id": "ps-line"}}
    )
    known = CatalogFacts({**known.offerings, "po-child": child}, known.specifications)
    bundle = {"id": "1", "action": "add", "productOffering": {"id": "po-line"}}
    inner = {"id": "1.1", "action": "add", "productOffering": {"id": "po-child"}}
    document = {
        "relatedParty": [{"id": "cust-1", "role": "Customer"}],
        "productOrderItem": [{**bundle, "productOrderItem": [inner]}],
    }
    order = ProductOrder("o1", document, {"items": [bundle, inner]}, correlation_id="corr")
    ids = (f"prod-{n}" for n in itertools.count())
    tasks = {t.id.split("/", 1)[1]: t for t in plan(order, known, NOW, lambda: next(ids))}
    assert "1.1/clm.create_contract:ag-1" not in tasks  # the bundle's contract covers it
    for service in ("ss-a", "ss-b"):
        waits = sorted(
            d.split("/", 1)[1] for d in tasks[f"1.1/provisioning.activate:{service}"].depends_on
        )
        assert waits == ["1/clm.create_contract:ag-1", "1/clm.create_contract:ag-2"]

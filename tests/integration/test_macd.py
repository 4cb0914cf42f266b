"""MACD on the installed base: switching offering only along the catalog's paths, suspend and
resume checked against the product's status."""

from __future__ import annotations

from core.inventory.model import InstalledProduct
from core.ordering.service import OrderingService
from core.requests import RequestContext
from tests.integration.test_order_capture import refused
from tests.orders import order, party


def switch(product: str, offering: str) -> dict:  # type: ignore[type-arg]
    return {
        "id": "1",
        "action": "modify",
        "productOffering": {"id": offering},
        "product": {"id": product},
    }


def install(ordering: OrderingService, product_id: str, offering: str, status: str) -> None:
    document = {
        "id": product_id,
        "status": status,
        "productOffering": {"id": offering},
        "productCharacteristic": [
            {"name": "dataAllowanceGB", "value": 5},
            {"name": "msisdn", "value": "+33600000042"},
            {"name": "roaming", "value": False},
        ],
        "relatedParty": party("cust-alice"),
    }
    with ordering.db.uow() as uow:
        uow.inventory.add(
            InstalledProduct(product_id, "cust-alice", document), "2026-01-01T00:00:00.000Z"
        )
        uow.commit()


def test_an_upgrade_along_the_catalogs_path_is_accepted(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    placed, _ = ordering.place(
        order("cust-alice", switch("prod-alice-mobile", "po-mobile-l")), order_ctx
    )
    assert placed.state == "acknowledged"
    assert placed.snapshot is not None
    assert placed.snapshot["items"][0]["productOffering"]["id"] == "po-mobile-l"


def test_a_switch_without_a_path_is_refused_naming_the_allowed_targets(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    problems = refused(
        ordering, order_ctx, order("cust-alice", switch("prod-alice-mobile", "po-mobile-xl-2025"))
    )
    assert any(
        "cannot move from productOffering 'po-mobile-s' to 'po-mobile-xl-2025'" in p
        and "(allowed targets: 'po-mobile-l')" in p
        for p in problems
    ), problems


def test_a_replaced_offering_moves_to_the_one_that_replaces_it_only(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    install(ordering, "prod-alice-xl", "po-mobile-xl-2025", "active")
    problems = refused(
        ordering, order_ctx, order("cust-alice", switch("prod-alice-xl", "po-mobile-s"))
    )
    assert any("(allowed targets: 'po-mobile-l')" in p for p in problems), problems
    placed, _ = ordering.place(
        order("cust-alice", switch("prod-alice-xl", "po-mobile-l")), order_ctx
    )
    assert placed.state == "acknowledged"


def test_lenient_switches_without_a_path(
    lenient_ordering: OrderingService, order_ctx: RequestContext
) -> None:
    install(lenient_ordering, "prod-alice-xl", "po-mobile-xl-2025", "active")
    body = order("cust-alice", switch("prod-alice-xl", "po-mobile-s"))
    assert lenient_ordering.place(body, order_ctx)[0].state == "acknowledged"

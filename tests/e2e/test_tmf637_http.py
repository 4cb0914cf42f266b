"""TMF637 over HTTP: a customer's products listed and read with TMF630 queries, changed by
orders (with their events), and corrected only when the operator allows it, audited."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from core.events.callbacks import CallbackGuard
from core.persistence.database import Database
from tests.e2e.conftest import make_client
from tests.e2e.test_tmf620_http import assert_error
from tests.fakes.receiver import Receiver
from tests.orders import add, change, home_bundle, order

INVENTORY = "/tmf-api/productInventory/v4"
ORDERING = "/tmf-api/productOrderingManagement/v4"


def ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code in (200, 206), response.text
    return [p["id"] for p in response.json()]


def test_a_customers_products_by_every_query_feature(shop: TestClient) -> None:
    alice = {"relatedParty.id": "cust-alice"}
    listed = shop.get(f"{INVENTORY}/product", params=alice)
    assert ids(listed) == ["prod-alice-mobile", "prod-alice-fibre", "prod-alice-router"]
    assert listed.headers["X-Total-Count"] == "3"
    first = listed.json()[0]
    assert first["href"] == f"http://testserver{INVENTORY}/product/prod-alice-mobile"
    assert first["relatedParty"][0]["id"] == "cust-alice" and first["status"] == "active"
    by_offering = {**alice, "productOffering.id": "po-fibre-1000"}
    assert ids(shop.get(f"{INVENTORY}/product", params=by_offering)) == ["prod-alice-fibre"]
    by_value = {"productCharacteristic.value": "+33600000001"}
    assert ids(shop.get(f"{INVENTORY}/product", params=by_value)) == ["prod-alice-mobile"]
    assert ids(shop.get(f"{INVENTORY}/product", params={"status": "suspended"})) == []
    later = {"startDate.gt": "2030-01-01T00:00:00Z"}
    assert ids(shop.get(f"{INVENTORY}/product", params=later)) == []
    sorted_desc = shop.get(f"{INVENTORY}/product", params={**alice, "sort": "-id"})
    assert ids(sorted_desc) == ["prod-alice-router", "prod-alice-mobile", "prod-alice-fibre"]
    page = shop.get(f"{INVENTORY}/product", params={**alice, "limit": 2, "offset": 1})
    assert page.status_code == 206 and page.headers["X-Result-Count"] == "2"
    assert ids(page) == ["prod-alice-fibre", "prod-alice-router"]
    projected = shop.get(f"{INVENTORY}/product", params={**alice, "fields": "status", "limit": 1})
    assert projected.json() == [
        {"id": "prod-alice-mobile", "href": first["href"], "status": "active"}
    ]
    assert_error(shop.get(f"{INVENTORY}/product", params={"colour": "red"}), 400)


def test_retrieve_with_etag_and_fields_and_404(shop: TestClient) -> None:
    found = shop.get(f"{INVENTORY}/product/prod-bob-tv")
    assert found.status_code == 200 and found.headers["ETag"]
    assert found.json()["productOffering"]["id"] == "po-tv-basic"
    narrow = shop.get(f"{INVENTORY}/product/prod-bob-tv", params={"fields": "status"})
    assert set(narrow.json()) == {"id", "href", "status"}
    assert_error(shop.get(f"{INVENTORY}/product/nope"), 404)
    assert_error(shop.get(f"{INVENTORY}/product/prod-bob-tv", params={"fields": "x.y"}), 400)


def test_a_client_knowing_only_the_customer_changes_a_product_and_sees_it_and_its_events(
    shop: TestClient, receiver: Receiver
) -> None:
    container = shop.app.container  # type: ignore[attr-defined]
    saved = container.hub.guard, container.dispatcher.guard
    container.hub.guard = container.dispatcher.guard = CallbackGuard("127.0.0.1")
    try:
        hub = shop.post(f"{INVENTORY}/hub", json={"callback": receiver.url})
        assert hub.status_code == 201, hub.text
        mobiles = {"relatedParty.id": "cust-alice", "productOffering.id": "po-mobile-s"}
        (line,) = shop.get(f"{INVENTORY}/product", params=mobiles).json()
        etag = shop.get(line["href"]).headers["ETag"]
        body = order(
            "cust-alice",
            change("1", "modify", line["id"], dataAllowanceGB=5, roaming=True),
            add("2", "po-mobile-s"),
        )
        placed = shop.post(f"{ORDERING}/productOrder", json=body)
        assert placed.status_code == 201, placed.text
        container.orchestrator.run_until_idle()
        done = shop.get(f"{ORDERING}/productOrder/{placed.json()['id']}").json()
        assert done["state"] == "completed"

        changed = shop.get(line["href"])
        assert changed.headers["ETag"] != etag
        values = {c["name"]: c["value"] for c in changed.json()["productCharacteristic"]}
        assert values["roaming"] is True
        origin = changed.json()["productOrderItem"][-1]
        assert origin == {
            "orderItemId": "1",
            "productOrderId": placed.json()["id"],
            "orderItemAction": "modify",
        }
        new_id = next(i["product"]["id"] for i in done["productOrderItem"] if i["id"] == "2")
        assert shop.get(f"{INVENTORY}/product/{new_id}").json()["status"] == "active"
        assert len(ids(shop.get(f"{INVENTORY}/product", params=mobiles))) == 2

        container.dispatcher.run_until_idle()
        events = receiver.wait_for(2)
        kinds = {(e["eventType"], e["event"]["product"]["id"]) for e in events}
        assert kinds == {
            ("ProductAttributeValueChangeEvent", line["id"]),
            ("ProductCreateEvent", new_id),
        }
        assert all(e["domain"] == "productInventory" for e in events)
        assert all(
            e["event"]["product"]["href"].endswith(e["event"]["product"]["id"]) for e in events
        )
        paths = sorted(path for path, _, _ in receiver.received)
        assert paths == [
            "/hooks/listener/productAttributeValueChangeEvent",
            "/hooks/listener/productCreateEvent",
        ]

        leave = shop.post(
            f"{ORDERING}/productOrder", json=order("cust-alice", change("1", "delete", new_id))
        )
        assert leave.status_code == 201, leave.text
        container.orchestrator.run_until_idle()
        gone = shop.get(f"{INVENTORY}/product/{new_id}").json()
        assert gone["status"] == "terminated" and gone["terminationDate"]
        container.dispatcher.run_until_idle()
        ended, gone = receiver.wait_for(4)[2:]
        assert ended["eventType"] == "ProductStateChangeEvent"
        assert ended["event"]["product"]["status"] == "terminated"
        assert gone["eventType"] == "ProductDeleteEvent"  # no longer the customer's
        assert gone["event"]["product"]["id"] == new_id
    finally:
        container.hub.guard, container.dispatcher.guard = saved


def test_writes_are_refused_while_the_operator_has_not_turned_them_on(
    shop: TestClient, shop_db: Database
) -> None:
    body = {"status": "active", "productOffering": {"id": "po-mobile-s"}}
    for response in (
        shop.post(f"{INVENTORY}/product", json=body),
        shop.patch(f"{INVENTORY}/product/prod-bob-tv", json={"status": "suspended"}),
        shop.delete(f"{INVENTORY}/product/prod-bob-tv"),
    ):
        error = assert_error(response, 405, "TMF_INVENTORY_WRITES=on")
        assert error["reason"] == "Inventory writes disabled"
        assert response.headers["Allow"] == "GET"
    assert shop.get(f"{INVENTORY}/product/prod-bob-tv").json()["status"] == "active"
    assert _count(shop_db, "product_correction") == 0


def _count(db: Database, table: str) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.fixture(scope="module")
def correcting_app(database: Database, file_dirs: dict[str, str]) -> Iterator[TestClient]:
    with make_client(
        database,
        TMF_INVENTORY_WRITES="on",
        TMF_DEVELOPMENT_MODE=True,
        TMF_RUN_JOBS=False,
        **file_dirs,
    ) as client:
        yield client


@pytest.fixture
def correcting(shop_db: Database, correcting_app: TestClient) -> TestClient:
    return correcting_app


OPS = {"X-Actor-Id": "ops-jane", "X-Correction-Reason": "migration from the legacy BSS"}
MIGRATED = {
    "status": "active",
    "name": "Mobile S (legacy)",
    "productOffering": {"id": "po-mobile-s"},
    "productCharacteristic": [{"name": "msisdn", "value": "+33600000099"}],
    "relatedParty": [{"id": "cust-carol", "role": "Customer", "@referredType": "Individual"}],
}


def test_a_correction_needs_an_actor_and_a_reason_and_is_audited_with_its_events(
    correcting: TestClient, shop_db: Database
) -> None:
    url = f"{INVENTORY}/product"
    assert_error(correcting.post(url, json=MIGRATED), 400, "X-Correction-Reason")
    assert_error(
        correcting.post(url, json=MIGRATED, headers={"X-Correction-Reason": "x"}), 400, "who"
    )
    assert _count(shop_db, "installed_product") == 4
    created = correcting.post(url, json=MIGRATED, headers=OPS)
    assert created.status_code == 201, created.text
    product = created.json()
    assert created.headers["Location"] == product["href"]
    assert ids(correcting.get(url, params={"relatedParty.id": "cust-carol"})) == [product["id"]]

    patched = correcting.patch(
        product["href"],
        json={"status": "suspended"},
        headers={**OPS, "If-Match": created.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "suspended"
    stale = correcting.patch(
        product["href"], json={"name": "x"}, headers={**OPS, "If-Match": created.headers["ETag"]}
    )
    assert_error(stale, 412)
    assert correcting.delete(product["href"], headers=OPS).status_code == 204
    assert_error(correcting.get(product["href"]), 404)

    with shop_db.uow(write=False) as uow:
        trail = uow.corrections.of(product["id"])
        events = [e.event_type for e in uow.outbox.unsent(100) if e.resource_id == product["id"]]
    assert [(c["action"], c["actor"], c["reason"]) for c in trail] == [
        ("create", "ops-jane", OPS["X-Correction-Reason"]),
        ("patch", "ops-jane", OPS["X-Correction-Reason"]),
        ("delete", "ops-jane", OPS["X-Correction-Reason"]),
    ]
    assert trail[0]["before"] is None and trail[2]["after"] is None
    assert trail[1]["before"]["status"] == "active" and trail[1]["after"]["status"] == "suspended"
    assert trail[2]["before"]["name"] == "Mobile S (legacy)"  # nothing of it is lost
    assert events == ["ProductCreateEvent", "ProductStateChangeEvent", "ProductDeleteEvent"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({**MIGRATED, "relatedParty": []}, "role Customer"),
        ({**MIGRATED, "productOffering": {"id": "po-nope"}}, "po-nope"),
        ({**MIGRATED, "id": "mine"}, "set by the server"),
        ({**MIGRATED, "status": "lost"}, "status"),
    ],
)
def test_a_bad_correction_is_a_400_and_writes_nothing(
    correcting: TestClient,
    shop_db: Database,
    body: dict,
    fragment: str,  # type: ignore[type-arg]
) -> None:
    assert_error(correcting.post(f"{INVENTORY}/product", json=body, headers=OPS), 400, fragment)
    assert _count(shop_db, "installed_product") == 4
    assert _count(shop_db, "product_correction") == 0


def test_a_product_an_open_order_changes_cannot_be_corrected(correcting: TestClient) -> None:
    placed = correcting.post(
        f"{ORDERING}/productOrder",
        json=order("cust-bob", change("1", "delete", "prod-bob-tv")),
    )
    assert placed.status_code == 201, placed.text
    refused = correcting.patch(
        f"{INVENTORY}/product/prod-bob-tv", json={"name": "renamed"}, headers=OPS
    )
    assert_error(refused, 409, placed.json()["id"])
    assert_error(correcting.delete(f"{INVENTORY}/product/prod-bob-tv", headers=OPS), 409)
    server_owned = correcting.patch(
        f"{INVENTORY}/product/prod-alice-router", json={"id": "other"}, headers=OPS
    )
    assert_error(server_owned, 400, "set by the server")


def test_a_bundles_products_link_to_each_other_and_carry_their_prices(shop: TestClient) -> None:
    placed = shop.post(f"{ORDERING}/productOrder", json=order("cust-carol", home_bundle("1")))
    assert placed.status_code == 201, placed.text
    shop.app.container.orchestrator.run_until_idle()  # type: ignore[attr-defined]
    carols = shop.get(f"{INVENTORY}/product", params={"relatedParty.id": "cust-carol"}).json()
    assert len(carols) == 4
    (bundle,) = [p for p in carols if p.get("isBundle")]
    linked = shop.get(
        bundle["href"], params={"fields": "productRelationship,productPrice,productOrderItem"}
    ).json()
    children = {r["product"]["id"] for r in linked["productRelationship"]}
    assert children == {p["id"] for p in carols} - {bundle["id"]}
    assert {r["relationshipType"] for r in linked["productRelationship"]} == {"bundled"}
    assert linked["productPrice"][0]["@type"] == "ProductPrice"
    assert linked["productOrderItem"][0]["productOrderId"] == placed.json()["id"]

"""TMF622 over HTTP: what a BSS client sees, including every kind of bad input."""

from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from core.persistence.database import Database
from core.persistence.tables import product_order
from tests.e2e.test_tmf620_http import assert_error
from tests.orders import add, change, home_bundle, order

API = "/tmf-api/productOrderingManagement/v4"


@pytest.fixture
def lenient_shop(shop_db: Database, apps: dict[str, TestClient]) -> TestClient:
    return apps["lenient"]


def post_order(client: TestClient, body: dict, **headers: str) -> dict:  # type: ignore[type-arg]
    response = client.post(f"{API}/productOrder", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_create_answers_201_with_location_etag_and_the_priced_order(shop: TestClient) -> None:
    response = shop.post(
        f"{API}/productOrder", json=order("cust-carol", add("1", "po-mobile-s"), home_bundle("2"))
    )
    assert response.status_code == 201
    body = response.json()
    assert (
        response.headers["location"]
        == body["href"]
        == f"http://testserver{API}/productOrder/{body['id']}"
    )
    assert response.headers["etag"]
    assert body["state"] == "acknowledged" and body["@type"] == "ProductOrder"
    assert body["orderDate"].endswith("Z") and len(body["orderDate"]) == 24
    assert body["pricingSnapshot"]["fingerprint"].startswith("sha256:")
    assert {t["price"]["dutyFreeAmount"]["value"] for t in body["orderTotalPrice"]} == {94.0}
    fetched = shop.get(response.headers["location"])
    assert fetched.status_code == 200 and fetched.json() == body


def test_list_filters_sorts_projects_and_pages(shop: TestClient) -> None:
    first = post_order(shop, order("cust-carol", add("1", "po-mobile-s"), externalId="a-1"))
    post_order(shop, order("cust-carol", add("1", "po-mobile-l"), externalId="a-2"))
    by_offering = shop.get(
        f"{API}/productOrder", params={"productOrderItem.productOffering.id": "po-mobile-s"}
    )
    assert [o["id"] for o in by_offering.json()] == [first["id"]]
    assert by_offering.headers["x-total-count"] == "1"
    both = shop.get(
        f"{API}/productOrder",
        params={"state": "acknowledged", "sort": "-externalId", "fields": "externalId"},
    )
    assert [o["externalId"] for o in both.json()] == ["a-2", "a-1"]
    # What the schema requires stays, reduced to its own required attributes.
    assert both.json()[0]["productOrderItem"] == [{"id": "1", "action": "add"}]
    assert set(both.json()[0]) == {"id", "href", "externalId", "productOrderItem"}
    states = shop.get(
        f"{API}/productOrder/{first['id']}", params={"fields": "productOrderItem.state"}
    )
    assert states.json()["productOrderItem"] == [
        {"id": "1", "action": "add", "state": "acknowledged"}
    ]
    page = shop.get(f"{API}/productOrder", params={"limit": 1, "relatedParty.id": "cust-carol"})
    assert page.status_code == 206 and page.headers["x-total-count"] == "2"
    assert_error(shop.get(f"{API}/productOrder", params={"colour": "red"}), 400)


def test_patch_in_every_format_and_with_if_match(shop: TestClient) -> None:
    created = post_order(shop, order("cust-carol", add("1", "po-mobile-s")))
    url = f"{API}/productOrder/{created['id']}"
    merged = shop.patch(
        url,
        content=json.dumps({"description": "gift"}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert merged.status_code == 200 and merged.json()["description"] == "gift"
    plain = shop.patch(url, json={"priority": "1"})
    assert plain.json()["priority"] == "1" and plain.json()["description"] == "gift"
    patched = shop.patch(
        url,
        content=json.dumps([{"op": "add", "path": "/note", "value": [{"text": "call first"}]}]),
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert patched.json()["note"] == [{"text": "call first"}]
    assert_error(shop.patch(url, json={"description": "x"}, headers={"If-Match": '"stale"'}), 412)
    etag = shop.get(url).headers["etag"]
    assert shop.patch(url, json={"description": "y"}, headers={"If-Match": etag}).status_code == 200
    assert_error(shop.patch(url, json={"state": "completed"}), 400, "state is set by the server")


def test_delete_then_get_is_404(shop: TestClient) -> None:
    created = post_order(shop, order("cust-carol", add("1", "po-mobile-s")))
    url = f"{API}/productOrder/{created['id']}"
    assert shop.delete(url).status_code == 204
    assert_error(shop.get(url), 404)
    assert_error(shop.delete(url), 404)


def test_cancel_product_order(shop: TestClient) -> None:
    created = post_order(shop, order("cust-carol", add("1", "po-mobile-s")))
    response = shop.post(
        f"{API}/cancelProductOrder",
        json={"productOrder": {"id": created["id"]}, "cancellationReason": "moved abroad"},
    )
    assert response.status_code == 201
    cancel = response.json()
    assert cancel["state"] == "done" and response.headers["location"] == cancel["href"]
    assert cancel["productOrder"]["href"] == created["href"]
    assert shop.get(f"{API}/productOrder/{created['id']}").json()["state"] == "cancelled"
    listed = shop.get(f"{API}/cancelProductOrder", params={"productOrder.id": created["id"]}).json()
    assert [c["id"] for c in listed] == [cancel["id"]]
    assert shop.get(f"{API}/cancelProductOrder/{cancel['id']}").json() == cancel
    again = shop.post(
        f"{API}/cancelProductOrder", json={"productOrder": {"id": created["id"]}}
    ).json()
    assert again["state"] == "terminatedWithError" and "already cancelled" in again["stateReason"]
    assert_error(
        shop.post(f"{API}/cancelProductOrder", json={"productOrder": {"id": "nope"}}),
        400,
        "'nope' does not exist",
    )
    assert_error(shop.get(f"{API}/cancelProductOrder/nope"), 404)


def test_a_refused_order_lists_every_problem_with_its_item(shop: TestClient) -> None:
    body = order(
        "cust-alice",
        add("1", "po-mobile-xl-2025"),
        add("2", "po-fibre-300", installationAddress="x"),
    )
    response = shop.post(f"{API}/productOrder", json=body)
    assert_error(response, 400)
    message = response.json()["message"]
    assert "item '1': productOffering 'po-mobile-xl-2025' is Retired" in message
    assert "item '2': productOffering 'po-fibre-300' excludes 'po-fibre-1000'" in message
    assert shop.get(f"{API}/productOrder").json() == []


BAD_ORDERS = {
    "missing-items": {"relatedParty": []},
    "empty-items": {"productOrderItem": []},
    "wrong-type": {"productOrderItem": [{"id": "1", "action": "add", "quantity": "two"}]},
    "unknown-action": {"productOrderItem": [{"id": "1", "action": "upgrade"}]},
    "negative-quantity": {
        "productOrderItem": [
            {"id": "1", "action": "add", "quantity": -1, "productOffering": {"id": "po-mobile-s"}}
        ]
    },
    "duplicate-ids": {"productOrderItem": [add("1", "po-mobile-s"), add("1", "po-mobile-l")]},
    "cyclic-relationships": {
        "productOrderItem": [
            dict(
                add("1", "po-mobile-s"),
                productOrderItemRelationship=[{"id": "2", "relationshipType": "reliesOn"}],
            ),
            dict(
                add("2", "po-mobile-l"),
                productOrderItemRelationship=[{"id": "1", "relationshipType": "reliesOn"}],
            ),
        ]
    },
    "state-sent": {"state": "completed", "productOrderItem": [add("1", "po-mobile-s")]},
    "unknown-offering": {"productOrderItem": [add("1", "po-nothing")]},
    "characteristic-of-wrong-type": {"productOrderItem": [add("1", "po-mobile-s", roaming="yes")]},
}


@pytest.mark.parametrize("name", sorted(BAD_ORDERS))
def test_bad_orders_are_400_and_write_nothing(shop: TestClient, name: str) -> None:
    assert_error(shop.post(f"{API}/productOrder", json=BAD_ORDERS[name]), 400)
    assert shop.get(f"{API}/productOrder").headers["x-total-count"] == "0"


def test_malformed_and_undecodable_bodies(shop: TestClient) -> None:
    headers = {"Content-Type": "application/json"}
    assert_error(
        shop.post(f"{API}/productOrder", content=b'{"productOrderItem": [', headers=headers), 400
    )
    assert_error(shop.post(f"{API}/productOrder", content=b'{"x": "\xff"}', headers=headers), 400)
    assert_error(shop.put(f"{API}/productOrder/x", json={}), 405)


def test_a_ten_thousand_item_order_is_refused_quickly(shop: TestClient) -> None:
    body = {"productOrderItem": [add(str(i), "po-mobile-s") for i in range(10_000)]}
    started = time.monotonic()
    response = shop.post(f"{API}/productOrder", json=body)
    assert_error(response, 400, "at most 1000 items")
    assert time.monotonic() - started < 30  # a clear answer, not a hang (the limit is in core)


def test_idempotency_key_over_http(shop: TestClient) -> None:
    body = order("cust-carol", add("1", "po-mobile-s"))
    first = shop.post(f"{API}/productOrder", json=body, headers={"Idempotency-Key": "k-42"})
    again = shop.post(f"{API}/productOrder", json=body, headers={"Idempotency-Key": "k-42"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = order("cust-carol", add("1", "po-mobile-l"))
    assert_error(
        shop.post(f"{API}/productOrder", json=other, headers={"Idempotency-Key": "k-42"}), 409
    )
    assert shop.get(f"{API}/productOrder").headers["x-total-count"] == "1"


def test_correlation_id_is_echoed_and_carried_into_events(
    shop: TestClient, shop_db: Database
) -> None:
    response = shop.post(
        f"{API}/productOrder",
        json=order("cust-carol", add("1", "po-mobile-s")),
        headers={"X-Correlation-ID": "corr-9"},
    )
    assert response.headers["x-correlation-id"] == "corr-9"
    with shop_db.uow(write=False) as uow:
        events = uow.outbox.list("productOrder", response.json()["id"])
    assert [e.correlation_id for e in events] == ["corr-9"]
    assert events[0].payload["correlationId"] == "corr-9"


def test_lenient_accepts_a_minimal_postman_style_order(lenient_shop: TestClient) -> None:
    minimal = {
        "productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": "14277"}}]
    }
    created = lenient_shop.post(f"{API}/productOrder", json=minimal)
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "acknowledged"
    listed = lenient_shop.get(f"{API}/productOrder", headers={"Content-Type": "application/json"})
    assert listed.status_code == 200 and len(listed.json()) == 1


def test_swagger_ui_is_served_for_tmf622(shop: TestClient) -> None:
    assert shop.get(f"{API}/docs/").status_code == 200
    assert shop.get(f"{API}/openapi.json").json()["info"]["title"].startswith("TMF622")


def test_a_second_order_changing_a_product_is_a_409_naming_the_first(shop: TestClient) -> None:
    leave = order("cust-alice", change("1", "delete", "prod-alice-mobile"))
    first = shop.post(f"{API}/productOrder", json=leave)
    assert first.status_code == 201
    again = shop.post(f"{API}/productOrder", json=leave)
    body = assert_error(again, 409, f"open productOrder {first.json()['id']!r}")
    assert body["reason"] == "Product in use by another order"


def test_a_total_past_the_exact_limit_is_marked_as_an_estimate(
    shop: TestClient, shop_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shop_db, "exact_total_up_to", 2)
    for n in range(4):
        post_order(shop, order("cust-carol", add("1", "po-mobile-s"), externalId=f"e-{n}"))
    first = shop.get(f"{API}/productOrder", params={"limit": 1})
    assert first.status_code == 206 and first.headers["x-result-count"] == "1"
    if shop_db.dialect == "postgresql":  # past the limit: the planner's figure, marked
        assert first.headers["x-total-count-estimated"] == "true"
        assert int(first.headers["x-total-count"]) >= 3
    else:  # SQLite has no estimate: it counts
        assert "x-total-count-estimated" not in first.headers
        assert first.headers["x-total-count"] == "4"
    last = shop.get(f"{API}/productOrder", params={"limit": 3, "offset": 2})
    assert last.status_code == 206 and last.headers["x-total-count"] == "4"
    assert "x-total-count-estimated" not in last.headers and len(last.json()) == 2
    few = shop.get(f"{API}/productOrder", params={"externalId": "e-1"})
    assert few.status_code == 200 and few.headers["x-total-count"] == "1"


def test_a_list_holds_what_each_order_answers_on_its_own(
    shop: TestClient, shop_db: Database
) -> None:
    """A page without a projection is made by the store; it says what a GET of each says."""
    first = post_order(shop, order("cust-carol", add("1", "po-mobile-s"), home_bundle("2")))
    second = post_order(shop, order("cust-dave", add("1", "po-mobile-s"), description="caf\u00e9"))
    post_order(shop, order("cust-dave", add("1", "po-mobile-s")))
    # Orders kept without a price snapshot: JSON null, and no value at all.
    for order_id, none in ((first["id"], None), (second["id"], sa.null())):
        with shop_db.engine.begin() as connection:
            where = product_order.c.order_id == order_id
            connection.execute(sa.update(product_order).where(where).values(snapshot=none))
    for host in ("testserver", "api.example.com"):
        page = shop.get(f"http://{host}{API}/productOrder", params={"sort": "orderDate"})
        assert page.status_code == 200 and len(page.json()) == 3
        for listed in page.json():
            assert listed["href"] == f"http://{host}{API}/productOrder/{listed['id']}"
            assert listed == shop.get(listed["href"]).json()
        assert ["pricingSnapshot" in o for o in page.json()] == [False, False, True]
    projected = shop.get(f"{API}/productOrder", params={"fields": "state"}).json()
    assert all("state" in o and "description" not in o for o in projected)  # decoded, projected


def test_a_list_asked_again_answers_the_same_from_the_event_loop(
    shop: TestClient, shop_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second ask of a page read quickly is answered on the event loop: same status,
    body and count headers as the first, whatever its total is."""
    monkeypatch.setattr(shop_db, "exact_total_up_to", 2)
    for n in range(4):
        post_order(shop, order("cust-carol", add("1", "po-mobile-s"), externalId=f"q-{n}"))
    shown = ("content-type", "x-total-count", "x-result-count", "x-total-count-estimated")
    asks = (
        {"limit": 1},
        {"limit": 3, "offset": 2},
        {"relatedParty.id": "cust-carol", "state": "acknowledged"},
        {"offset": 9},
        {"fields": "state"},
    )
    for params in asks:
        answers = [shop.get(f"{API}/productOrder", params=params) for _ in range(3)]
        seen = {(a.status_code, a.content, tuple(a.headers.get(h) for h in shown)) for a in answers}
        assert len(seen) == 1, params

"""The hub over HTTP: subscribe, read back, unsubscribe, refused callbacks, events arriving."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from core.events.callbacks import CallbackGuard
from tests.e2e.test_tmf620_http import assert_error
from tests.fakes.receiver import Receiver
from tests.orders import add, order

ORDERING = "/tmf-api/productOrderingManagement/v4"
CATALOG = "/tmf-api/productCatalogManagement/v4"
ADMIN = "/admin/v1"
PUBLIC = "http://93.184.216.34/hooks"  # a public address: accepted, never called here


@pytest.mark.parametrize("api", [ORDERING, CATALOG])
def test_subscribe_read_back_and_unsubscribe(shop: TestClient, api: str) -> None:
    query = "eventType=ProductOrderStateChangeEvent"
    created = shop.post(f"{api}/hub", json={"callback": PUBLIC, "query": query})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body == {"id": body["id"], "callback": PUBLIC, "query": query}
    assert created.headers["location"] == f"http://testserver{api}/hub/{body['id']}"
    assert shop.get(created.headers["location"]).json() == body
    other = ORDERING if api == CATALOG else CATALOG
    assert shop.get(f"{other}/hub/{body['id']}").status_code == 404  # one API's subscription
    assert shop.delete(f"{api}/hub/{body['id']}").status_code == 204
    assert_error(shop.delete(f"{api}/hub/{body['id']}"), 404)
    assert_error(shop.get(f"{api}/hub/{body['id']}"), 404)


@pytest.mark.parametrize(
    "callback",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://127.0.0.1:9000/hooks",
        "http://localhost:9000/hooks",
        "ftp://93.184.216.34/",
    ],
)
def test_internal_or_odd_callbacks_are_refused_with_a_tmf_error(
    shop: TestClient, callback: str
) -> None:
    response = shop.post(f"{ORDERING}/hub", json={"callback": callback})
    body = assert_error(response, 400)
    assert "refused" in body["message"]
    assert shop.get(f"{ADMIN}/subscriptions").json() == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"callback": ""},
        {"callback": PUBLIC, "query": "colour=red"},
        {"callback": PUBLIC, "secret": "short"},
    ],
)
def test_bad_subscriptions_are_400(shop: TestClient, body: dict[str, str]) -> None:
    assert_error(shop.post(f"{ORDERING}/hub", json=body), 400)


def test_order_events_reach_a_subscriber_and_dead_letters_replay_over_http(
    shop: TestClient, receiver: Receiver
) -> None:
    container = shop.app.container  # type: ignore[attr-defined]
    allowing = CallbackGuard("127.0.0.1")
    saved = container.hub.guard, container.dispatcher.guard
    container.hub.guard = container.dispatcher.guard = allowing
    try:
        created = shop.post(f"{ORDERING}/hub", json={"callback": receiver.url, "secret": "x" * 16})
        assert created.status_code == 201
        subscription = created.json()["id"]
        views = shop.get(f"{ADMIN}/subscriptions").json()
        assert views == [
            {
                "id": subscription,
                "callback": receiver.url,
                "api": "tmf622",
                "signed": True,
                "createdAt": views[0]["createdAt"],
            }
        ]
        placed = shop.post(
            f"{ORDERING}/productOrder", json=order("cust-carol", add("1", "po-mobile-s"))
        )
        assert placed.status_code == 201
        container.dispatcher.run_until_idle()
        (event,) = receiver.wait_for(1)
        assert event["eventType"] == "ProductOrderCreateEvent"
        assert event["event"]["productOrder"]["id"] == placed.json()["id"]
        assert receiver.received[0][0] == "/hooks/listener/productOrderCreateEvent"

        listed = shop.get(f"{ADMIN}/deliveries", params={"status": "delivered"})
        assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
        (delivery,) = listed.json()
        assert delivery["eventId"] == event["eventId"] and delivery["attempts"] == 1
        assert shop.get(f"{ADMIN}/deliveries/{delivery['id']}").json() == delivery
        refused = shop.post(
            f"{ADMIN}/deliveries/{delivery['id']}/replay", json={"actor": "ops", "reason": "x"}
        )
        assert_error(refused, 409)
        assert_error(shop.get(f"{ADMIN}/deliveries/999999"), 404)
        assert_error(shop.get(f"{ADMIN}/deliveries", params={"status": "lost"}), 400)
        replayed = shop.post(
            f"{ADMIN}/deliveries/replay", json={"actor": "ops", "reason": "nothing dead"}
        )
        assert replayed.json() == {"replayed": 0}
    finally:
        container.hub.guard, container.dispatcher.guard = saved

"""The price snapshot is the server's alone: a client's, sent on create or by either kind of
PATCH, is a 400 naming it, and no event ever carries one."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from core.ordering.model import SERVER_OWNED
from core.persistence.database import Database
from tests.e2e.test_tmf620_http import assert_error
from tests.orders import add, order

ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
FORGED = {"fingerprint": "sha256:forged", "items": []}


def outbox_payloads(db: Database) -> list[str]:
    with db.engine.connect() as connection:
        found = connection.execute(sa.text("SELECT payload FROM outbox")).scalars().all()
    return [p if isinstance(p, str) else json.dumps(p) for p in found]


def test_a_forged_snapshot_is_refused_on_create_and_never_published(
    shop: TestClient, shop_db: Database
) -> None:
    body = {**order("cust-carol", add("1", "po-mobile-s")), "pricingSnapshot": FORGED}
    assert_error(shop.post(ORDERS, json=body), 400, "pricingSnapshot")
    with shop_db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM product_order")).scalar() == 0
    assert not any("forged" in p for p in outbox_payloads(shop_db))


@pytest.mark.parametrize(
    ("content_type", "patch"),
    [
        ("application/merge-patch+json", {"pricingSnapshot": FORGED}),
        ("application/json", {"pricingSnapshot": FORGED, "description": "x"}),
        (
            "application/json-patch+json",
            [{"op": "add", "path": "/pricingSnapshot", "value": FORGED}],
        ),
    ],
)
def test_a_forged_snapshot_is_refused_by_every_patch(
    shop: TestClient, shop_db: Database, content_type: str, patch: object
) -> None:
    placed = shop.post(ORDERS, json=order("cust-carol", add("1", "po-mobile-s"))).json()
    url = f"{ORDERS}/{placed['id']}"
    answer = shop.patch(url, content=json.dumps(patch), headers={"content-type": content_type})
    assert_error(answer, 400, "pricingSnapshot")
    again = shop.get(url).json()
    assert again["pricingSnapshot"] == placed["pricingSnapshot"]
    assert "description" not in again
    assert not any("forged" in p for p in outbox_payloads(shop_db))


def test_sending_back_what_was_read_is_refused_only_for_what_the_server_owns(
    shop: TestClient,
) -> None:
    """A client that PATCHes the whole document it read back gets the names it may not send."""
    placed = shop.post(ORDERS, json=order("cust-carol", add("1", "po-mobile-s"))).json()
    answer = shop.patch(f"{ORDERS}/{placed['id']}", json={**placed, "description": "new"})
    body = assert_error(answer, 400, "pricingSnapshot")
    assert "description" not in body["message"]


@pytest.mark.parametrize("name", [n for n in SERVER_OWNED if n not in ("id", "href")])
def test_every_server_owned_name_is_refused_on_create(shop: TestClient, name: str) -> None:
    body = {
        **order("cust-carol", add("1", "po-mobile-s")),
        name: FORGED if name == "pricingSnapshot" else "2026-01-01T00:00:00Z",
    }
    assert_error(shop.post(ORDERS, json=body), 400, name)

"""Partners see only their own customers: another customer's orders behave as if they did not
exist, in reads, lists, counts, changes, cancellations and hub events."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from core.persistence.database import Database
from tests.e2e.conftest import make_client
from tests.e2e.test_auth_http import bearer, idp  # noqa: F401  (the provider fixture)
from tests.e2e.test_tmf620_http import assert_error
from tests.fakes.identity import IdentityProvider
from tests.orders import add, order

ORDERING = "/tmf-api/productOrderingManagement/v4"
WRITE = ["tmf622:read", "tmf622:write", "tmf620:read", "tmf637:read", "tmf637:write"]
INVENTORY = "/tmf-api/productInventory/v4"


@pytest.fixture
def secured(
    shop_db: Database,
    idp: IdentityProvider,  # noqa: F811
    file_dirs: dict[str, str],
) -> Iterator[TestClient]:
    allow = {"TMF_CALLBACK_ALLOWLIST": "127.0.0.1"}
    with make_client(shop_db, TMF_RUN_JOBS=False, **idp.settings(**allow), **file_dirs) as client:
        yield client


@pytest.fixture
def tokens(idp: IdentityProvider) -> dict[str, dict[str, str]]:  # noqa: F811
    return {
        "a": bearer(idp.token("partner-a", WRITE, party_ids=["cust-alice"])),
        "b": bearer(idp.token("partner-b", WRITE, party_ids=["cust-bob", "cust-carol"])),
        "bss": bearer(idp.token("bss", WRITE)),  # no claim: an internal system
    }


def place(client: TestClient, token: dict[str, str], customer: str) -> dict:  # type: ignore[type-arg]
    answer = client.post(
        f"{ORDERING}/productOrder",
        json=order(customer, add("1", "po-mobile-s")),
        headers=token,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_a_partner_orders_only_for_its_customers(
    secured: TestClient, tokens: dict[str, dict[str, str]], shop_db: Database
) -> None:
    place(secured, tokens["a"], "cust-alice")
    refused = secured.post(
        f"{ORDERING}/productOrder",
        json=order("cust-bob", add("1", "po-mobile-s")),
        headers=tokens["a"],
    )
    assert_error(refused, 403, "cust-bob")
    with shop_db.engine.connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM product_order")).scalar_one()
    assert count == 1


def test_another_partners_orders_do_not_exist_for_it(
    secured: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    alices = place(secured, tokens["a"], "cust-alice")
    bobs = place(secured, tokens["b"], "cust-bob")
    place(secured, tokens["bss"], "cust-carol")
    url = f"{ORDERING}/productOrder/{alices['id']}"
    b = tokens["b"]
    assert_error(secured.get(url, headers=b), 404)
    assert_error(secured.patch(url, json={"description": "x"}, headers=b), 404)
    assert_error(secured.delete(url, headers=b), 404)
    cancel = {"productOrder": {"id": alices["id"]}, "cancellationReason": "mine now"}
    assert_error(secured.post(f"{ORDERING}/cancelProductOrder", json=cancel, headers=b), 400)
    listed = secured.get(f"{ORDERING}/productOrder", headers=b)
    assert {o["id"] for o in listed.json()} == {bobs["id"]} | {
        o["id"]
        for o in secured.get(f"{ORDERING}/productOrder", headers=tokens["bss"]).json()
        if o["relatedParty"][0]["id"] == "cust-carol"
    }
    assert listed.headers["x-total-count"] == "2"
    filtered = secured.get(
        f"{ORDERING}/productOrder", params={"relatedParty.id": "cust-alice"}, headers=b
    )
    assert filtered.json() == [] and filtered.headers["x-total-count"] == "0"
    # The owner and an internal system still see it all.
    assert secured.get(url, headers=tokens["a"]).status_code == 200
    everything = secured.get(f"{ORDERING}/productOrder", headers=tokens["bss"])
    assert everything.headers["x-total-count"] == "3"


def test_cancellations_of_other_customers_are_hidden(
    secured: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    alices = place(secured, tokens["a"], "cust-alice")
    cancel = {"productOrder": {"id": alices["id"]}, "cancellationReason": "changed my mind"}
    created = secured.post(f"{ORDERING}/cancelProductOrder", json=cancel, headers=tokens["a"])
    assert created.status_code == 201, created.text
    url = f"{ORDERING}/cancelProductOrder/{created.json()['id']}"
    assert secured.get(url, headers=tokens["a"]).status_code == 200
    assert_error(secured.get(url, headers=tokens["b"]), 404)
    listed = secured.get(f"{ORDERING}/cancelProductOrder", headers=tokens["b"])
    assert listed.json() == [] and listed.headers["x-total-count"] == "0"


def test_an_idempotency_key_of_one_partner_neither_replays_nor_blocks_another(
    secured: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    body = order("cust-alice", add("1", "po-mobile-s"))
    key = {"Idempotency-Key": "same-key"}
    first = secured.post(f"{ORDERING}/productOrder", json=body, headers={**tokens["a"], **key})
    again = secured.post(f"{ORDERING}/productOrder", json=body, headers={**tokens["a"], **key})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    bobs = order("cust-bob", add("1", "po-mobile-s"))
    other = secured.post(f"{ORDERING}/productOrder", json=bobs, headers={**tokens["b"], **key})
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]


def fanned_out(secured: TestClient, db: Database) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    """Every (subscription, notification) the outbox's events were fanned out to."""
    dispatcher = secured.app.container.dispatcher  # type: ignore[attr-defined]
    while dispatcher.fan_out():
        pass
    with db.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT d.subscription_id, o.payload FROM event_delivery d "
                "JOIN outbox o ON o.event_id = d.event_id"
            )
        ).all()
    return [(s, json.loads(p) if isinstance(p, str) else p) for s, p in rows]


def test_a_partners_hub_is_sent_only_its_customers_events(
    secured: TestClient, tokens: dict[str, dict[str, str]], shop_db: Database
) -> None:
    def subscribe(token: dict[str, str]) -> str:
        answer = secured.post(
            f"{ORDERING}/hub", json={"callback": "http://127.0.0.1:9/hooks"}, headers=token
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    hub_a, hub_b, hub_bss = subscribe(tokens["a"]), subscribe(tokens["b"]), subscribe(tokens["bss"])
    alices = place(secured, tokens["a"], "cust-alice")
    bobs = place(secured, tokens["b"], "cust-bob")
    cancel = {"productOrder": {"id": alices["id"]}, "cancellationReason": "no"}
    assert (
        secured.post(f"{ORDERING}/cancelProductOrder", json=cancel, headers=tokens["a"]).status_code
        == 201
    )
    rows = fanned_out(secured, shop_db)
    about: dict[str, set[str]] = {hub_a: set(), hub_b: set(), hub_bss: set()}
    kinds: dict[str, set[str]] = {hub_a: set(), hub_b: set(), hub_bss: set()}
    for subscription, payload in rows:
        resource = next(iter(payload["event"].values()))
        about[subscription].add(resource.get("productOrder", resource)["id"])
        kinds[subscription].add(payload["eventType"])
    assert about[hub_a] == {alices["id"]}
    assert about[hub_b] == {bobs["id"]}
    assert about[hub_bss] == {alices["id"], bobs["id"]}
    assert "CancelProductOrderCreateEvent" in kinds[hub_a] & kinds[hub_bss]
    assert "CancelProductOrderCreateEvent" not in kinds[hub_b]
    # One partner's subscription does not exist for another.
    assert_error(secured.get(f"{ORDERING}/hub/{hub_a}", headers=tokens["b"]), 404)
    assert_error(secured.delete(f"{ORDERING}/hub/{hub_a}", headers=tokens["b"]), 404)
    assert secured.get(f"{ORDERING}/hub/{hub_a}", headers=tokens["a"]).status_code == 200


def test_a_partner_sees_only_its_customers_products_and_their_events(
    secured: TestClient, tokens: dict[str, dict[str, str]], shop_db: Database
) -> None:
    listed = secured.get(f"{INVENTORY}/product", headers=tokens["a"])
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "3"
    assert {p["relatedParty"][0]["id"] for p in listed.json()} == {"cust-alice"}
    bobs = secured.get(
        f"{INVENTORY}/product", params={"relatedParty.id": "cust-bob"}, headers=tokens["a"]
    )
    assert bobs.json() == [] and bobs.headers["X-Total-Count"] == "0"
    assert_error(secured.get(f"{INVENTORY}/product/prod-bob-tv", headers=tokens["a"]), 404)
    seen = secured.get(f"{INVENTORY}/product/prod-bob-tv", headers=tokens["b"])
    assert seen.status_code == 200
    everyone = secured.get(f"{INVENTORY}/product", headers=tokens["bss"])
    assert everyone.headers["X-Total-Count"] == "4"

    def subscribe(token: dict[str, str]) -> str:
        answer = secured.post(
            f"{INVENTORY}/hub", json={"callback": "http://127.0.0.1:9/hooks"}, headers=token
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    hub_a, hub_b = subscribe(tokens["a"]), subscribe(tokens["b"])
    for token, customer in ((tokens["a"], "cust-alice"), (tokens["b"], "cust-carol")):
        placed = place(secured, token, customer)
        assert placed["state"] == "acknowledged"
    orchestrator = secured.app.container.orchestrator  # type: ignore[attr-defined]
    orchestrator.run_until_idle()
    rows = fanned_out(secured, shop_db)
    about: dict[str, set[str]] = {hub_a: set(), hub_b: set()}
    for subscription, payload in rows:
        assert payload["eventType"] == "ProductCreateEvent"
        about[subscription].add(payload["event"]["product"]["relatedParty"][0]["id"])
    assert about == {hub_a: {"cust-alice"}, hub_b: {"cust-carol"}}


def test_a_partner_token_does_not_reach_the_admin_api(
    secured: TestClient,
    idp: IdentityProvider,  # noqa: F811
) -> None:
    partner_admin = idp.token("partner-a", ["admin:read"], party_ids=["cust-alice"])
    assert_error(secured.get("/admin/v1/fallout", headers=bearer(partner_admin)), 403, "partner")

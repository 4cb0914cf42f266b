"""The console over HTTP (in process, both back ends): pages and their headers, the TMF630
search it sends, CSRF on forms, who acts with authentication off, and the token's scopes and
roles with it on."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from core.events.callbacks import CallbackGuard
from core.ordering.service import OrderingService
from core.persistence.database import Database
from core.requests import RequestContext
from tests.e2e.conftest import make_client
from tests.e2e.test_admin_http import place_held_order
from tests.e2e.test_approvals_http import APPROVALS, ORDERS, actor, business_order
from tests.fakes.identity import IdentityProvider
from tests.fakes.receiver import Receiver
from tests.orders import add, order

PAGES = ("", "/orders", "/fallout", "/approvals", "/deliveries", "/catalog", "/catalog/po-mobile-s")


def csrf(client: TestClient, path: str = "/console", cookies: str = "") -> str:
    """The form token a page gives, with its cookie (the client keeps no ``Secure`` cookie
    over plain HTTP, so the tests send it themselves)."""
    page = client.get(path, headers={"Cookie": cookies} if cookies else {})
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def post(
    client: TestClient, path: str, form: dict[str, str], cookies: str = "", **headers: str
) -> object:
    token = csrf(client, cookies=cookies)
    jar = "; ".join(c for c in (f"tmf_console_csrf={token}", cookies) if c)
    return client.post(
        path,
        data={**form, "csrf_token": token},
        headers={"Cookie": jar, **headers},
        follow_redirects=False,
    )


@pytest.fixture
def dev(shop_db: Database, file_dirs: dict[str, str]) -> Iterator[TestClient]:
    with make_client(shop_db, TMF_DEVELOPMENT_MODE=True, TMF_RUN_JOBS=False, **file_dirs) as client:
        yield client


def test_every_page_is_html_that_loads_nothing_from_elsewhere(shop: TestClient) -> None:
    for path in PAGES:
        page = shop.get(f"/console{path}")
        assert page.status_code == 200, (path, page.text[:300])
        assert page.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        assert "Authentication is off" in page.text
    css = shop.get("/console/static/console.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert shop.get("/console/static/nothing.css").status_code == 404


def test_an_unknown_order_is_a_404_page(shop: TestClient) -> None:
    page = shop.get("/console/orders/no-such-order")
    assert page.status_code == 404
    assert "Resource not found" in page.text and "no-such-order" in page.text


def test_the_order_search_sends_tmf630_filters(
    shop: TestClient, ordering: OrderingService, order_ctx: RequestContext
) -> None:
    carol = [
        ordering.place(
            order("cust-carol", add("1", "po-mobile-s"), externalId=f"c-{n}"), order_ctx
        )[0]
        for n in range(21)
    ]
    fibre = add("1", "po-fibre-300", installationAddress="3 Quai Bob")
    bob, _ = ordering.place(order("cust-bob", fibre), order_ctx)
    everything = shop.get("/console/orders")
    assert "22 order(s)" in everything.text and 'rel="next"' in everything.text

    first = shop.get("/console/orders", params={"customer": "cust-carol"})
    assert "21 order(s)" in first.text
    assert first.text.count('href="/console/orders/') == 20 and bob.id not in first.text
    second = shop.get("/console/orders", params={"customer": "cust-carol", "offset": "20"})
    assert second.text.count('href="/console/orders/') == 1 and 'rel="prev"' in second.text
    assert carol[0].id in second.text  # newest first: the first placed comes last

    by_offering = shop.get("/console/orders", params={"offering": "po-fibre-300"})
    assert bob.id in by_offering.text and "1 order(s)" in by_offering.text
    by_id = shop.get("/console/orders", params={"externalId": "c-7"})
    assert carol[7].id in by_id.text and "1 order(s)" in by_id.text
    day = bob.document["orderDate"][:10]
    assert "22 order(s)" in shop.get("/console/orders", params={"from": day, "to": day}).text
    assert "0 order(s)" in shop.get("/console/orders", params={"to": "2001-01-01"}).text
    assert "22 order(s)" in shop.get("/console/orders", params={"state": "acknowledged"}).text
    bad = shop.get("/console/orders", params={"from": "yesterday"})
    assert bad.status_code == 400 and "Invalid query" in bad.text


def test_a_form_from_another_origin_or_without_its_token_is_refused(
    shop: TestClient, ordering: OrderingService, order_ctx: RequestContext
) -> None:
    orchestrator = shop.app.container.orchestrator  # type: ignore[attr-defined]
    placed = place_held_order(orchestrator, ordering, order_ctx)
    (task,) = shop.get("/admin/v1/fallout").json()
    path = f"/console/fallout/{task['id']}/retry"
    foreign = post(shop, path, {"reason": "x"}, "tmf_console_as=eve", Origin="https://evil.test")
    assert foreign.status_code == 403 and "may not post here" in foreign.text  # type: ignore[attr-defined]
    tokenless = shop.post(path, data={"reason": "x"}, headers={"Cookie": "tmf_console_as=eve"})
    assert tokenless.status_code == 403 and "security token" in tokenless.text
    stolen = shop.post(
        path,
        data={"reason": "x", "csrf_token": "a" * 43},
        headers={"Cookie": f"tmf_console_csrf={'b' * 43}; tmf_console_as=eve"},
    )
    assert stolen.status_code == 403
    assert shop.get(f"{ORDERS}/{placed.id}").json()["state"] == "held"
    assert shop.get("/admin/v1/fallout").json()[0]["status"] == "held"


def test_with_authentication_off_a_repair_records_the_name_given(
    shop: TestClient, ordering: OrderingService, order_ctx: RequestContext
) -> None:
    orchestrator = shop.app.container.orchestrator  # type: ignore[attr-defined]
    placed = place_held_order(orchestrator, ordering, order_ctx)
    (task,) = shop.get("/admin/v1/fallout").json()
    named = post(shop, "/console/identity", {"actor": "fiona", "back": "/console/fallout"})
    assert named.status_code == 303  # type: ignore[attr-defined]
    assert named.headers["location"].startswith("/console/fallout?notice=")  # type: ignore[attr-defined]
    cookie = named.headers["set-cookie"].split(";")[0]  # type: ignore[attr-defined]
    nameless = post(shop, f"/console/fallout/{task['id']}/skip", {"reason": "by hand"})
    assert nameless.status_code == 400 and "say who repairs" in nameless.text  # type: ignore[attr-defined]
    done = post(
        shop,
        f"/console/fallout/{task['id']}/skip",
        {"reason": "activated by hand", "result": "INC-42"},
        cookie,
    )
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert done.headers["location"].startswith(f"/console/orders/{placed.id}?notice=")  # type: ignore[attr-defined]
    story = shop.get(f"/admin/v1/orders/{placed.id}/timeline").json()
    assert [
        (a["action"], a["actor"], a["reason"], a["result"]) for a in story["manualActions"]
    ] == [("skip", "fiona", "activated by hand", {"note": "INC-42"})]
    page = shop.get(f"/console/orders/{placed.id}")
    assert "skip by hand" in page.text and "by fiona" in page.text


def test_without_development_mode_a_named_user_cannot_decide(shop: TestClient) -> None:
    placed = shop.post(ORDERS, json=business_order(15)).json()
    (case,) = [
        c
        for c in shop.get(APPROVALS, params={"status": "open"}).json()
        if c["orderId"] == placed["id"]
    ]
    cookie = "tmf_console_as=dora%7Csales-director"
    page = shop.get(f"/console/approvals/{case['id']}", headers={"Cookie": cookie})
    assert 'value="approve"' not in page.text and "No actor" in page.text
    form = {"decision": "approve", "reason": "ok", "fingerprint": case["fingerprint"]}
    refused = post(shop, f"/console/approvals/{case['id']}/decision", form, cookie)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert "a decision needs an authenticated actor" in refused.text  # type: ignore[attr-defined]
    assert shop.get(f"{APPROVALS}/{case['id']}").json()["status"] == "open"


def test_in_development_mode_the_roles_given_decide(dev: TestClient) -> None:
    placed = dev.post(ORDERS, json=business_order(15), headers=actor("sam", "sales")).json()
    (case,) = [
        c
        for c in dev.get(APPROVALS, params={"status": "open"}).json()
        if c["orderId"] == placed["id"]
    ]
    cookie = "tmf_console_as=dora%7Csales-director"
    page = dev.get(f"/console/approvals/{case['id']}", headers={"Cookie": cookie})
    assert 'value="approve"' in page.text and 'value="reject"' in page.text
    form = {"decision": "approve", "reason": "strategic", "fingerprint": case["fingerprint"]}
    stale = post(
        dev,
        f"/console/approvals/{case['id']}/decision",
        {**form, "fingerprint": "sha256:0"},
        cookie,
    )
    assert stale.status_code == 409 and "priced again" in stale.text  # type: ignore[attr-defined]
    done = post(dev, f"/console/approvals/{case['id']}/decision", form, cookie)
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert dev.get(f"{ORDERS}/{placed['id']}").json()["state"] == "acknowledged"


@pytest.fixture(scope="module")
def idp() -> Iterator[IdentityProvider]:
    provider = IdentityProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def secured(
    shop_db: Database, idp: IdentityProvider, file_dirs: dict[str, str]
) -> Iterator[TestClient]:
    with make_client(shop_db, TMF_RUN_JOBS=False, **idp.settings(), **file_dirs) as client:
        yield client


def test_behind_tokens_the_console_follows_their_scopes_and_roles(
    secured: TestClient, idp: IdentityProvider
) -> None:
    sam = {"Authorization": "Bearer " + idp.token("sam", ["tmf622:write"], roles=["sales"])}
    placed = secured.post(ORDERS, json=business_order(15), headers=sam).json()
    assert secured.get("/console").status_code == 401
    reader = {
        "Authorization": "Bearer " + idp.token("rita", ["admin:read"], roles=["sales-director"])
    }
    partner = idp.token("shop-42", ["admin:read", "admin:write"], party_ids=["cust-carol"])
    assert (
        secured.get("/console", headers={"Authorization": f"Bearer {partner}"}).status_code == 403
    )
    for path in PAGES:
        page = secured.get(f"/console{path}", headers=reader)
        assert page.status_code == 200, path
        assert "Authentication is off" not in page.text and "Signed in as" in page.text
    (case,) = [
        c
        for c in secured.get(APPROVALS, params={"status": "open"}, headers=reader).json()
        if c["orderId"] == placed["id"]
    ]
    read_only = secured.get(f"/console/approvals/{case['id']}", headers=reader)
    assert 'value="approve"' not in read_only.text and "admin:write" in read_only.text
    form = {"decision": "approve", "reason": "ok", "fingerprint": case["fingerprint"]}
    path = f"/console/approvals/{case['id']}/decision"
    assert secured.post(path, data=form, headers=reader).status_code == 403  # the gate: scope

    dora = {
        "Authorization": "Bearer "
        + idp.token("dora", ["admin:read", "admin:write"], roles=["sales-director"])
    }
    page = secured.get(f"/console/approvals/{case['id']}", headers=dora)
    assert 'value="approve"' in page.text and "Signed in as <strong>dora</strong>" in page.text
    minted = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert minted
    decided = secured.post(
        path,
        data={**form, "csrf_token": minted.group(1)},
        headers={**dora, "Cookie": f"tmf_console_csrf={minted.group(1)}"},
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    (decision,) = secured.get(f"{APPROVALS}/{case['id']}", headers=dora).json()["decisions"]
    assert decision["actor"] == "dora" and decision["roles"] == ["sales-director"]
    assert secured.post("/console/identity", data={}, headers=dora).status_code in (403, 404)


@pytest.fixture
def one_try(shop_db: Database, file_dirs: dict[str, str]) -> Iterator[TestClient]:
    """A delivery that fails once is dead-lettered at once."""
    with make_client(
        shop_db, TMF_RUN_JOBS=False, TMF_DELIVERY_MAX_ATTEMPTS=1, **file_dirs
    ) as client:
        yield client


def test_the_deliveries_page_shows_each_subscribers_health_and_replays_its_dead_letters(
    one_try: TestClient, receiver: Receiver
) -> None:
    container = one_try.app.container  # type: ignore[attr-defined]
    container.hub.guard = container.dispatcher.guard = CallbackGuard("127.0.0.1")
    created = one_try.post(f"{ORDERS.rsplit('/', 1)[0]}/hub", json={"callback": receiver.url})
    subscription = created.json()["id"]
    query = "eventType=ProductOrderDeleteEvent"  # a subscriber that nothing here concerns
    quiet = one_try.post(
        f"{ORDERS.rsplit('/', 1)[0]}/hub", json={"callback": receiver.url, "query": query}
    )
    one_try.post(ORDERS, json=order("cust-carol", add("1", "po-mobile-s")))
    container.dispatcher.run_until_idle()
    assert len(receiver.wait_for(1)) == 1
    receiver.fail_next = 1
    one_try.post(ORDERS, json=order("cust-bob", add("1", "po-mobile-s")))
    container.dispatcher.run_until_idle()

    page = one_try.get("/console/deliveries").text
    row = next(r for r in page.split("<tr") if subscription[:8] in r and "/hooks" in r)
    cells = re.findall(r'<td class="num">(\d+)</td>', row)
    assert cells == ["0", "0", "1"]  # waiting, pending, dead
    assert re.findall(r'<td class="delivered num">(\d+)</td>', row) == ["1"]
    assert "500" in row and "Replay all dead" in row
    quiet_row = next(r for r in page.split("<tr") if quiet.json()["id"][:8] in r)
    assert re.findall(r'<td class="num">(\d+)</td>', quiet_row) == ["0", "0", "0"]
    assert "<td>—</td>" in quiet_row and "<td>—</td>" not in row  # never delivered / delivered
    assert "Replay all dead" not in quiet_row
    assert re.findall(r'<td class="delivered num">(\d+)</td>', quiet_row) == ["0"]
    replayed = post(
        one_try,
        "/console/deliveries/replay",
        {"subscriptionId": subscription, "reason": "receiver back"},
        "tmf_console_as=ivan",
    )
    assert replayed.status_code == 303  # type: ignore[attr-defined]
    assert "1+dead+letter" in replayed.headers["location"]  # type: ignore[attr-defined]
    container.dispatcher.run_until_idle()
    arrived = receiver.wait_for(2)
    assert [e["event"]["productOrder"]["relatedParty"][0]["id"] for e in arrived][-1] == "cust-bob"
    assert 'class="stuck"' not in one_try.get("/console/deliveries").text


def test_the_evidence_package_downloads_and_a_case_is_delegated_from_the_console(
    dev: TestClient,
) -> None:
    placed = dev.post(ORDERS, json=business_order(15), headers=actor("sam", "sales")).json()
    (case,) = [
        c
        for c in dev.get(APPROVALS, params={"status": "open"}).json()
        if c["orderId"] == placed["id"]
    ]
    package = dev.get(f"/console/orders/{placed['id']}/evidence")
    assert package.status_code == 200 and package.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        names = archive.namelist()
        assert "evidence.json" in names and "manifest.json" in names
        told = json.loads(archive.read("evidence.json"))
    assert told["order"]["id"] == placed["id"]
    assert told["approval"]["id"] == case["id"]

    dora = "tmf_console_as=dora%7Csales-director"
    form = {"to": "cole", "reason": "on leave"}
    handed = post(dev, f"/console/approvals/{case['id']}/delegation", form, dora)
    assert handed.status_code == 303  # type: ignore[attr-defined]
    cole = "tmf_console_as=cole%7Csales"  # no role of his own: the delegation lends it
    page = dev.get(f"/console/approvals/{case['id']}", headers={"Cookie": cole})
    assert "dora → cole (sales-director)" in page.text and 'value="approve"' in page.text
    done = post(
        dev,
        f"/console/approvals/{case['id']}/decision",
        {"decision": "approve", "reason": "for dora", "fingerprint": case["fingerprint"]},
        cole,
    )
    assert done.status_code == 303  # type: ignore[attr-defined]
    (decision,) = dev.get(f"{APPROVALS}/{case['id']}").json()["decisions"]
    assert decision["actor"] == "cole" and decision["onBehalfOf"] == ["dora"]

"""TMF_AUTH=jwt over HTTP: tokens from a real JWKS server, every operation's scope, identity
and roles from the token only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

import openapi
from core.events.cloud import to_cloudevent
from core.ordering.service import OrderingService
from core.persistence.database import Database
from core.requests import RequestContext
from server.auth.devkeys import SigningKey
from server.auth.scopes import PUBLIC, SCOPES, operations
from server.gates import APIS
from tests.e2e.conftest import make_client
from tests.e2e.test_admin_http import place_held_order
from tests.e2e.test_approvals_http import APPROVALS, ORDERS, actor, business_order
from tests.e2e.test_tmf620_http import assert_error
from tests.fakes.identity import IdentityProvider

CATALOG = "/tmf-api/productCatalogManagement/v4"
EVERY_SCOPE = list(SCOPES)


@pytest.fixture(scope="module")
def idp() -> Iterator[IdentityProvider]:
    provider = IdentityProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def secured(
    shop_db: Database, idp: IdentityProvider, file_dirs: dict[str, str]
) -> Iterator[TestClient]:
    with make_client(
        shop_db, TMF_RUN_JOBS=False, TMF_DEVELOPMENT_MODE=True, **idp.settings(), **file_dirs
    ) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_unauthorized(response, fragment: str = "") -> None:  # type: ignore[no-untyped-def]
    assert_error(response, 401, fragment)
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def concrete(path: str) -> str:
    return path.replace("{", "x-").replace("}", "")


def test_every_operation_needs_a_token_and_its_scope(
    secured: TestClient, idp: IdentityProvider
) -> None:
    """Walks every operation of every served document: no token 401, every scope but the one
    it needs 403, that scope alone not refused."""
    documents = {api: openapi.load(api) for api in APIS}
    walked = 0
    for operation in operations(documents):
        url = concrete(operation.path)
        call: dict[str, Any] = {"method": operation.method, "url": url}
        cookie = {}
        if operation.method in ("POST", "PATCH", "PUT"):
            call["json"] = {}
        if operation.path.startswith("/console") and operation.method == "POST":
            call = {**call, "json": None, "data": {"csrf_token": "t" * 43}}  # a console form
            cookie = {"Cookie": f"tmf_console_csrf={'t' * 43}"}
        if operation.scope == PUBLIC:
            assert secured.request(**call).status_code not in (401, 403), url
            continue
        walked += 1
        assert_unauthorized(secured.request(**call))
        others = [s for s in EVERY_SCOPE if s != operation.scope]
        refused = secured.request(**call, headers=bearer(idp.token(scopes=others)))
        assert_error(refused, 403, operation.scope)
        assert refused.headers["www-authenticate"] == (
            f'Bearer error="insufficient_scope", scope="{operation.scope}"'
        )
        token = bearer(idp.token(scopes=[operation.scope]))
        allowed = secured.request(**call, headers={**token, **cookie})
        assert allowed.status_code not in (401, 403), (url, allowed.text)
    assert walked > 60  # the three documents and the metrics route


def test_the_public_pages_need_no_token(secured: TestClient) -> None:
    assert secured.get(f"{CATALOG}/docs/").status_code == 200
    document = secured.get(f"{CATALOG}/openapi.json")
    assert document.status_code == 200


def test_the_served_documents_declare_the_bearer_scheme(secured: TestClient) -> None:
    document = secured.get(f"{CATALOG}/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["security"] == [{"bearer": []}]


def test_an_authenticated_answer_is_not_cached(secured: TestClient, idp: IdentityProvider) -> None:
    answer = secured.get(f"{CATALOG}/category", headers=bearer(idp.token(scopes=EVERY_SCOPE)))
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_both_key_types_are_accepted(secured: TestClient, idp: IdentityProvider) -> None:
    for key in idp.keys:
        token = idp.token(scopes=["tmf620:read"], key=key)
        assert secured.get(f"{CATALOG}/category", headers=bearer(token)).status_code == 200


def _forged(idp: IdentityProvider) -> dict[str, str]:
    """Every way a token must fail, each by name."""
    good = idp.token(scopes=EVERY_SCOPE)
    header, payload, signature = good.split(".")
    claims = jwt.decode(good, options={"verify_signature": False})
    rsa = idp.keys[0]
    stranger = SigningKey.generate("RS256", kid=rsa.kid)
    unknown = SigningKey.generate("RS256", kid="never-published")
    hs256 = _hmac_signed(claims, rsa.public_pem(), rsa.kid)
    none = jwt.encode(claims, None, algorithm="none", headers={"kid": rsa.kid})
    now = time.time()
    return {
        "alg none": none,
        "HS256 signed with the public key": hs256,
        "unknown kid": unknown.mint(claims),
        "bad signature": stranger.mint(claims),
        "tampered payload": f"{header}.{payload[:-2]}xx.{signature}",
        "expired": idp.token(scopes=EVERY_SCOPE, exp=int(now) - 3600, iat=int(now) - 7200),
        "not yet valid": idp.token(scopes=EVERY_SCOPE, nbf=int(now) + 3600),
        "wrong issuer": idp.token(scopes=EVERY_SCOPE, iss="https://evil.test"),
        "wrong audience": idp.token(scopes=EVERY_SCOPE, aud="someone-else"),
        "no exp": idp.token(scopes=EVERY_SCOPE, exp=None),
        "no subject": idp.token(scopes=EVERY_SCOPE, sub=None),
        "not a JWT": "not-a-token",
        "kid not a string": _unsigned({"alg": "RS256", "kid": ["a", "b"]}, claims),
        "alg outside latin-1": _unsigned({"alg": '\u4e2d"\r\n', "kid": rsa.kid}, claims),
    }


def _part(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _hmac_signed(claims: dict, secret: bytes, kid: str) -> str:  # type: ignore[type-arg]
    """The classic confusion attack: HS256 keyed with the public key (PyJWT refuses to make it)."""
    head = _part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = _part(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_part(mac)}"


def _unsigned(header: dict, claims: dict) -> str:  # type: ignore[type-arg]
    """A token with a header PyJWT would not write, and a signature of nothing."""
    return (
        f"{_part(json.dumps(header).encode())}.{_part(json.dumps(claims).encode())}.{_part(b'x')}"
    )


def test_every_bad_token_is_a_401(secured: TestClient, idp: IdentityProvider) -> None:
    for name, token in _forged(idp).items():
        answer = secured.get(f"{CATALOG}/category", headers=bearer(token))
        assert answer.status_code == 401, name
        assert_unauthorized(answer)
    assert_unauthorized(secured.get(f"{CATALOG}/category", headers={"Authorization": "Basic eA=="}))


def test_a_small_leeway_is_allowed_on_times(secured: TestClient, idp: IdentityProvider) -> None:
    just_expired = idp.token(scopes=["tmf620:read"], exp=int(time.time()) - 5)
    assert secured.get(f"{CATALOG}/category", headers=bearer(just_expired)).status_code == 200


def test_scopes_may_come_as_scp_lists(secured: TestClient, idp: IdentityProvider) -> None:
    token = idp.token(scope=None, scp=["tmf620:read"])
    assert secured.get(f"{CATALOG}/category", headers=bearer(token)).status_code == 200


def test_a_rotated_key_is_fetched_and_a_dead_provider_keeps_the_known_keys(
    shop_db: Database, file_dirs: dict[str, str]
) -> None:
    idp = IdentityProvider().start()
    settings = idp.settings(TMF_AUTH_JWKS_REFETCH_SECONDS=1)
    try:
        with make_client(shop_db, TMF_RUN_JOBS=False, **settings, **file_dirs) as client:
            first = idp.token(scopes=["tmf620:read"])
            assert client.get(f"{CATALOG}/category", headers=bearer(first)).status_code == 200
            fetched = idp.fetches
            assert client.get(f"{CATALOG}/category", headers=bearer(first)).status_code == 200
            assert idp.fetches == fetched  # cached
            rotated = SigningKey.generate("RS256")
            idp.keys.append(rotated)
            # Fetched just now: within the interval an unknown kid does not fetch again...
            token = idp.token(scopes=["tmf620:read"], key=rotated)
            assert_unauthorized(client.get(f"{CATALOG}/category", headers=bearer(token)))
            assert idp.fetches == fetched
            # ...past it, it does, once, however many requests name it.
            time.sleep(1.1)
            for _ in range(5):
                assert client.get(f"{CATALOG}/category", headers=bearer(token)).status_code == 200
            assert idp.fetches == fetched + 1
            idp.down = True
            time.sleep(1.1)
            strange = SigningKey.generate("RS256", kid="new-but-down")
            claims = jwt.decode(token, options={"verify_signature": False})
            started = time.monotonic()
            answer = client.get(f"{CATALOG}/category", headers=bearer(strange.mint(claims)))
            assert_unauthorized(answer)
            assert time.monotonic() - started < 3
            assert idp.fetches == fetched + 2
            for known in (first, token):
                assert client.get(f"{CATALOG}/category", headers=bearer(known)).status_code == 200
    finally:
        idp.stop()


def test_a_provider_that_hangs_answers_401_within_the_timeout(
    shop_db: Database, file_dirs: dict[str, str]
) -> None:
    idp = IdentityProvider().start()
    idp.delay = 5
    try:
        with make_client(shop_db, TMF_RUN_JOBS=False, **idp.settings(), **file_dirs) as client:
            started = time.monotonic()
            token = idp.token(scopes=["tmf620:read"])
            assert_unauthorized(client.get(f"{CATALOG}/category", headers=bearer(token)))
            assert time.monotonic() - started < 3
    finally:
        idp.delay = 0
        idp.stop()


# -- identity and roles from the token ---------------------------------------------------------


def test_separation_of_duties_with_tokens(secured: TestClient, idp: IdentityProvider) -> None:
    """The requester cannot approve; an approver's token can; X-Actor-* headers are ignored
    even in development mode."""
    sam = idp.token("sam", ["tmf622:write", "tmf622:read"], roles=["sales"])
    placed = secured.post(
        ORDERS, json=business_order(15), headers={**bearer(sam), **actor("dora", "sales-director")}
    )
    assert placed.status_code == 201 and placed.json()["state"] == "pending", placed.text
    ops = idp.token("ops", ["admin:read"])
    (case,) = [
        c
        for c in secured.get(APPROVALS, headers=bearer(ops)).json()
        if c["orderId"] == placed.json()["id"]
    ]
    assert case["requester"] == "sam"
    decision = {"decision": "approve", "reason": "fine", "fingerprint": case["fingerprint"]}
    url = f"{APPROVALS}/{case['id']}/decision"
    sam_director = idp.token("sam", ["admin:write"], roles=["sales-director"])
    assert_error(secured.post(url, json=decision, headers=bearer(sam_director)), 403, "sam")
    posing = idp.token("eve", ["admin:write"], roles=["sales"])
    refused = secured.post(
        url, json=decision, headers={**bearer(posing), **actor("dora", "sales-director")}
    )
    assert_error(refused, 403)
    dora = idp.token("dora", ["admin:write"], roles=["sales-director"])
    approved = secured.post(url, json=decision, headers=bearer(dora))
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    reader = idp.token("bss", ["tmf622:read"])
    got = secured.get(f"{ORDERS}/{case['orderId']}", headers=bearer(reader)).json()
    assert got["state"] == "acknowledged"


def test_roles_from_a_keycloak_realm_claim(
    shop_db: Database, idp: IdentityProvider, file_dirs: dict[str, str]
) -> None:
    settings = idp.settings(
        TMF_AUTH_ROLES_CLAIM="realm_access.roles", TMF_AUTH_ACTOR_CLAIM="preferred_username"
    )
    with make_client(shop_db, TMF_RUN_JOBS=False, **settings, **file_dirs) as client:
        sam = idp.token("sam", ["tmf622:write"], roles=None)
        sam = idp.token("sam", ["tmf622:write"], roles=["sales"], sub="f81d-uuid-of-sam")
        placed = client.post(ORDERS, json=business_order(15), headers=bearer(sam)).json()
        ops = idp.token("ops", ["admin:read"])
        (case,) = [
            c
            for c in client.get(APPROVALS, headers=bearer(ops)).json()
            if c["orderId"] == placed["id"]
        ]
        assert case["requester"] == "sam"
        dora = idp.token("dora", ["admin:write"], roles=["sales-director"], sub="uuid-of-dora")
        decision = {"decision": "approve", "reason": "ok", "fingerprint": case["fingerprint"]}
        approved = client.post(
            f"{APPROVALS}/{case['id']}/decision", json=decision, headers=bearer(dora)
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["decisions"][0]["actor"] == "dora"


def test_auth_off_and_development_mode_keeps_the_actor_headers(dev: TestClient) -> None:
    placed = dev.post(ORDERS, json=business_order(15), headers=actor("sam", "sales"))
    (case,) = [c for c in dev.get(APPROVALS).json() if c["orderId"] == placed.json()["id"]]
    assert case["requester"] == "sam"


@pytest.fixture
def dev(shop_db: Database, file_dirs: dict[str, str]) -> Iterator[TestClient]:
    with make_client(shop_db, TMF_DEVELOPMENT_MODE=True, TMF_RUN_JOBS=False, **file_dirs) as client:
        yield client


def test_a_fallout_repair_is_done_by_the_token_not_the_body(
    secured: TestClient,
    idp: IdentityProvider,
    ordering: OrderingService,
    order_ctx: RequestContext,
) -> None:
    orchestrator = secured.app.container.orchestrator  # type: ignore[attr-defined]
    placed = place_held_order(orchestrator, ordering, order_ctx)
    ops = bearer(idp.token("ops-jane", ["admin:read", "admin:write"]))
    (task,) = secured.get("/admin/v1/fallout", headers=ops).json()
    skipped = secured.post(
        f"/admin/v1/fallout/{task['id']}/skip",
        json={"actor": "someone-else", "reason": "set up by hand"},
        headers=ops,
    )
    assert skipped.status_code == 200, skipped.text
    story = secured.get(f"/admin/v1/orders/{placed.id}/timeline", headers=ops).json()
    assert [a["actor"] for a in story["manualActions"]] == ["ops-jane"]


def test_catalog_writes_record_their_actor(
    secured: TestClient, idp: IdentityProvider, shop_db: Database
) -> None:
    editor = bearer(idp.token("cat-editor", ["tmf620:write"]))
    created = secured.post(f"{CATALOG}/category", json={"name": "Gadgets"}, headers=editor)
    assert created.status_code == 201, created.text
    category = created.json()["id"]
    other = bearer(idp.token("cat-lead", ["tmf620:write"]))
    patched = secured.patch(
        f"{CATALOG}/category/{category}", json={"description": "d"}, headers=other
    )
    assert patched.status_code == 200, patched.text
    with shop_db.engine.connect() as connection:
        changed_by = connection.execute(
            sa.text("SELECT changed_by FROM catalog_entity WHERE entity_id = :id"), {"id": category}
        ).scalar_one()
        actors = connection.execute(
            sa.text("SELECT event_type, actor FROM outbox WHERE resource_id = :id ORDER BY seq"),
            {"id": category},
        ).all()
    assert changed_by == "cat-lead"
    assert [tuple(a) for a in actors] == [
        ("CategoryCreateEvent", "cat-editor"),
        ("CategoryAttributeValueChangeEvent", "cat-lead"),
    ]
    with shop_db.uow(write=False) as uow:
        (event,) = [e for e in uow.outbox.list("category", category) if e.actor == "cat-editor"]
    assert json.loads(to_cloudevent(event, {}))["actor"] == "cat-editor"

"""The console's sign-in with TMF_AUTH=jwt: OpenID Connect authorization code with PKCE against
a real provider over HTTP; the session carries the token's scopes and roles, nothing more; every
way in that is not a finished sign-in of this browser is refused."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from starlette.responses import Response
from starlette.testclient import TestClient

from console.session import SessionCookies
from core.persistence.database import Database
from server.settings import Settings
from tests.e2e.conftest import make_client
from tests.e2e.test_approvals_http import APPROVALS, ORDERS, business_order
from tests.fakes.oidc import OpenIdProvider, User

USERS = {
    "dora": User(("admin:read", "admin:write"), ("sales-director",)),
    "rita": User(("admin:read",), ("sales-director",)),
    "sam": User(("tmf622:read", "tmf622:write"), ("sales",)),
}


@pytest.fixture(scope="module")
def provider() -> Iterator[OpenIdProvider]:
    found = OpenIdProvider(USERS).start()
    yield found
    found.stop()


@pytest.fixture
def console(
    shop_db: Database, provider: OpenIdProvider, file_dirs: dict[str, str]
) -> Iterator[TestClient]:
    provider.wrong_nonce = False
    with make_client(
        shop_db, TMF_RUN_JOBS=False, TMF_AUTH_LEEWAY_SECONDS=0, **provider.settings(), **file_dirs
    ) as client:
        yield client


def cookie_of(answer: httpx.Response, name: str) -> str:
    """``name=value`` of a cookie the answer sets (sent back by hand: the test client keeps no
    ``Secure`` cookie over plain HTTP, as a browser would not)."""
    for header in answer.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header.split(";")[0]
    raise AssertionError(f"no {name} cookie in {answer.headers}")


def start(console: TestClient, next_path: str = "/console") -> tuple[str, dict[str, str]]:
    """The sign-in as far as the provider: its cookie, and the authorization request."""
    begun = console.get("/console/login", params={"next": next_path}, follow_redirects=False)
    assert begun.status_code == 303, begun.text
    asked = {k: v[0] for k, v in parse_qs(urlparse(begun.headers["location"]).query).items()}
    return cookie_of(begun, "tmf_console_signin"), asked


def at_provider(provider: OpenIdProvider, asked: dict[str, str], user: str) -> str:
    """The user's click on the provider's sign-in page: where it sends the browser back."""
    answer = httpx.post(f"{provider.base}/authorize", data={**asked, "user": user})
    assert answer.status_code == 302
    return str(answer.headers["location"])


def back(console: TestClient, location: str, signin: str) -> httpx.Response:
    url = urlparse(location)
    return console.get(
        f"{url.path}?{url.query}", headers={"Cookie": signin}, follow_redirects=False
    )


def sign_in(
    console: TestClient, provider: OpenIdProvider, user: str, next_path: str = "/console"
) -> str:
    signin, asked = start(console, next_path)
    done = back(console, at_provider(provider, asked, user), signin)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == next_path
    return cookie_of(done, "tmf_console_session")


def test_a_browser_is_sent_to_sign_in_and_back_with_pkce(
    console: TestClient, provider: OpenIdProvider
) -> None:
    away = console.get("/console/orders", params={"state": "held"}, follow_redirects=False)
    assert away.status_code == 303
    assert away.headers["location"] == "/console/login?next=%2Fconsole%2Forders%3Fstate%3Dheld"
    signin, asked = start(console, "/console/orders?state=held")
    assert asked["response_type"] == "code" and asked["client_id"] == "tmf-console"
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert asked["redirect_uri"] == "http://testserver/console/callback"
    assert asked["scope"] == "openid admin:read admin:write" and asked["state"] and asked["nonce"]
    done = back(console, at_provider(provider, asked, "dora"), signin)
    assert done.status_code == 303 and done.headers["location"] == "/console/orders?state=held"
    (header,) = [
        h for h in done.headers.get_list("set-cookie") if h.startswith("tmf_console_session=")
    ]
    attributes = {a.strip().lower() for a in header.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/console"} <= attributes
    session = header.split(";")[0]
    page = console.get("/console", headers={"Cookie": session})
    assert page.status_code == 200
    assert "Signed in as <strong>dora</strong> (sales-director)" in page.text
    assert "Sign out" in page.text and "Authentication is off" not in page.text
    # The code was good once: the same answer again lets nobody in.
    replayed = console.get(
        f"/console/callback?code={provider.exchanged[-1]}&state={asked['state']}",
        headers={"Cookie": signin},
        follow_redirects=False,
    )
    assert replayed.status_code == 403 and "invalid_grant" in replayed.text


def test_the_session_has_the_tokens_scopes_and_roles_exactly(
    console: TestClient, provider: OpenIdProvider
) -> None:
    sam = provider.keys.token("sam", ["tmf622:write"], roles=["sales"])
    placed = console.post(
        ORDERS, json=business_order(15), headers={"Authorization": f"Bearer {sam}"}
    )
    assert placed.status_code == 201, placed.text
    dora = sign_in(console, provider, "dora")
    rita = sign_in(console, provider, "rita")
    cases = console.get(APPROVALS, params={"status": "open"}, headers={"Cookie": dora})
    assert cases.status_code == 401  # the session is the console's, not the admin API's
    dora_token = provider.keys.token("dora", ["admin:read"])
    (case,) = [
        c
        for c in console.get(
            APPROVALS, params={"status": "open"}, headers={"Authorization": f"Bearer {dora_token}"}
        ).json()
        if c["orderId"] == placed.json()["id"]
    ]
    path = f"/console/approvals/{case['id']}"
    read_only = console.get(path, headers={"Cookie": rita})
    assert 'value="approve"' not in read_only.text and "admin:write" in read_only.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', read_only.text)
    assert token
    form = {
        "decision": "approve",
        "reason": "ok",
        "fingerprint": case["fingerprint"],
        "csrf_token": token.group(1),
    }
    jar = f"{rita}; tmf_console_csrf={token.group(1)}"
    refused = console.post(f"{path}/decision", data=form, headers={"Cookie": jar})
    assert refused.status_code == 403 and "admin:write" in refused.text
    assert (
        console.get("/console", headers={"Cookie": sign_in(console, provider, "sam")}).status_code
        == 403
    )

    page = console.get(path, headers={"Cookie": dora})
    assert 'value="approve"' in page.text
    minted = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert minted
    decided = console.post(
        f"{path}/decision",
        data={**form, "csrf_token": minted.group(1)},
        headers={"Cookie": f"{dora}; tmf_console_csrf={minted.group(1)}"},
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    answer = console.get(
        f"{APPROVALS}/{case['id']}", headers={"Authorization": f"Bearer {dora_token}"}
    )
    (decision,) = answer.json()["decisions"]
    assert (decision["actor"], decision["roles"]) == ("dora", ["sales-director"])


def test_what_is_not_a_finished_sign_in_of_this_browser_lets_nobody_in(
    console: TestClient, provider: OpenIdProvider
) -> None:
    signin, asked = start(console)
    location = at_provider(provider, asked, "dora")
    wrong_state = location.replace(f"state={asked['state']}", "state=forged")
    assert back(console, wrong_state, signin).status_code == 400
    assert back(console, location, "").status_code == 400  # another browser: no sign-in cookie
    tampered = signin[:-3] + ("AAA" if not signin.endswith("AAA") else "BBB")
    assert back(console, location, tampered).status_code == 400
    denied = back(
        console, location.split("?")[0] + f"?error=access_denied&state={asked['state']}", signin
    )
    assert denied.status_code == 403 and "access_denied" in denied.text

    provider.wrong_nonce = True
    signin, asked = start(console)
    injected = back(console, at_provider(provider, asked, "dora"), signin)
    assert injected.status_code == 403 and "nonce" in injected.text
    provider.wrong_nonce = False

    session = sign_in(console, provider, "dora")
    name, value = session.split("=", 1)
    for forged in (
        f"{name}={value[:-2]}xx",
        f"{name}=",
        "tmf_console_session=eyJhdCI6Inh4In0.abc.def",
    ):
        assert (
            console.get("/console", headers={"Cookie": forged}, follow_redirects=False).status_code
            == 303
        )
    # A session signed with another secret (another deployment's), for a valid token.
    token = provider.keys.token("dora", ["admin:read", "admin:write"])
    elsewhere = Response()
    SessionCookies("o" * 40, 3600).set_session(elsewhere, token, secure=False)
    foreign = elsewhere.headers["set-cookie"].split(";")[0]
    assert (
        console.get("/console", headers={"Cookie": foreign}, follow_redirects=False).status_code
        == 303
    )
    assert console.get("/console", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_an_expired_token_sends_the_browser_to_sign_in_again(
    shop_db: Database, provider: OpenIdProvider, file_dirs: dict[str, str]
) -> None:
    provider.token_seconds = 2
    try:
        with make_client(
            shop_db,
            TMF_RUN_JOBS=False,
            TMF_AUTH_LEEWAY_SECONDS=0,
            **provider.settings(),
            **file_dirs,
        ) as console:
            session = sign_in(console, provider, "dora")
            assert console.get("/console", headers={"Cookie": session}).status_code == 200
            time.sleep(3)
            later = console.get(
                "/console/fallout", headers={"Cookie": session}, follow_redirects=False
            )
            assert later.status_code == 303
            assert later.headers["location"] == "/console/login?next=%2Fconsole%2Ffallout"
    finally:
        provider.token_seconds = 300


def test_signing_out_forgets_the_session(console: TestClient, provider: OpenIdProvider) -> None:
    session = sign_in(console, provider, "dora")
    page = console.get("/console", headers={"Cookie": session})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    tokenless = console.post("/console/logout", headers={"Cookie": session}, follow_redirects=False)
    assert tokenless.status_code == 403
    out = console.post(
        "/console/logout",
        data={"csrf_token": token.group(1)},
        headers={"Cookie": f"{session}; tmf_console_csrf={token.group(1)}"},
        follow_redirects=False,
    )
    assert out.status_code == 303 and out.headers["location"] == "/console/login?signed_out=1"
    assert any(
        h.startswith("tmf_console_session=") and "max-age=0" in h.lower()
        for h in out.headers.get_list("set-cookie")
    )
    signed_out = console.get("/console/login?signed_out=1")
    assert signed_out.status_code == 200 and "Sign in again" in signed_out.text


def test_the_sign_in_settings_are_checked_whole() -> None:
    base = {"DATABASE_URL": "sqlite://", "TMF_CONSOLE_CLIENT_ID": "tmf-console"}
    with pytest.raises(ValueError, match="TMF_AUTH=jwt"):
        Settings(**base)
    jwt = {
        **base,
        "TMF_AUTH": "jwt",
        "TMF_AUTH_ISSUER": "https://idp.test",
        "TMF_AUTH_AUDIENCE": "tmf-adapter",
        "TMF_AUTH_JWKS_URL": "https://idp.test/jwks",
    }
    with pytest.raises(ValueError, match="TMF_CONSOLE_SESSION_SECRET"):
        Settings(**jwt, TMF_CONSOLE_SESSION_SECRET="short")
    found = Settings(**jwt, TMF_CONSOLE_SESSION_SECRET="x" * 32, TMF_CONSOLE_CLIENT_SECRET="hush")
    assert found.console_metadata_url == "https://idp.test/.well-known/openid-configuration"
    assert "hush" not in found.describe() and "x" * 32 not in found.describe()

"""Signing in to the console in a real browser: OpenID Connect with PKCE against a provider
over HTTP, then the approval tour by clicking, as the token's roles allow; on both back ends."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ADMIN, DEMO_SIMULATION, ORDERING, eventually
from tests.browser.test_console import DISCOUNT
from tests.conftest import BACKENDS
from tests.fakes.oidc import OpenIdProvider, User
from tests.fakes.server import serving

USERS = {
    "dora": User(("admin:read", "admin:write"), ("sales-director",)),
    "rita": User(("admin:read",), ("sales-director",)),
}


@pytest.fixture(scope="module")
def provider() -> Iterator[OpenIdProvider]:
    found = OpenIdProvider(USERS).start()
    yield found
    found.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    provider: OpenIdProvider,
) -> Iterator[str]:
    settings = {
        **provider.settings(),
        "TMF_SIMULATION_FILE": str(DEMO_SIMULATION),
        "TMF_WORKER_POLL_SECONDS": "0.1",
    }
    folder = tmp_path_factory.mktemp(f"console-sso-{request.param}")
    with serving(request.param, folder, settings, seed_demo=request.param != "sqlite") as root:
        yield root


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=server)
    opened = context.new_page()
    yield opened
    context.close()


def signed_in(page: Page, provider: OpenIdProvider, user: str, path: str) -> None:
    page.goto(path)
    page.wait_for_url(f"{provider.base}/authorize*")
    page.get_by_role("button", name=f"Sign in as {user}").click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))
    expect(page.locator(".who")).to_contain_text(f"Signed in as {user}")


def test_signed_in_with_the_approver_role_the_case_is_decided_by_clicking(
    page: Page, server: str, provider: OpenIdProvider
) -> None:
    sam = provider.keys.token("sam", ["tmf622:read", "tmf622:write"], roles=["sales"])
    admin = provider.keys.token("ops", ["admin:read", "tmf622:read"])
    with httpx.Client(base_url=server, timeout=10) as api:
        placed = api.post(
            f"{ORDERING}/productOrder", json=DISCOUNT, headers={"Authorization": f"Bearer {sam}"}
        )
        assert placed.status_code == 201, placed.text
        order_id = placed.json()["id"]
        cases = api.get(
            f"{ADMIN}/approvals",
            params={"status": "open"},
            headers={"Authorization": f"Bearer {admin}"},
        )
        (case,) = [c for c in cases.json() if c["orderId"] == order_id]

        signed_in(page, provider, "rita", f"/console/approvals/{case['id']}")
        expect(page.get_by_role("button", name="Approve")).to_have_count(0)
        expect(page.locator("#refusal")).to_contain_text("admin:write")
        page.get_by_role("button", name="Sign out").click()
        expect(page.locator("h1")).to_have_text("Signed out")

        signed_in(page, provider, "dora", f"/console/approvals/{case['id']}")
        expect(page.locator("body")).not_to_contain_text("Authentication is off")
        decide = page.locator("#decide")
        decide.get_by_label("Reason").fill("strategic customer")
        decide.get_by_role("button", name="Approve").click()
        expect(page.locator(".notice")).to_contain_text("the case is approved")

        def state() -> str:
            found = api.get(
                f"{ORDERING}/productOrder/{order_id}", headers={"Authorization": f"Bearer {sam}"}
            )
            return str(found.json()["state"])

        assert eventually(lambda: state() == "completed")
        decided = api.get(
            f"{ADMIN}/approvals/{case['id']}", headers={"Authorization": f"Bearer {admin}"}
        )
        (decision,) = decided.json()["decisions"]
        assert (decision["actor"], decision["roles"]) == ("dora", ["sales-director"])

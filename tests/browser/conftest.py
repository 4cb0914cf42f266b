"""The console in a real browser: Playwright driving Debian's Chromium (headless) against
``tmf-adapter serve`` in a process of its own, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import pathlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from adapters import simulated
from tests.conftest import BACKENDS
from tests.fakes.receiver import Receiver
from tests.fakes.server import serving

CHROMIUM = os.environ.get("TMF_TEST_CHROMIUM", "/usr/bin/chromium")
DEMO_SIMULATION = pathlib.Path(simulated.__file__).parent / "demo.yaml"
# As the machine's notes say: without these, Chromium keeps calling hosts it cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ORDERING = "/tmf-api/productOrderingManagement/v4"
ADMIN = "/admin/v1"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Per module: Playwright's sync API keeps an event loop running in this thread while it is
    started, which a later test's ``asyncio.run`` (the NATS tests') may not find."""
    if not os.path.exists(CHROMIUM):  # CI installs it (.ci/run); a skip there fails the run
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The demo as the README starts it, in development mode (names and roles trusted), with a
    quick worker, one delivery attempt before a dead letter, and callbacks to loopback."""
    settings = {
        "TMF_DEVELOPMENT_MODE": "1",
        "TMF_SIMULATION_FILE": str(DEMO_SIMULATION),
        "TMF_WORKER_POLL_SECONDS": "0.1",
        "TMF_DELIVERY_MAX_ATTEMPTS": "1",
        "TMF_CALLBACK_ALLOWLIST": "127.0.0.1",
    }
    folder = tmp_path_factory.mktemp(f"console-{request.param}")
    with serving(request.param, folder, settings, seed_demo=request.param != "sqlite") as root:
        yield root


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def api(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=10) as client:
        yield client


def place(api: httpx.Client, body: dict[str, Any], actor: str = "", roles: str = "") -> str:
    """An order placed through TMF622 as a client would; its id."""
    headers = {"X-Actor-Id": actor, "X-Actor-Roles": roles} if actor else {}
    answer = api.post(f"{ORDERING}/productOrder", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def state_of(api: httpx.Client, order_id: str) -> str:
    return str(api.get(f"{ORDERING}/productOrder/{order_id}").json()["state"])


def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """``check()`` once it is truthy (the worker runs in the server's process)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def work_as(page: Page, actor: str, roles: str = "") -> None:
    """Set who the console user is (authentication off, development mode)."""
    page.goto("/console")
    page.get_by_label("Working as").fill(actor)
    page.get_by_label("roles").fill(roles)
    page.get_by_role("button", name="Set").click()
    page.wait_for_url("**/console?notice=*")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver().start()
    yield found
    found.stop()

"""Every main page of the console, as a user sees it: screenshots written to docs/console
(the README shows them), labelled controls, no script error, no sideways scrolling at laptop
and tablet widths, and the lists readable with JavaScript off."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    ADMIN,
    DEMO_SIMULATION,
    ORDERING,
    eventually,
    place,
    state_of,
    work_as,
)
from tests.browser.test_console import DISCOUNT, SPORTS
from tests.fakes.server import serving

SHOTS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "console"
CATALOG = "/tmf-api/productCatalogManagement/v4"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One SQLite demo for the pictures (the tours run on both backends)."""
    settings = {
        "TMF_DEVELOPMENT_MODE": "1",
        "TMF_SIMULATION_FILE": str(DEMO_SIMULATION),
        "TMF_WORKER_POLL_SECONDS": "0.1",
    }
    with serving("sqlite", tmp_path_factory.mktemp("console-pages"), settings) as root:
        yield root


def _check(page: Page, errors: list[str], width: int) -> None:
    """What every page must be: no script error, every control named, no sideways scroll."""
    assert errors == []
    for control in page.locator("input:not([type=hidden]), select, button").all():
        name = control.evaluate(
            "e => e.labels && e.labels.length ? e.labels[0].textContent : (e.textContent || '')"
        )
        assert name.strip(), control.evaluate("e => e.outerHTML")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow} px at {width} px"


def test_the_main_pages(browser: Browser, server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as api:
        held = place(api, SPORTS)
        pending = place(api, DISCOUNT, "sam", "sales")
        place(api, {**DISCOUNT, "category": "residential"})
        assert eventually(lambda: state_of(api, held) == "held")
        api.patch(
            f"{CATALOG}/productOffering/po-mobile-s",
            json={"description": "6 GB of data, unlimited calls"},
            headers={"Content-Type": "application/merge-patch+json"},
        ).raise_for_status()
        case = next(
            c
            for c in api.get(f"{ADMIN}/approvals", params={"status": "open"}).json()
            if c["orderId"] == pending
        )
        assert api.get(f"{ORDERING}/productOrder/{held}").status_code == 200
    SHOTS.mkdir(parents=True, exist_ok=True)
    pages = [
        ("overview", "/console", "Open orders by state"),
        ("orders", "/console/orders", held[:8]),
        ("order", f"/console/orders/{held}", "Task plan"),
        ("fallout", "/console/fallout", "provisioning.activate"),
        ("approvals", "/console/approvals", case["id"][:8]),
        ("approval", f"/console/approvals/{case['id']}", "business-discount-above-10"),
        ("deliveries", "/console/deliveries", "Dead letters"),
        ("catalog", "/console/catalog", "Mobile S"),
        ("offering", "/console/catalog/po-mobile-s", "6 GB of data"),
    ]
    for width, height in ((1280, 900), (1024, 768), (768, 1024)):  # laptop, tablet both ways
        context = browser.new_context(base_url=server, viewport={"width": width, "height": height})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error, seen=errors: seen.append(str(error)))
        work_as(page, "dora", "sales-director")
        for name, path, shows in pages:
            page.goto(path)
            expect(page.locator("main")).to_contain_text(shows)
            _check(page, errors, width)
            if width == 1280:
                page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        context.close()
    assert sorted(p.name for p in SHOTS.glob("*.png")) == sorted(f"{n}.png" for n, _, _ in pages)


def test_the_lists_read_without_javascript(browser: Browser, server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as api:
        order_id = place(api, {**DISCOUNT, "externalId": "no-js-1", "category": "residential"})
    context = browser.new_context(base_url=server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/console/orders?externalId=no-js-1")
    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("a")).to_have_attribute("href", f"/console/orders/{order_id}")
    page.goto(f"/console/orders/{order_id}")
    expect(page.locator("#verified")).to_contain_text("verified")
    expect(page.locator("#verify-here")).to_be_hidden()  # the browser check needs a script
    context.close()

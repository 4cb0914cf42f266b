"""The console's tours, clicked in a real browser: a fallout repaired, an approval decided, a
user who may not decide, a dead letter replayed to a real receiver."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, ORDERING, eventually, place, state_of, work_as
from tests.fakes.receiver import Receiver

BOB = {"id": "cust-bob", "role": "Customer", "@referredType": "Individual"}
CAROL = {"id": "cust-carol", "role": "Customer", "@referredType": "Individual"}
SPORTS = {  # the simulated IPTV platform refuses the sports package: the order falls out
    "relatedParty": [BOB],
    "productOrderItem": [
        {
            "id": "1",
            "action": "add",
            "productOffering": {"id": "po-tv-sports"},
            "product": {"productCharacteristic": [{"name": "channelPackage", "value": "sports"}]},
        }
    ],
}
DISCOUNT = {  # 15 % off for a business customer: a Sales Director must approve
    "category": "business",
    "relatedParty": [CAROL],
    "productOrderItem": [
        {
            "id": "1",
            "action": "add",
            "productOffering": {"id": "po-mobile-s"},
            "itemPrice": [
                {
                    "priceType": "recurring",
                    "priceAlteration": [
                        {"name": "Deal", "priceType": "recurring", "price": {"percentage": 15}}
                    ],
                }
            ],
        }
    ],
}


def case_of(api: httpx.Client, order_id: str) -> dict[str, Any]:
    cases = api.get(f"{ADMIN}/approvals", params={"status": "open"}).json()
    return next(c for c in cases if c["orderId"] == order_id)


def test_the_console_shows_the_demo_orders_fulfilled(page: Page) -> None:
    """As the README's demo starts (``serve`` on SQLite; ``seed --orders`` on PostgreSQL)."""
    page.goto("/console/orders?customer=cust-dave")
    row = page.locator("main tbody tr").filter(has_text="demo-1")
    expect(row).to_have_count(1)
    row.locator("a").first.click()
    expect(page.locator("main")).to_contain_text("demo-1")
    for _ in range(50):  # the embedded worker fulfils it within seconds
        if page.locator("h1 .state").inner_text() == "completed":
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator("h1 .state")).to_have_text("completed")
    expect(page.locator("main")).to_contain_text("Loyalty")
    page.goto("/console/orders?externalId=demo-2")
    expect(page.locator("main tbody tr")).to_have_count(1)


def test_a_fallout_repaired_in_the_console_completes_the_order(
    page: Page, api: httpx.Client
) -> None:
    order_id = place(api, SPORTS)
    assert eventually(lambda: state_of(api, order_id) == "held")
    work_as(page, "fiona")
    page.goto("/console/fallout")
    task = page.locator("section.task").filter(
        has=page.locator(f"a[href='/console/orders/{order_id}']")
    )
    skip = task.locator("form.repair").filter(has_text="Skip")
    skip.get_by_label("Reason").fill("activated by hand on the IPTV console")
    skip.get_by_label("Manual result").fill("INC-42")
    skip.get_by_role("button", name="Skip").click()

    page.wait_for_url(re.compile(f"/console/orders/{order_id}"))
    expect(page.locator(".notice")).to_contain_text("skip of task provisioning.activate")
    repair = page.locator(".timeline .moment-repair")
    expect(repair).to_contain_text("skip by hand")
    expect(repair).to_contain_text("by fiona")
    expect(repair).to_contain_text("activated by hand on the IPTV console")
    assert eventually(lambda: state_of(api, order_id) == "completed")
    page.reload()
    expect(page.locator("h1 .state")).to_have_text("completed")
    story = api.get(f"{ADMIN}/orders/{order_id}/timeline").json()
    assert [(a["action"], a["actor"]) for a in story["manualActions"]] == [("skip", "fiona")]


def test_an_approval_decided_in_the_console_releases_the_order(
    page: Page, api: httpx.Client
) -> None:
    order_id = place(api, DISCOUNT, "sam", "sales")
    assert state_of(api, order_id) == "pending"
    case = case_of(api, order_id)
    work_as(page, "dora", "sales-director")
    page.goto("/console/approvals")
    page.locator(f"a[href='/console/approvals/{case['id']}']").click()
    expect(page.locator("#case-fingerprint")).to_have_text(case["fingerprint"])
    expect(page.locator("body")).to_contain_text("Deal 15 %")
    decide = page.locator("#decide")
    decide.get_by_label("Reason").fill("strategic customer")
    decide.get_by_role("button", name="Approve").click()

    expect(page.locator(".notice")).to_contain_text("the case is approved")
    expect(page.locator("h1 .state")).to_have_text("approved")
    assert eventually(lambda: state_of(api, order_id) == "completed")
    decided = api.get(f"{ADMIN}/approvals/{case['id']}").json()["decisions"]
    assert [(d["actor"], d["decision"], d["reason"]) for d in decided] == [
        ("dora", "approve", "strategic customer")
    ]


def test_a_user_without_the_approver_role_cannot_decide(page: Page, api: httpx.Client) -> None:
    order_id = place(api, DISCOUNT, "sam", "sales")
    case = case_of(api, order_id)
    work_as(page, "cole", "sales")
    page.goto(f"/console/approvals/{case['id']}")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.locator("#refusal")).to_contain_text("Not an approver")

    # A forged request, even with the page's own CSRF token, is refused by the use case.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "tmf_console_csrf")
    form = {"decision": "approve", "reason": "forged", "fingerprint": case["fingerprint"]}
    forged = page.request.post(
        f"/console/approvals/{case['id']}/decision", form={**form, "csrf_token": token}
    )
    assert forged.status == 403
    assert "Not an approver" in forged.text()
    # The admin API, asked the same by the same person, refuses by the same rule.
    through_api = api.post(
        f"{ADMIN}/approvals/{case['id']}/decision",
        json=form,
        headers={"X-Actor-Id": "cole", "X-Actor-Roles": "sales"},
    )
    assert through_api.status_code == 403 and through_api.json()["reason"] == "Not an approver"
    # Without the token, the form is refused before any use case runs.
    tokenless = page.request.post(f"/console/approvals/{case['id']}/decision", form=form)
    assert tokenless.status == 403
    assert "Form refused" in tokenless.text()

    # The one who asked for the discount may not decide it, whatever role he gives himself.
    work_as(page, "sam", "sales-director")
    page.goto(f"/console/approvals/{case['id']}")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.locator("#refusal")).to_contain_text("Separation of duties")
    assert api.get(f"{ADMIN}/approvals/{case['id']}").json()["decisions"] == []
    assert state_of(api, order_id) == "pending"


def test_a_dead_delivery_replayed_from_the_console_arrives(
    page: Page, api: httpx.Client, receiver: Receiver
) -> None:
    receiver.fail_next = 1_000_000  # down: each delivery fails once and is dead-lettered
    subscribed = api.post(
        f"{ORDERING}/hub",
        json={"callback": receiver.url, "query": "eventType=ProductOrderCreateEvent"},
    )
    assert subscribed.status_code == 201, subscribed.text
    subscription = subscribed.json()["id"]
    try:
        order_id = place(api, {**DISCOUNT, "category": "residential"})
        params = {"status": "dead", "subscriptionId": subscription}
        dead = eventually(lambda: api.get(f"{ADMIN}/deliveries", params=params).json())
        assert len(dead) == 1, dead
        receiver.fail_next = 0  # back up
        work_as(page, "ivan")
        page.goto("/console/deliveries")
        expect(page.locator("tr.stuck")).to_contain_text(receiver.url)
        row = page.locator(f"#delivery-{dead[0]['id']}")
        row.get_by_label("Reason").fill("the receiver is back")
        row.get_by_role("button", name="Replay").click()

        expect(page.locator(".notice")).to_contain_text(f"delivery {dead[0]['id']} is pending")
        arrived = receiver.wait_for(1)
        assert [e["event"]["productOrder"]["id"] for e in arrived] == [order_id]
        delivery = f"{ADMIN}/deliveries/{dead[0]['id']}"
        # recorded once the receiver's answer is in
        assert eventually(lambda: api.get(delivery).json()["status"] == "delivered")
    finally:
        api.delete(f"{ORDERING}/hub/{subscription}")

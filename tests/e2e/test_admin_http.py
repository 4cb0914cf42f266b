"""The operations API over HTTP: the repair queue and an order's timeline."""

from __future__ import annotations

from starlette.testclient import TestClient

from adapters.simulated import Behaviour
from core.fulfillment.orchestrator import Orchestrator
from core.ordering.model import ProductOrder
from core.ordering.service import OrderingService
from core.requests import RequestContext
from tests.orders import add, order

ADMIN = "/admin/v1"


def place_held_order(
    orchestrator: Orchestrator, ordering: OrderingService, ctx: RequestContext
) -> ProductOrder:
    """An order of TV Basic whose activation the IPTV platform refuses: it falls out, held."""
    simulation = orchestrator.systems.provisioning.simulation  # type: ignore[attr-defined]
    simulation.set("provisioning", Behaviour(permanent_rate=1.0), offering_id="po-tv-basic")
    try:
        placed, _ = ordering.place(
            order("cust-carol", add("1", "po-tv-basic", channelPackage="basic")), ctx
        )
        orchestrator.run_until_idle()
    finally:
        simulation.set("provisioning", Behaviour(), offering_id="po-tv-basic")
    return placed


def test_a_held_order_is_repaired_over_http_and_its_story_told(
    shop: TestClient, ordering: OrderingService, order_ctx: RequestContext
) -> None:
    orchestrator = shop.app.container.orchestrator  # type: ignore[attr-defined]
    placed = place_held_order(orchestrator, ordering, order_ctx)
    listed = shop.get(f"{ADMIN}/fallout")
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "1"
    (task,) = listed.json()
    assert task["order"] == placed.id and task["task"] == "provisioning.activate"
    assert task["status"] == "held" and "rejected" in task["reason"]
    refused = shop.post(f"{ADMIN}/fallout/{task['id']}/skip", json={"reason": "x"})
    assert refused.status_code == 400 and "actor" in refused.json()["message"]
    skipped = shop.post(
        f"{ADMIN}/fallout/{task['id']}/skip",
        json={"actor": "ops-jane", "reason": "set up by hand", "result": {"ticket": "INC-7"}},
    )
    assert skipped.status_code == 200 and skipped.json()["status"] == "skipped"
    again = shop.post(
        f"{ADMIN}/fallout/{task['id']}/retry", json={"actor": "ops-jane", "reason": "again"}
    )
    assert again.status_code == 409 and again.json()["@type"] == "Error"
    assert shop.get(f"{ADMIN}/fallout/999999").status_code == 404
    orchestrator.run_until_idle()
    story = shop.get(f"{ADMIN}/orders/{placed.id}/timeline")
    assert story.status_code == 200
    body = story.json()
    assert body["order"]["state"] == "completed"
    assert body["priceSnapshot"]["fingerprint"] == placed.snapshot["fingerprint"]  # type: ignore[index]
    assert [s["to"] for s in body["states"] if s["item"] is None] == [
        "acknowledged",
        "inProgress",
        "held",
        "inProgress",
        "completed",
    ]
    assert {c["task"] for c in body["calls"]} == {
        "crm.check_customer",
        "provisioning.activate",
        "billing.start",
    }
    assert all(c["idempotencyKey"].startswith(placed.id) for c in body["calls"])
    assert body["manualActions"] == [
        {
            "at": body["manualActions"][0]["at"],
            "task": task["idempotencyKey"],
            "action": "skip",
            "actor": "ops-jane",
            "reason": "set up by hand",
            "result": {"ticket": "INC-7"},
        }
    ]
    assert "ProductOrderInformationRequiredEvent" in {e["eventType"] for e in body["events"]}
    assert shop.get(f"{ADMIN}/orders/nope/timeline").status_code == 404


def test_metrics_tell_orders_by_state_and_fallout(
    shop: TestClient, ordering: OrderingService, order_ctx: RequestContext
) -> None:
    ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    text = shop.get("/metrics").text
    assert 'tmf_orders{state="acknowledged"} 1.0' in text
    assert 'tmf_orders_stuck{state="acknowledged"} 0.0' in text
    assert "tmf_repair_queue_tasks 0.0" in text
    assert 'tmf_tasks{status="ready"}' in text
    shop.app.container.orchestrator.run_until_idle()  # type: ignore[attr-defined]
    text = shop.get("/metrics").text
    assert 'tmf_orders{state="acknowledged"} 0.0' in text  # finished work is not counted
    assert 'tmf_orders{state="completed"}' not in text
    assert 'tmf_tasks_settled_total{port="billing",status="done"}' in text
    assert 'tmf_task_call_seconds_count{call="operation",outcome="done",port="billing"}' in text

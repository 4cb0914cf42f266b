"""Fulfillment with the simulated systems: plans from catalog data, states, installed base."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from adapters.simulated import Behaviour, Ledger, Simulation
from adapters.simulated.systems import REPEAT
from core.errors import Conflict, InvalidRequest
from core.fulfillment.fallout import FalloutService
from core.fulfillment.orchestrator import Orchestrator
from core.ordering.model import ProductOrder
from core.ordering.service import OrderingService
from core.requests import RequestContext
from tests.orders import add, change, home_bundle, order


def fulfil(
    orchestrator: Orchestrator, ordering: OrderingService, placed: ProductOrder
) -> ProductOrder:
    orchestrator.run_until_idle()
    return ordering.get(placed.id)


def effects(ledger: Ledger, order_id: str) -> list[str]:
    """``system.operation item/target`` of each side effect of an order, in the order done."""
    return [
        f"{e.system}.{e.operation} {e.key.split('/', 1)[1].split('/', 1)[0]}"
        + (f" {e.target}" if e.target else "")
        for e in ledger.effects(order_id)
    ]


def assert_no_repeats(ledger: Ledger) -> None:
    """No call ever reached a system for a side effect it had already done."""
    log = ledger.call_log()
    assert [c for c in log if c[3] == REPEAT] == []
    done = Counter((s, k) for s, k, call, answer in log if call != "status" and answer == "done")
    assert all(n == 1 for n in done.values())


def test_an_order_is_carried_out_in_dependency_order_and_installed(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    ledger: Ledger,
    order_ctx: RequestContext,
) -> None:
    placed, _ = ordering.place(
        order("cust-carol", add("1", "po-mobile-s"), home_bundle("2")), order_ctx
    )
    done = fulfil(orchestrator, ordering, placed)
    assert done.state == "completed"
    assert {i["id"]: i["state"] for i in done.items()} == dict.fromkeys(
        ["1", "2", "2.1", "2.2", "2.3"], "completed"
    )
    assert "completionDate" in done.document
    found = effects(ledger, placed.id)
    assert found[0] == "crm.check_customer order"
    assert Counter(found) == Counter(
        [
            "crm.check_customer order",
            "provisioning.activate 1 ss-mobile-voice",
            "provisioning.activate 1 ss-mobile-data",
            "billing.start 1",
            # the bundle signs one contract for itself and its children
            "clm.create_contract 2 ag-broadband-24m",
            "billing.start 2",
            "provisioning.activate 2.1 ss-fibre-access",
            "billing.start 2.1",
            "provisioning.activate 2.2 ss-cpe-management",
            "billing.start 2.2",
            "provisioning.activate 2.3 ss-iptv",
            "billing.start 2.3",
        ]
    )
    # billing starts only once the item's services are active (the billable milestone)
    assert found.index("billing.start 1") > found.index("provisioning.activate 1 ss-mobile-data")
    assert found.index("provisioning.activate 2.1 ss-fibre-access") > found.index(
        "clm.create_contract 2 ag-broadband-24m"
    )
    assert_no_repeats(ledger)
    with ordering.db.uow(write=False) as uow:
        products = uow.inventory.of_customer("cust-carol")
        events = [e.event_type for e in uow.outbox.list("productOrder", placed.id)]
    assert sorted(p.offering_id or "" for p in products) == sorted(
        ["po-mobile-s", "po-home-bundle", "po-fibre-1000", "po-router-rental", "po-tv-basic"]
    )
    mobile = next(p for p in products if p.offering_id == "po-mobile-s")
    assert mobile.status == "active"
    assert mobile.document["productOrderItem"] == [
        {"orderItemId": "1", "productOrderId": placed.id, "orderItemAction": "add"}
    ]
    assert mobile.document["priceFingerprint"] == placed.snapshot["fingerprint"]  # type: ignore[index]
    assert done.item("1")["product"]["id"] == mobile.id
    assert events.count("ProductOrderStateChangeEvent") == 2  # inProgress, completed
    states = [(e.item_id, e.to_state) for e in ordering.timeline(placed.id)]
    assert states[-1] == (None, "completed")
    assert (None, "inProgress") in states


def test_modify_and_delete_items_change_the_installed_base(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    ledger: Ledger,
    order_ctx: RequestContext,
) -> None:
    with ordering.db.uow(write=False) as uow:
        alice = {p.offering_id: p for p in uow.inventory.of_customer("cust-alice")}
    mobile, router, fibre = (alice[o] for o in ("po-mobile-s", "po-router-rental", "po-fibre-1000"))
    placed, _ = ordering.place(
        order(
            "cust-alice",
            change("1", "modify", mobile.id, roaming=True),
            change("2", "delete", router.id),
            change("3", "delete", fibre.id),
        ),
        order_ctx,
    )
    done = fulfil(orchestrator, ordering, placed)
    assert done.state == "completed"
    assert Counter(effects(ledger, placed.id)) == Counter(
        [
            "crm.check_customer order",
            "provisioning.modify 1 ss-mobile-voice",
            "provisioning.modify 1 ss-mobile-data",
            "billing.change 1",
            "provisioning.deactivate 2 ss-cpe-management",
            "billing.stop 2",
            # the contract ends last, after the service and its billing
            "provisioning.deactivate 3 ss-fibre-access",
            "billing.stop 3",
            "clm.cancel_contract 3 ag-broadband-24m",
        ]
    )
    with ordering.db.uow(write=False) as uow:
        after = uow.inventory.by_ids({mobile.id, router.id, fibre.id})
    assert {c.name: c.value for c in after[mobile.id].characteristics}["roaming"] is True
    assert after[router.id].status == "terminated"
    assert effects(ledger, placed.id)[-1] == "clm.cancel_contract 3 ag-broadband-24m"
    assert "terminationDate" in after[router.id].document


def test_unknown_outcomes_of_every_task_type_are_reconciled_never_repeated(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    simulation: Simulation,
    ledger: Ledger,
    order_ctx: RequestContext,
) -> None:
    for system in ("crm", "clm", "provisioning", "billing"):
        simulation.set(system, Behaviour(unknown_rate=1.0))  # every answer is lost
    placed, _ = ordering.place(
        order("cust-carol", add("1", "po-fibre-300", installationAddress="1 Main St")), order_ctx
    )
    done = fulfil(orchestrator, ordering, placed)
    assert done.state == "completed"
    assert_no_repeats(ledger)
    log = ledger.call_log()
    keys = {(s, k) for s, k, _, _ in log if k.startswith(placed.id)}
    assert len(keys) == 4
    for system, key in keys:
        calls = [c for s, k, c, _ in log if (s, k) == (system, key)]
        assert calls[0] != "status" and calls[1:] == ["status"], (key, calls)
    with ordering.db.uow(write=False) as uow:
        attempts = uow.attempts.of_order(placed.id)
    assert {a.kind for a in attempts if a.call == "status"} == {
        "crm.check_customer",
        "clm.create_contract",
        "provisioning.activate",
        "billing.start",
    }


def test_a_system_down_holds_the_order_and_a_retry_resumes_it(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    simulation: Simulation,
    ledger: Ledger,
    fallout: FalloutService,
    order_ctx: RequestContext,
) -> None:
    simulation.set("provisioning", Behaviour(down=True))
    placed, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    held = fulfil(orchestrator, ordering, placed)
    assert held.state == "held" and held.item("1")["state"] == "held"
    queue, total = fallout.list()
    assert total == 2 and {t.kind for t in queue} == {"provisioning.activate"}
    assert all("still failing after 3 attempts" in (t.reason or "") for t in queue)
    with ordering.db.uow(write=False) as uow:
        events = [e.event_type for e in uow.outbox.list("productOrder", placed.id)]
    assert "ProductOrderInformationRequiredEvent" in events
    simulation.set("provisioning", Behaviour())  # back up
    orchestrator.run_until_idle()
    assert ordering.get(placed.id).state == "held"  # nothing moves until an operator says so
    for task in queue:
        fallout.repair(task.id, "retry", "ops-jane", "provisioning is back")
    done = fulfil(orchestrator, ordering, placed)
    assert done.state == "completed"
    assert_no_repeats(ledger)
    timeline = ordering.timeline(placed.id)
    assert any(e.actor == "ops-jane" and e.to_state == "inProgress" for e in timeline)
    with ordering.db.uow(write=False) as uow:
        actions = uow.actions.of_order(placed.id)
    assert [(a.action, a.actor, a.reason) for a in actions] == [
        ("retry", "ops-jane", "provisioning is back")
    ] * 2


def test_a_permanent_failure_falls_out_and_skip_or_fail_settle_the_item(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    simulation: Simulation,
    fallout: FalloutService,
    order_ctx: RequestContext,
) -> None:
    simulation.set("provisioning", Behaviour(permanent_rate=1.0), offering_id="po-mobile-s")
    first, _ = ordering.place(
        order(
            "cust-carol", add("1", "po-mobile-s"), add("2", "po-tv-basic", channelPackage="basic")
        ),
        order_ctx,
    )
    second, _ = ordering.place(
        order("cust-bob", add("1", "po-mobile-s"), add("2", "po-mobile-l")), order_ctx
    )
    orchestrator.run_until_idle()
    for placed in (first, second):
        stuck = ordering.get(placed.id)
        assert stuck.state == "held"
        assert stuck.item("1")["state"] == "held" and stuck.item("2")["state"] == "completed"
    queue, _ = fallout.list()
    assert all(t.attempts == 1 and "failed: rejected" in (t.reason or "") for t in queue)
    for task in [t for t in queue if t.order_id == first.id]:
        fallout.repair(task.id, "skip", "ops-jane", "activated by hand", {"ticket": "INC-1"})
    failed = next(t for t in queue if t.order_id == second.id)
    fallout.repair(failed.id, "fail", "ops-joe", "number not portable")
    orchestrator.run_until_idle()
    assert ordering.get(first.id).state == "completed"
    partial = ordering.get(second.id)
    assert partial.state == "partial"
    assert partial.item("1")["state"] == "failed" and partial.item("2")["state"] == "completed"
    with ordering.db.uow(write=False) as uow:
        bob = {p.offering_id for p in uow.inventory.of_customer("cust-bob")}
        tasks = {t.id: t for t in uow.tasks.of_order(second.id)}
    assert "po-mobile-l" in bob and "po-mobile-s" not in bob
    billing = tasks[f"{second.id}/1/billing.start"]
    assert billing.status == "cancelled"  # never run for a failed item


def test_repairs_are_refused_without_who_and_why_or_on_tasks_not_held(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    simulation: Simulation,
    fallout: FalloutService,
    order_ctx: RequestContext,
) -> None:
    simulation.set("billing", Behaviour(permanent_rate=1.0))
    placed, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    orchestrator.run_until_idle()
    (task,), _ = fallout.list()
    with pytest.raises(InvalidRequest) as refused:
        fallout.repair(task.id, "mend", "", " ")
    assert len(refused.value.problems) == 3
    done = next(t for t in orchestrator_tasks(ordering, placed.id) if t.status == "done")
    with pytest.raises(Conflict, match="only tasks on hold"):
        fallout.repair(done.id, "retry", "ops-jane", "why not")
    assert ordering.get(placed.id).state == "held"


def orchestrator_tasks(ordering: OrderingService, order_id: str) -> list:  # type: ignore[type-arg]
    with ordering.db.uow(write=False) as uow:
        return uow.tasks.of_order(order_id)


def test_an_unknown_customer_holds_the_whole_order(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    simulation: Simulation,
    ledger: Ledger,
    fallout: FalloutService,
    order_ctx: RequestContext,
) -> None:
    placed, _ = ordering.place(order(None, add("1", "po-mobile-s")), order_ctx)
    held = fulfil(orchestrator, ordering, placed)
    assert held.state == "held" and held.item("1")["state"] == "held"
    (task,), _ = fallout.list()
    assert task.kind == "crm.check_customer" and "names no customer" in (task.reason or "")
    assert effects(ledger, placed.id) == []  # nothing was provisioned for nobody
    fallout.repair(task.id, "fail", "ops-jane", "no customer, no order")
    assert ordering.get(placed.id).state == "failed"


def test_a_system_down_for_a_while_is_waited_for_without_anyone_stepping_in(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    simulation: Simulation,
    ledger: Ledger,
    fallout: FalloutService,
    order_ctx: RequestContext,
) -> None:
    simulation.set("billing", Behaviour(down=True))
    placed, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    for _ in range(3):  # release and CRM, provisioning, then billing refused once
        orchestrator.run_once()
    with ordering.db.uow(write=False) as uow:
        billing = next(t for t in uow.tasks.of_order(placed.id) if t.kind == "billing.start")
    assert billing.status == "ready" and billing.attempts == 1  # waiting out its backoff
    assert ordering.get(placed.id).state == "inProgress"
    simulation.set("billing", Behaviour())  # back
    done = fulfil(orchestrator, ordering, placed)
    assert done.state == "completed"
    assert fallout.list() == ([], 0)
    assert_no_repeats(ledger)


def test_started_orders_are_finished_before_waiting_ones_are_released(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    order_ctx: RequestContext,
) -> None:
    """While due tasks fill a worker's batch it releases nothing: new orders wait (and can still
    be cancelled at once) instead of spreading every batch over many half-done orders."""
    one_at_a_time = Orchestrator(
        orchestrator.db, orchestrator.systems, replace(orchestrator.settings, batch=1)
    )
    first, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    second, _ = ordering.place(order("cust-alice", add("1", "po-mobile-l")), order_ctx)
    assert one_at_a_time.release(1) == 1  # the first only
    rounds = 0
    while ordering.get(first.id).state != "completed":
        assert one_at_a_time.run_once() == 1  # one task of the first order, nothing released
        assert ordering.get(second.id).state == "acknowledged"
        rounds += 1
    with ordering.db.uow(write=False) as uow:
        assert rounds == len(uow.tasks.of_order(first.id))  # one round per task of its plan
    assert one_at_a_time.run_once() == 2  # idle: the second is released and its first task run
    assert ordering.get(second.id).state == "inProgress"
    assert fulfil(one_at_a_time, ordering, second).state == "completed"

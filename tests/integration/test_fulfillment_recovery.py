"""Fulfillment under trouble: cancellation with compensation, dead workers, rival workers."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from adapters.simulated import Behaviour, Ledger, Simulation
from core.fulfillment.model import Task
from core.fulfillment.orchestrator import FulfillmentSettings, Orchestrator
from core.ordering.cancellation import CancellationService
from core.ordering.service import OrderingService
from core.ordering.support import OrderingSettings
from core.ports import FulfillmentSystems
from core.requests import RequestContext
from tests.integration.test_fulfillment import assert_no_repeats, effects
from tests.orders import add, order

FIBRE = add("1", "po-fibre-300", installationAddress="1 Main St")


class Later:
    """A clock some seconds ahead: for a worker that finds the others' leases run out."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.seconds)


def run_until(worker: Orchestrator, kind: str) -> Task:
    """Run claimed tasks one by one; the first of ``kind`` is returned claimed, not run."""
    while True:
        (task,) = worker.claim(1)
        if task.kind == kind:
            return task
        worker.run(task)


def test_cancelling_started_work_undoes_it_in_reverse_order(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    cancellation: CancellationService,
    simulation: Simulation,
    ledger: Ledger,
    order_ctx: RequestContext,
) -> None:
    simulation.set("billing", Behaviour(down=True))
    placed, _ = ordering.place(order("cust-carol", FIBRE), order_ctx)
    orchestrator.run_until_idle()
    assert ordering.get(placed.id).state == "held"  # contract and service done, billing stuck
    request, _ = cancellation.cancel(
        {"productOrder": {"id": placed.id}, "cancellationReason": "moving abroad"}, order_ctx
    )
    assert request.state == "inProgress"
    assert ordering.get(placed.id).state == "pendingCancellation"
    orchestrator.run_until_idle()
    cancelled = ordering.get(placed.id)
    assert cancelled.state == "cancelled" and cancelled.item("1")["state"] == "cancelled"
    assert cancelled.document["cancellationReason"] == "moving abroad"
    finished = cancellation.get(request.id)
    assert finished.state == "done" and "effectiveCancellationDate" in finished.document
    assert effects(ledger, placed.id) == [
        "crm.check_customer order",
        "clm.create_contract 1 ag-broadband-24m",
        "provisioning.activate 1 ss-fibre-access",
        "provisioning.deactivate 1 ss-fibre-access",  # the last thing done is undone first
        "clm.cancel_contract 1 ag-broadband-24m",
    ]
    with ordering.db.uow(write=False) as uow:
        assert uow.inventory.of_customer("cust-carol") == []
        tasks = {t.kind: t for t in uow.tasks.of_order(placed.id)}
        events = [e.event_type for e in uow.outbox.list("cancelProductOrder", request.id)]
    assert tasks["billing.start"].status == "cancelled"
    assert events[-1] == "CancelProductOrderStateChangeEvent"
    assert_no_repeats(ledger)


def test_past_the_point_of_no_return_the_cancellation_ends_in_error(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    cancellation: CancellationService,
    simulation: Simulation,
    order_ctx: RequestContext,
) -> None:
    simulation.set("provisioning", Behaviour(down=True), offering_id="po-fibre-300")
    placed, _ = ordering.place(order("cust-carol", FIBRE, add("2", "po-mobile-s")), order_ctx)
    orchestrator.run_until_idle()
    request, _ = cancellation.cancel({"productOrder": {"id": placed.id}}, order_ctx)
    assert request.state == "terminatedWithError"
    assert (
        "past the point of no return: item '2' is already completed"
        in (request.document["stateReason"])
    )
    assert ordering.get(placed.id).state == "held"  # the order goes on as it was


def test_billing_started_is_the_default_point_of_no_return_and_it_is_configurable(
    ordering: OrderingService,
    systems: FulfillmentSystems,
    cancellation: CancellationService,
    order_ctx: RequestContext,
) -> None:
    worker = Orchestrator(ordering.db, systems, FulfillmentSettings(backoff_seconds=0))
    placed, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    worker.release(10)
    billing = run_until(worker, "billing.start")  # claimed, so running now
    request, _ = cancellation.cancel({"productOrder": {"id": placed.id}}, order_ctx)
    assert request.state == "terminatedWithError"
    assert "billing.start of item '1' may already have happened" in request.document["stateReason"]
    lenient = CancellationService(
        ordering.db, ordering.schemas, OrderingSettings(point_of_no_return="none")
    )
    request, _ = lenient.cancel({"productOrder": {"id": placed.id}}, order_ctx)
    assert request.state == "inProgress"
    worker.run(billing)
    worker.run_until_idle()
    assert ordering.get(placed.id).state == "cancelled"
    assert lenient.get(request.id).state == "done"


def test_cancellation_racing_a_task_in_flight_ends_in_one_true_state(
    ordering: OrderingService,
    systems: FulfillmentSystems,
    cancellation: CancellationService,
    ledger: Ledger,
    order_ctx: RequestContext,
) -> None:
    worker = Orchestrator(ordering.db, systems, FulfillmentSettings(backoff_seconds=0))
    placed, _ = ordering.place(order("cust-carol", FIBRE), order_ctx)
    worker.release(10)
    in_flight = run_until(worker, "provisioning.activate")  # contract signed, service running
    request, _ = cancellation.cancel({"productOrder": {"id": placed.id}}, order_ctx)
    assert request.state == "inProgress"  # ...so the order waits for it before it is cancelled
    assert ordering.get(placed.id).state == "pendingCancellation"
    assert worker.claim(10) == []  # nothing is undone while the service may still come up
    worker.run(in_flight)  # it succeeds after all: it must be undone, and first
    worker.run_until_idle()
    assert ordering.get(placed.id).state == "cancelled"
    assert cancellation.get(request.id).state == "done"
    assert effects(ledger, placed.id) == [
        "crm.check_customer order",
        "clm.create_contract 1 ag-broadband-24m",
        "provisioning.activate 1 ss-fibre-access",
        "provisioning.deactivate 1 ss-fibre-access",
        "clm.cancel_contract 1 ag-broadband-24m",
    ]


def test_a_dead_workers_tasks_are_taken_over_and_checked_before_anything_is_redone(
    ordering: OrderingService,
    systems: FulfillmentSystems,
    ledger: Ledger,
    order_ctx: RequestContext,
) -> None:
    settings = FulfillmentSettings(backoff_seconds=0, lease_seconds=30)
    dead = Orchestrator(ordering.db, systems, settings, worker="dead")
    placed, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    dead.release(10)
    dead.run(dead.claim(10)[0])  # CRM check
    voice, data = dead.claim(10)
    dead.call(voice)  # reached the system, then the worker died before recording
    # (and ``data`` was claimed but never sent)
    early = Orchestrator(ordering.db, systems, settings, worker="early")
    assert early.claim(10) == []  # leased: nobody else takes them while the lease runs
    heir = Orchestrator(ordering.db, systems, settings, clock=Later(60), worker="heir")
    heir.run_until_idle()
    done = ordering.get(placed.id)
    assert done.state == "completed"
    assert_no_repeats(ledger)
    calls = [
        (k.rsplit(":", 1)[-1], c, a) for s, k, c, a in ledger.call_log() if s == "provisioning"
    ]
    target = voice.target
    assert calls.count((target, "activate", "done")) == 1
    assert (target, "status", "done") in calls  # the heir asked rather than redid it
    assert (data.target, "status", "not-found") in calls  # never sent: then done once
    dead.record(voice, dead.call(voice)[0], [])  # the dead worker's late answer
    assert ordering.get(placed.id).row_version == done.row_version  # changes nothing


def test_two_workers_on_the_same_orders_run_each_task_once(
    ordering: OrderingService,
    systems: FulfillmentSystems,
    ledger: Ledger,
    order_ctx: RequestContext,
) -> None:
    placed = [
        ordering.place(
            order(
                "cust-carol",
                add("1", "po-mobile-s"),
                add("2", "po-tv-basic", channelPackage="basic"),
            ),
            order_ctx,
        )[0]
        for _ in range(8)
    ]
    settings = FulfillmentSettings(backoff_seconds=0, batch=2)
    workers = [Orchestrator(ordering.db, systems, settings, worker=f"w{i}") for i in (1, 2)]
    failures: list[BaseException] = []
    # Each takes its first batch before either goes on: under load SQLite's busy wait could
    # otherwise leave one worker locked out until the other finished everything.
    both_started = threading.Barrier(2, timeout=60)

    def work(worker: Orchestrator) -> None:
        """Both work until every order is final (one idle moment must not end a worker)."""
        deadline = time.monotonic() + 120
        try:
            worker.run_once()
            both_started.wait()
            while time.monotonic() < deadline:
                if not worker.run_once():
                    if {ordering.get(p.id).state for p in placed} == {"completed"}:
                        return
                    time.sleep(0.01)
        except BaseException as error:  # surfaced below
            failures.append(error)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert {ordering.get(p.id).state for p in placed} == {"completed"}
    assert_no_repeats(ledger)
    operations = [(s, k) for s, k, c, _ in ledger.call_log() if c != "status"]
    assert len(operations) == len(set(operations)) == 8 * 6  # CRM, 2+1 mobile, 1+1 TV
    with ordering.db.uow(write=False) as uow:
        runners = {a.worker for p in placed for a in uow.attempts.of_order(p.id)}
    assert runners == {"w1", "w2"}

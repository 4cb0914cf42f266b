"""The orchestrator: releases accepted orders into plans, runs ready tasks, records outcomes.

A worker claims tasks in one short transaction, calls the systems outside any transaction,
then records each outcome together with the order's new state and its events in another.
An outcome that is not known is reconciled by asking the system for the status of the same
idempotency key; a side effect is never blindly repeated.
"""

from __future__ import annotations

import copy
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core import tracing
from core.fulfillment import compensation
from core.fulfillment.decomposition import plan
from core.fulfillment.facts import load_facts
from core.fulfillment.model import (
    CANCELLED,
    DONE,
    FINISHED,
    HELD,
    READY,
    RUNNING,
    Attempt,
    Task,
)
from core.fulfillment.progress import Progress, advance
from core.fulfillment.recording import OrderWriter, undo_task
from core.ordering.model import ProductOrder, Stamp
from core.persistence.database import Database
from core.persistence.uow import UnitOfWork
from core.ports import (
    Clock,
    FulfillmentSystems,
    IdGenerator,
    Outcome,
    OutcomeStatus,
    SystemClock,
    TaskRequest,
    UuidGenerator,
)
from core.timeutil import backoff_seconds, format_utc

log = logging.getLogger("tmf.fulfillment")
Observer = Callable[[Task, Attempt], None]


@dataclass(frozen=True)
class FulfillmentSettings:
    """How hard the orchestrator tries, and how long a worker holds a task."""

    max_attempts: int = 5
    backoff_seconds: float = 1.0
    backoff_cap_seconds: float = 300.0
    lease_seconds: float = 60.0
    batch: int = 16


def request_of(task: Task) -> TaskRequest:
    """What the system is sent for ``task``."""
    r = task.request
    return TaskRequest(
        idempotency_key=task.id,
        correlation_id=r.get("correlation_id"),
        order_id=task.order_id,
        item_id=task.item_id,
        customer_id=r.get("customer_id"),
        offering_id=r.get("offering_id"),
        product_id=r.get("product_id"),
        target=r.get("target"),
        characteristics=dict(r.get("characteristics") or {}),
        data={k: v for k, v in r.items() if k in ("action", "prices", "previous")},
        traceparent=tracing.current() or r.get("traceparent"),
    )


class Orchestrator:
    """One worker's view of fulfillment; any number of them may run on one PostgreSQL."""

    def __init__(
        self,
        db: Database,
        systems: FulfillmentSystems,
        settings: FulfillmentSettings | None = None,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        worker: str = "worker",
        observer: Observer | None = None,
        rng: random.Random | None = None,
        settled: Callable[[Task], None] | None = None,
    ) -> None:
        self.db = db
        self.systems = systems
        self.settings = settings or FulfillmentSettings()
        self.clock = clock or SystemClock()
        self.ids = ids or UuidGenerator()
        self.worker = worker
        self.observer = observer
        self.rng = rng or random.Random()
        self.settled = settled  # told of each task that ends (or falls out), once committed

    def named(self, worker: str) -> Orchestrator:
        """The same orchestrator under another worker name (one per thread of a process)."""
        twin = copy.copy(self)
        twin.worker = worker
        return twin

    def _now(self) -> datetime:
        return self.clock.now()

    # -- the loop ----------------------------------------------------------------------------

    def run_once(self) -> int:
        """Run the tasks that are due; how much work was done.

        Orders started come first: waiting orders are released only when the due tasks do
        not fill a batch. Releasing whenever one could spread every batch over hundreds of
        half-done orders (each task then locks, reads and rewrites an order of its own), and
        made the first orders wait for the last ones.
        """
        batch = self.settings.batch
        tasks = self.claim(batch)
        released = 0
        if len(tasks) < batch:
            released = self.release(batch)
            if released:
                tasks += self.claim(batch - len(tasks))
        self.run_many(tasks)
        return released + len(tasks)

    def run_until_idle(self, max_rounds: int = 10_000) -> int:
        """Work until nothing is due (tests and the CLI); returns the rounds that did work."""
        rounds = 0
        while rounds < max_rounds and self.run_once():
            rounds += 1
        return rounds

    # -- release: accepted orders become plans -----------------------------------------------

    @tracing.traced("fulfillment.release")
    def release(self, limit: int) -> int:
        """Turn acknowledged orders into plans and start them (inProgress)."""
        now = format_utc(self._now())
        with self.db.uow() as uow:
            orders = uow.orders.waiting("acknowledged", limit)
            if not orders:
                return 0
            facts = load_facts(uow, orders)
            writer = self._writer(uow)
            planned: list[Task] = []
            for order in orders:
                tasks = plan(order, facts, now, self.ids.new_id)
                stamp = Stamp(now, "order released to fulfillment", None, order.correlation_id)
                order.move_items("inProgress", stamp)
                order.move("inProgress", stamp)
                progress = advance(order, tasks, stamp)
                planned += tasks
                writer.store(order, tasks, progress, stamp)
            uow.tasks.add(planned)  # the plans of every order in one statement
            writer.flush(now)
            uow.commit()
        return len(orders)

    # -- claim and call ----------------------------------------------------------------------

    def claim(self, limit: int) -> list[Task]:
        now = self._now()
        lease = format_utc(now + timedelta(seconds=self.settings.lease_seconds))
        with self.db.uow() as uow:
            tasks = uow.tasks.claim(format_utc(now), lease, self.worker, limit)
            uow.commit()
        return tasks

    def run(self, task: Task) -> None:
        """Call the system for one claimed task and record what came of it."""
        self.run_many([task])

    def run_many(self, tasks: list[Task]) -> None:
        """Call the systems for claimed tasks; record the outcomes together, in one transaction
        per second of calls at most (so slow systems do not outlast the leases)."""
        results: list[tuple[Task, Outcome, list[Attempt]]] = []
        flush_after = min(1.0, self.settings.lease_seconds / 4)
        started = time.monotonic()
        for task in tasks:
            results.append((task, *self.call(task)))
            if time.monotonic() - started > flush_after:
                self.record_many(results)
                results, started = [], time.monotonic()
        self.record_many(results)

    def call(self, task: Task) -> tuple[Outcome, list[Attempt]]:
        """The task's call, in the trace of the request that placed its order."""
        parent = task.request.get("traceparent")
        with tracing.span(f"fulfil {task.kind}", parent, task=task.id, order=task.order_id):
            return self._call(task)

    def _call(self, task: Task) -> tuple[Outcome, list[Attempt]]:
        """Ask for the status first when an earlier call may have happened; else do it."""
        port = self.systems.port(task.port)
        attempts: list[Attempt] = []
        if task.check_first:
            outcome = self._timed(task, "status", lambda: port.status(task.id), attempts)
            if outcome.status == OutcomeStatus.RETRYABLE:  # could not ask: still not known
                return Outcome(OutcomeStatus.UNKNOWN, outcome.detail), attempts
            return outcome, attempts
        method = getattr(port, task.operation.method)
        request = request_of(task)
        return self._timed(task, "operation", lambda: method(request), attempts), attempts

    def _timed(
        self, task: Task, call: str, do: Callable[[], Outcome], attempts: list[Attempt]
    ) -> Outcome:
        started = self._now()
        clock = time.perf_counter()
        try:
            outcome = do()
        except Exception as error:  # an adapter bug or a broken connection: it may have happened
            log.warning("task %s: %s call raised %r", task.id, call, error)
            outcome = Outcome(OutcomeStatus.UNKNOWN, f"{type(error).__name__}: {error}")
        attempt = Attempt(
            task.id,
            task.order_id,
            call,
            task.kind,
            format_utc(started),
            round((time.perf_counter() - clock) * 1000, 3),
            outcome.status.value,
            outcome.detail or None,
            outcome.reference,
            self.worker,
        )
        attempts.append(attempt)
        if self.observer is not None:
            self.observer(task, attempt)
        return outcome

    # -- record ------------------------------------------------------------------------------

    def record(self, claimed: Task, outcome: Outcome, attempts: list[Attempt]) -> None:
        """Store the outcome of one task (see ``record_many``)."""
        self.record_many([(claimed, outcome, attempts)])

    def record_many(self, results: list[tuple[Task, Outcome, list[Attempt]]]) -> None:
        """Store outcomes, the calls made, and what follows from them, in one transaction.

        Orders are locked in id order, so workers recording at the same time never deadlock.
        An outcome for a task another worker has taken over meanwhile is dropped (that worker
        asks the system for the status first); the calls made are kept as evidence.
        """
        if not results:
            return
        now_dt = self._now()
        now = format_utc(now_dt)
        by_order: dict[str, list[tuple[Task, Outcome]]] = {}
        for claimed, outcome, _ in results:
            by_order.setdefault(claimed.order_id, []).append((claimed, outcome))
        with self.db.uow() as uow:
            uow.attempts.add([a for _, _, attempts in results for a in attempts])
            writer = self._writer(uow)
            orders = uow.orders.lock_many(list(by_order), with_snapshot=False)
            plans = uow.tasks.of_orders(list(orders))
            steps: list[tuple[ProductOrder, list[Task], Progress, Stamp, list[Task]]] = []
            added: list[Task] = []
            for order_id, order in orders.items():
                tasks = plans[order_id]
                current = {t.id: t for t in tasks}
                touched: list[Task] = []
                undone: list[Task] = []
                for claimed, outcome in by_order[order_id]:
                    task = current.get(claimed.id)
                    if task is None or not _still_ours(task, claimed):
                        continue
                    task.request, task.result = claimed.request, claimed.result  # read light
                    cancelling = order.state == "pendingCancellation" and task.compensates is None
                    for undo in self._apply(task, outcome, now_dt, cancelling):
                        touched += compensation.put_first(undo, tasks + undone)
                        undone.append(undo)
                    touched.append(task)
                if not touched:
                    continue
                what = ", ".join(f"{t.kind} {t.status}" for t in touched)
                stamp = Stamp(now, f"task {what}", None, order.correlation_id)
                progress = advance(order, tasks + undone, stamp)
                added += undone
                steps.append((order, tasks + undone, progress, stamp, touched))
            # Completing items needs their orders' snapshots: read them together, then store.
            writer.load_snapshots([order for order, _, p, _, _ in steps if p.completed_items])
            for order, tasks, progress, stamp, touched in steps:
                writer.store(order, tasks, progress, stamp, touched)
            uow.tasks.add(added)
            writer.flush(now)
            uow.commit()
        if self.settled is not None:
            for _, _, _, _, touched in steps:
                for task in touched:
                    if task.status in FINISHED or task.status == HELD:
                        self.settled(task)

    def _apply(self, task: Task, outcome: Outcome, now: datetime, cancelling: bool) -> list[Task]:
        """Change ``task`` by ``outcome``; returns a compensation task when one is needed."""
        at = format_utc(now)
        task.lease_until = None
        status = outcome.status
        if status == OutcomeStatus.DONE:
            task.status, task.finished_at, task.reason = DONE, at, None
            task.check_first = False
            task.result = {"reference": outcome.reference, "detail": outcome.detail, **outcome.data}
            if cancelling and task.operation.undo:
                return [undo_task(task, at, after=[])]
            return []
        if status == OutcomeStatus.NOT_FOUND:  # the earlier call never arrived: safe to call
            task.check_first = False
            if cancelling:
                task.status, task.finished_at, task.reason = CANCELLED, at, "order cancelled"
            else:
                task.status, task.due_at = READY, at
            return []
        if cancelling and status != OutcomeStatus.UNKNOWN:
            task.status, task.finished_at, task.reason = CANCELLED, at, "order cancelled"
            return []
        if status == OutcomeStatus.UNKNOWN and outcome.reference:
            # The system has the request (it named it) and is still at work: not a failure,
            # so no attempt is spent; its status is asked again, less and less often.
            polls = int((task.result or {}).get("polls", 0)) + 1
            task.check_first, task.status = True, READY
            task.result = {"reference": outcome.reference, "polls": polls}
            task.reason = f"in progress at the system: {outcome.detail}"
            task.due_at = format_utc(now + self.backoff(polls))
            return []
        task.attempts += 1
        task.reason = outcome.detail or status.value
        if status == OutcomeStatus.PERMANENT:  # known: nothing happened, a retry sends it again
            task.status, task.check_first = HELD, False
            task.reason = f"{task.kind} failed: {outcome.detail or 'refused by the system'}"
            return []
        if status == OutcomeStatus.UNKNOWN:
            task.check_first = True
        if task.attempts >= self.settings.max_attempts:
            task.status = HELD
            what = "outcome still unknown" if task.check_first else "still failing"
            task.reason = f"{what} after {task.attempts} attempts: {task.reason}"
            return []
        task.status, task.due_at = READY, format_utc(now + self.backoff(task.attempts))
        return []

    def backoff(self, attempts: int) -> timedelta:
        """Exponential, capped, with full jitter in its upper half (spreads retries out)."""
        settings = self.settings
        return timedelta(
            seconds=backoff_seconds(
                attempts, settings.backoff_seconds, settings.backoff_cap_seconds, self.rng
            )
        )

    def _writer(self, uow: UnitOfWork) -> OrderWriter:
        return OrderWriter(uow, self.ids)


def _still_ours(stored: Task, claimed: Task) -> bool:
    return (
        stored.status == RUNNING
        and stored.worker == claimed.worker
        and stored.lease_until == claimed.lease_until
    )

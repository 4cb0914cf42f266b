"""Writing one step of fulfillment: tasks, the order and its timeline, events, installed base."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace

from core.events.model import Change, DomainEvent
from core.fulfillment import completion
from core.fulfillment.model import HELD, WAITING, JsonObject, Task
from core.fulfillment.progress import Progress
from core.inventory.events import product_events
from core.inventory.model import InstalledProduct
from core.ordering import states
from core.ordering.items import read_items
from core.ordering.model import ProductOrder, Stamp, TimelineEntry
from core.ordering.support import ordering_event
from core.persistence.uow import UnitOfWork
from core.ports import IdGenerator

UNDO_SUFFIX = "/undo"


def undo_task(task: Task, now: str, after: list[str]) -> Task:
    """The compensation of a done task: its undo operation, under its own idempotency key.

    It waits (``unblock`` makes it ready once nothing of the plan may still run).
    """
    undo = task.operation.undo
    assert undo is not None
    request = dict(task.request)
    if task.kind.endswith(".modify") or task.kind.endswith(".change"):
        request["characteristics"], request["previous"] = (
            request.get("previous") or {},
            request.get("characteristics") or {},
        )
    return replace(
        task,
        id=task.id + UNDO_SUFFIX,
        kind=undo,
        depends_on=tuple(after),
        status=WAITING,
        due_at=now,
        created_at=now,
        attempts=0,
        check_first=False,
        compensates=task.id,
        request=request,
        result=None,
        reason=None,
        finished_at=None,
        lease_until=None,
        seq=None,
    )


class OrderWriter:
    """Stores what steps of fulfillment changed, inside the caller's unit of work.

    Tasks, orders, timeline entries and events of many orders are written together by
    ``flush`` (a statement each, not one per order): call it before committing.
    """

    def __init__(self, uow: UnitOfWork, ids: IdGenerator) -> None:
        self.uow = uow
        self.ids = ids
        self._tasks: dict[str, Task] = {}
        self._orders: list[ProductOrder] = []
        self._timeline: list[TimelineEntry] = []
        self._events: list[DomainEvent] = []
        self._installed: list[InstalledProduct] = []

    def load_snapshots(self, orders: Sequence[ProductOrder]) -> None:
        """Read the price snapshots of orders read without them, in one statement (completing
        an item needs its order's snapshot)."""
        missing = [o for o in orders if o.snapshot is None]
        found = self.uow.orders.snapshots([o.id for o in missing])
        for order in missing:
            order.snapshot = found.get(order.id)

    def store(
        self,
        order: ProductOrder,
        tasks: list[Task],
        progress: Progress,
        stamp: Stamp,
        touched: Sequence[Task] = (),
    ) -> None:
        for task in [*progress.changed, *touched]:
            if task.seq is not None:  # new tasks are inserted by the caller
                self._tasks[task.id] = task
        items = {i.id: i for i in read_items(order.document)} if progress.completed_items else {}
        for item_id in progress.completed_items:
            done = completion.apply(
                self.uow, order, item_id, tasks, stamp.at, self.ids.new_id(), items
            )
            for applied in done:
                if applied.old is None:
                    self._installed.append(applied.product)
                self._events.extend(
                    replace(event, traceparent=order.traceparent)
                    for event in product_events(
                        applied.product,
                        applied.old,
                        str(order.document.get("href") or ""),
                        self.ids.new_id,
                        stamp.at,
                        order.correlation_id,
                    )
                )
        self.save_order(order, stamp)
        if progress.items_moved and not progress.order_moved:
            self.event(order, "AttributeValueChange", stamp)
        if any(t.status == HELD for t in touched):
            self.event(order, "InformationRequired", stamp)
        if progress.cancelled:
            self.finish_cancellation(order, stamp)

    def save_order(self, order: ProductOrder, stamp: Stamp) -> None:
        """Store the order if it changed, with its new timeline entries and state events."""
        if not order.timeline:
            return
        order.row_version += 1
        self._orders.append(order)
        self._timeline.extend(order.timeline)
        for document in order.state_changes:
            self._emit("productOrder", "StateChange", document, stamp.at, order)
        order.timeline.clear()
        order.state_changes.clear()

    def event(self, order: ProductOrder, change: Change, stamp: Stamp) -> None:
        document = copy.deepcopy(order.document)
        self._emit("productOrder", change, document, stamp.at, order)

    def finish_cancellation(self, order: ProductOrder, stamp: Stamp) -> None:
        """The open cancelProductOrder of a cancelled order is done."""
        for request in self.uow.cancels.of_order(order.id):
            if request.state in states.CANCEL_OPEN:
                request.document["effectiveCancellationDate"] = stamp.at
                if request.state == "acknowledged":
                    request.move("inProgress")
                request.move("done")
                request.row_version += 1
                self.uow.cancels.update(request, stamp.at)
                for document in request.state_changes:
                    self._emit("cancelProductOrder", "StateChange", document, stamp.at, order)

    def flush(self, now: str) -> None:
        """Write everything stored so far."""
        self.uow.tasks.save(list(self._tasks.values()))
        self.uow.orders.update_many(self._orders, now)
        self.uow.timeline.add(self._timeline)
        self.uow.outbox.add_many(self._events)
        self.uow.inventory.add_many(self._installed, now)
        self._tasks, self._orders, self._timeline, self._events = {}, [], [], []
        self._installed = []

    def _emit(
        self,
        kind: str,
        change: Change,
        document: JsonObject,
        now: str,
        order: ProductOrder,
    ) -> None:
        """An event of ``order`` (or its cancellation), in the trace of its placing request."""
        self._events.append(
            ordering_event(
                kind,
                change,
                document,
                self.ids.new_id(),
                now,
                order.correlation_id,
                traceparent=order.traceparent,
            )
        )

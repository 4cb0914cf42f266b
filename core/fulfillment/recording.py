"""Writing one step of fulfillment: tasks, the order and its timeline, events, installed base."""

from __future__ import annotations

import copy
from dataclasses import replace

from core.events.model import Change, resource_event
from core.fulfillment import completion
from core.fulfillment.model import HELD, READY, WAITING, JsonObject, Task
from core.fulfillment.progress import Progress
from core.ordering import states
from core.ordering.model import ProductOrder, Stamp
from core.ordering.support import DOMAIN
from core.persistence.uow import UnitOfWork
from core.ports import IdGenerator

UNDO_SUFFIX = "/undo"


def undo_task(task: Task, now: str, after: list[str]) -> Task:
    """The compensation of a done task: its undo operation, under its own idempotency key."""
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
        status=WAITING if after else READY,
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


def emit(
    uow: UnitOfWork,
    ids: IdGenerator,
    kind: str,
    change: Change,
    document: JsonObject,
    now: str,
    correlation_id: str | None,
) -> None:
    uow.outbox.add(
        resource_event(
            resource_kind=kind,
            change=change,
            document=document,
            event_id=ids.new_id(),
            occurred_at=now,
            correlation_id=correlation_id,
            domain=DOMAIN,
        )
    )


class OrderWriter:
    """Stores what a step of fulfillment changed, inside the caller's unit of work."""

    def __init__(self, uow: UnitOfWork, ids: IdGenerator) -> None:
        self.uow = uow
        self.ids = ids

    def store(
        self,
        order: ProductOrder,
        tasks: list[Task],
        progress: Progress,
        stamp: Stamp,
        task: Task | None = None,
    ) -> None:
        changed = [t for t in [*progress.changed, *([task] if task else [])] if t.seq is not None]
        self.uow.tasks.save(list({t.id: t for t in changed}.values()))
        now = stamp.at
        for item_id in progress.completed_items:
            completion.apply(self.uow, order, item_id, tasks, now, self.ids.new_id())
        self.save_order(order, stamp)
        if progress.items_moved and not progress.order_moved:
            self.event(order, "AttributeValueChange", stamp)
        if task is not None and task.status == HELD:
            self.event(order, "InformationRequired", stamp)
        if progress.cancelled:
            self.finish_cancellation(order, stamp)

    def save_order(self, order: ProductOrder, stamp: Stamp) -> None:
        """Store the order if it changed, with its new timeline entries and state events."""
        if not order.timeline:
            return
        order.row_version += 1
        self.uow.orders.update(order, stamp.at)
        self.uow.timeline.add(order.timeline)
        for document in order.state_changes:
            emit(
                self.uow,
                self.ids,
                "productOrder",
                "StateChange",
                document,
                stamp.at,
                order.correlation_id,
            )
        order.timeline.clear()
        order.state_changes.clear()

    def event(self, order: ProductOrder, change: Change, stamp: Stamp) -> None:
        emit(
            self.uow,
            self.ids,
            "productOrder",
            change,
            copy.deepcopy(order.document),
            stamp.at,
            order.correlation_id,
        )

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
                    emit(
                        self.uow,
                        self.ids,
                        "cancelProductOrder",
                        "StateChange",
                        document,
                        stamp.at,
                        order.correlation_id,
                    )

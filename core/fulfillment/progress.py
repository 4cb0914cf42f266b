"""Progress: from the tasks' outcomes to item and order states (pure; the caller stores it).

Items follow their own tasks and the order's CRM check: a task on hold holds its item and the
order; a task failed by an operator fails its item; an item whose tasks all succeeded is
completed. The order ends completed, partial or failed once every item is final. During a
cancellation the order becomes cancelled when nothing runs any more and every compensation is
done.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.fulfillment.model import (
    CANCELLED,
    FAILED,
    HELD,
    READY,
    RUNNING,
    WAITING,
    Task,
)
from core.ordering import states
from core.ordering.model import ProductOrder, Stamp

ITEM_FINAL = frozenset({"completed", "failed", "cancelled", "rejected"})
STARTED = frozenset({"inProgress", "held"})


@dataclass
class Progress:
    """What one step changed: tasks to store, items completed, whether the order was cancelled."""

    changed: list[Task] = field(default_factory=list)
    completed_items: list[str] = field(default_factory=list)
    order_moved: bool = False
    items_moved: bool = False
    cancelled: bool = False


def _route(table: Mapping[str, frozenset[str]], old: str, new: str) -> list[str]:
    """The moves from ``old`` to ``new``: direct, or through inProgress (e.g. held -> completed)."""
    if new in table.get(old, frozenset()):
        return [new]
    return ["inProgress", new]


def _change(progress: Progress, task: Task) -> None:
    if task not in progress.changed:
        progress.changed.append(task)


def unblock(tasks: list[Task], now: str, progress: Progress) -> None:
    """Waiting tasks whose dependencies all succeeded become ready.

    Compensations wait, besides, until no task of the plan may still run: one finishing late
    must be undone first (the last thing done is undone first).
    """
    by_id = {t.id: t for t in tasks}
    settling = any(t.compensates is None and t.status in (RUNNING, READY) for t in tasks)
    for task in tasks:
        if task.compensates is not None and settling:
            continue
        if task.status == WAITING and all(
            by_id[d].succeeded for d in task.depends_on if d in by_id
        ):
            task.status, task.due_at = READY, now
            _change(progress, task)


def _item_target(own: list[Task], shared: list[Task]) -> str:
    tasks = own + shared
    if any(t.status == FAILED for t in tasks):
        return "failed"
    if any(t.status == HELD for t in tasks):
        return "held"
    if all(t.succeeded for t in tasks):
        return "completed"
    return "inProgress"


def _order_target(order: ProductOrder, shared: list[Task]) -> str:
    item_states = [str(i["state"]) for i in order.items()]
    if any(t.status == HELD for t in shared) or "held" in item_states:
        return "held"
    if not all(s in ITEM_FINAL for s in item_states):
        return "inProgress"
    if all(s == "completed" for s in item_states):
        return "completed"
    if any(s == "completed" for s in item_states):
        return "partial"
    return "failed"


def advance(order: ProductOrder, tasks: list[Task], stamp: Stamp) -> Progress:
    """Bring tasks, items and the order up to date with the tasks' outcomes."""
    progress = Progress()
    if order.state == "pendingCancellation":
        unblock(tasks, stamp.at, progress)
        _settle_cancellation(order, tasks, stamp, progress)
        return progress
    if order.state not in STARTED:
        return progress
    unblock(tasks, stamp.at, progress)
    plan = [t for t in tasks if t.compensates is None]
    shared = [t for t in plan if t.item_id is None]
    for item in list(order.items()):
        item_id, state = str(item["id"]), str(item["state"])
        if state in ITEM_FINAL:
            continue
        own = [t for t in plan if t.item_id == item_id]
        target = _item_target(own, shared)
        if target == state:
            continue
        for step in _route(states.ITEM_TRANSITIONS, state, target):
            order.move_item(item_id, step, stamp)
        progress.items_moved = True
        if target == "completed":
            progress.completed_items.append(item_id)
        elif target == "failed":
            for task in own:
                if task.status in (WAITING, READY, HELD):
                    task.status, task.reason = CANCELLED, "its item failed"
                    task.finished_at = stamp.at
                    _change(progress, task)
    target = _order_target(order, shared)
    if target != order.state:
        for step in _route(states.ORDER_TRANSITIONS, order.state, target):
            order.move(step, stamp)
        progress.order_moved = True
        if target in states.ORDER_FINAL:
            order.document["completionDate"] = stamp.at
            order.state_changes[-1] = copy.deepcopy(order.document)
    return progress


def _settle_cancellation(
    order: ProductOrder, tasks: list[Task], stamp: Stamp, progress: Progress
) -> None:
    """Cancelled once no original task may still run and every compensation succeeded."""
    undo = [t for t in tasks if t.compensates is not None]
    in_flight = [
        t for t in tasks if t.compensates is None and t.status in (RUNNING, READY, WAITING)
    ]
    if in_flight or not all(t.succeeded for t in undo):
        return
    order.move_items("cancelled", stamp)
    order.move("cancelled", stamp)
    order.document["cancellationDate"] = stamp.at
    order.state_changes[-1] = copy.deepcopy(order.document)
    progress.order_moved = progress.items_moved = progress.cancelled = True

"""Cancelling started work: undo what was done, in reverse order, up to the point of no return.

The point of no return is a port (default: billing): once a task of that port has succeeded,
or may have (running, outcome unknown), the order cannot be cancelled any more; nor can it once
an item is completed. Before it, tasks not yet run are cancelled, tasks still running finish
first (and are undone if they succeed), and every done task gets a compensation task, chained
so the last thing done is undone first.
"""

from __future__ import annotations

from core.fulfillment.model import CANCELLED, DONE, HELD, READY, RUNNING, WAITING, Task
from core.fulfillment.recording import undo_task
from core.ordering.model import ProductOrder, Stamp

NO_POINT_OF_NO_RETURN = "none"


def past_point_of_no_return(order: ProductOrder, tasks: list[Task], port: str) -> str | None:
    """Why ``order`` can no longer be cancelled, or None while it can."""
    for item in order.items():
        if item.get("state") == "completed":
            return f"item {item.get('id')!r} is already completed"
    if port == NO_POINT_OF_NO_RETURN:
        return None
    for task in tasks:
        if task.compensates is None and task.port == port:
            if task.succeeded:
                return f"{task.kind} of item {task.item_id!r} is done"
            if task.status == RUNNING or task.check_first:
                return f"{task.kind} of item {task.item_id!r} may already have happened"
    return None


def begin(order: ProductOrder, tasks: list[Task], stamp: Stamp) -> tuple[list[Task], list[Task]]:
    """Start cancelling: the order goes pendingCancellation; returns (changed, new undo) tasks."""
    for state in ("assessingCancellation", "pendingCancellation"):
        order.move_items(state, stamp)
        order.move(state, stamp)
    changed: list[Task] = []
    for task in tasks:
        if task.compensates is not None or task.status not in (WAITING, READY, HELD):
            continue
        if task.check_first:  # it may have happened: find out first (then undo or drop it)
            task.status, task.due_at = READY, stamp.at
        else:
            task.status, task.finished_at = CANCELLED, stamp.at
            task.reason = "order cancelled"
        changed.append(task)
    done = [t for t in tasks if t.compensates is None and t.status == DONE and t.operation.undo]
    done.sort(key=lambda t: (t.finished_at or "", t.seq or 0), reverse=True)
    undo: list[Task] = []
    for task in done:
        undo.append(undo_task(task, stamp.at, after=[undo[-1].id] if undo else []))
    return changed, undo


def put_first(undo: Task, tasks: list[Task]) -> list[Task]:
    """Make ``undo`` (of a task that finished late) run before the compensations not started
    yet; returns the tasks it changed."""
    heads = [
        t for t in tasks if t.compensates is not None and t.status == WAITING and not t.depends_on
    ]
    for head in heads:
        head.depends_on = (undo.id,)
    return heads

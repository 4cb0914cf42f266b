"""Fallout and repair: tasks on hold, and what an operator may do about them (audited)."""

from __future__ import annotations

from typing import Any

from core.errors import Conflict, InvalidRequest, NotFound
from core.fulfillment.model import FAILED, HELD, READY, SKIPPED, ManualAction, Task
from core.fulfillment.progress import advance
from core.fulfillment.recording import OrderWriter
from core.ordering.model import Stamp
from core.persistence.database import Database
from core.ports import Clock, IdGenerator, SystemClock, UuidGenerator
from core.timeutil import format_utc

ACTIONS = ("retry", "skip", "fail")


class FalloutService:
    """The repair queue: list held tasks; retry, skip with a manual result, or fail them."""

    def __init__(
        self, db: Database, clock: Clock | None = None, ids: IdGenerator | None = None
    ) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.ids = ids or UuidGenerator()

    def list(self, limit: int = 100, offset: int = 0) -> tuple[list[Task], int]:
        with self.db.uow(write=False, snapshot=True) as uow:
            return uow.tasks.held(limit, offset)

    def get(self, task_id: str) -> Task:
        with self.db.uow(write=False) as uow:
            task = uow.tasks.get(task_id)
        if task is None:
            raise NotFound("task", task_id)
        return task

    def repair(
        self,
        task_id: str,
        action: str,
        actor: str | None,
        reason: str | None,
        result: dict[str, Any] | None = None,
    ) -> Task:
        """Apply one repair to a held task, record who did it and why, and move the order on."""
        problems = []
        if action not in ACTIONS:
            problems.append(f"action {action!r} is not one of {', '.join(ACTIONS)}")
        if not (actor or "").strip():
            problems.append("actor: say who repairs (every manual action is audited)")
        if not (reason or "").strip():
            problems.append("reason: say why (every manual action is audited)")
        if problems:
            raise InvalidRequest(problems, "Invalid repair")
        assert actor is not None and reason is not None
        now = format_utc(self.clock.now())
        with self.db.uow() as uow:
            found = uow.tasks.get(task_id)
            if found is None:
                raise NotFound("task", task_id)
            order = uow.orders.lock(found.order_id)
            tasks = uow.tasks.of_order(found.order_id)
            task = next(t for t in tasks if t.id == found.id)
            if order is None or task.status != HELD:
                raise Conflict(
                    f"task {task.id!r} is {task.status}; only tasks on hold can be repaired",
                    "Task not on hold",
                )
            if action == "fail" and task.compensates is not None:
                raise Conflict(
                    f"task {task.id!r} undoes work of a cancelled order; retry it, or skip it "
                    "once the work is undone by hand",
                    "Compensation cannot fail",
                )
            if action == "retry":
                task.status, task.due_at, task.attempts = READY, now, 0
            elif action == "skip":
                task.status, task.finished_at = SKIPPED, now
                task.result = {"manual": result or {"note": reason}, "actor": actor}
            else:
                task.status, task.finished_at = FAILED, now
            task.reason = f"{action} by {actor}: {reason}"
            stamp = Stamp(now, f"{action} {task.kind}: {reason}", actor, order.correlation_id)
            progress = advance(order, tasks, stamp)
            writer = OrderWriter(uow, self.ids)
            writer.store(order, tasks, progress, stamp, [task])
            writer.flush(now)
            uow.actions.add(ManualAction(order.id, task.id, action, actor, reason, now, result))
            uow.commit()
        return task

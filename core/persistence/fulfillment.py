"""Repositories of fulfillment: task plans, calls to systems, manual actions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from core.fulfillment.model import (
    HELD,
    READY,
    RUNNING,
    Attempt,
    ManualAction,
    Task,
)
from core.persistence.work_tables import fulfillment_action, fulfillment_task, task_attempt

_T = fulfillment_task
_A = task_attempt
_M = fulfillment_action


def _task(row: Any, light: bool = False) -> Task:
    return Task(
        id=row.task_id,
        order_id=row.order_id,
        item_id=row.item_id,
        kind=row.kind,
        depends_on=tuple(row.depends_on or ()),
        status=row.status,
        due_at=row.due_at,
        created_at=row.created_at,
        target=row.target,
        attempts=row.attempts,
        check_first=bool(row.check_first),
        compensates=row.compensates,
        request={} if light else (row.request or {}),
        result=None if light else row.result,
        reason=row.reason,
        finished_at=row.finished_at,
        lease_until=row.lease_until,
        worker=row.worker,
        seq=row.seq,
    )


def _values(task: Task) -> dict[str, Any]:
    return {
        "task_id": task.id,
        "order_id": task.order_id,
        "item_id": task.item_id,
        "kind": task.kind,
        "target": task.target,
        "depends_on": list(task.depends_on),
        "status": task.status,
        "attempts": task.attempts,
        "due_at": task.due_at,
        "lease_until": task.lease_until,
        "check_first": task.check_first,
        "compensates": task.compensates,
        "request": task.request,
        "result": task.result,
        "reason": task.reason,
        "created_at": task.created_at,
        "finished_at": task.finished_at,
        "worker": task.worker,
    }


# What changes in a task after it is planned; written with one prebuilt, executemany statement.
_LIGHT = [c for c in _T.c if c.name not in ("request", "result")]
_MUTABLE = (
    "task_id",
    "depends_on",
    "status",
    "attempts",
    "due_at",
    "lease_until",
    "check_first",
    "reason",
    "finished_at",
    "worker",
)
_SAVE = (
    sa.update(_T)
    .where(_T.c.task_id == sa.bindparam("p_task_id"))
    .values({name: sa.bindparam(f"p_{name}") for name in _MUTABLE if name != "task_id"})
)
# A task's result is written only when it has one (a light read does not know it), in the
# same UPDATE: each row is written once.
_SAVE_WITH_RESULT = _SAVE.values(result=sa.bindparam("p_result"))


def _changes(task: Task) -> dict[str, Any]:
    return {f"p_{k}": v for k, v in _values(task).items() if k in _MUTABLE}


# The worker's hot statements, built once.
_OF_ORDERS_SELECT = sa.select(
    *_LIGHT, _T.c.request["product_id"].as_string().label("product_id")
).order_by(_T.c.seq)
_OF_ORDERS = _OF_ORDERS_SELECT.where(_T.c.order_id.in_(sa.bindparam("ids", expanding=True)))
# PostgreSQL: one array parameter, so one prepared statement whatever the number of orders.
# With statistics older than the table's growth, the IN-list form (a statement per length)
# soon planned a parallel scan, two worker processes per call; this form does so later, if at all.
_OF_ORDERS_PG = _OF_ORDERS_SELECT.where(
    _T.c.order_id == sa.any_(sa.bindparam("ids", type_=ARRAY(sa.String)))
)
_EXPIRED = (
    sa.select(_T)
    .where(_T.c.status == RUNNING, _T.c.lease_until < sa.bindparam("now"))
    .order_by(_T.c.due_at)
    .limit(sa.bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_DUE = (
    sa.select(_T)
    .where(_T.c.status == READY, _T.c.due_at <= sa.bindparam("now"))
    .order_by(_T.c.due_at)
    .limit(sa.bindparam("limit"))
    .with_for_update(skip_locked=True)
)


class TaskRepository:
    """The plan of every order: one row per task, claimed by workers with SKIP LOCKED."""

    def __init__(self, connection: sa.Connection) -> None:
        self._db = connection
        self._of_orders = _OF_ORDERS_PG if connection.dialect.name == "postgresql" else _OF_ORDERS

    def add(self, tasks: list[Task]) -> None:
        if tasks:
            self._db.execute(sa.insert(_T), [_values(t) for t in tasks])

    def of_order(self, order_id: str, lock: bool = False) -> list[Task]:
        """Every task of an order in plan order; ``lock`` keeps workers off them until commit."""
        statement = sa.select(_T).where(_T.c.order_id == order_id).order_by(_T.c.seq)
        if lock:
            statement = statement.with_for_update()
        return [_task(r) for r in self._db.execute(statement)]

    def of_orders(self, order_ids: list[str]) -> dict[str, list[Task]]:
        """The tasks of several orders at once, each order's in plan order, read light: their
        ``request`` holds only the product id and ``result`` is not read (what progress needs;
        ``save`` leaves both as they are)."""
        found: dict[str, list[Task]] = {order_id: [] for order_id in order_ids}
        rows = self._db.execute(self._of_orders, {"ids": sorted(order_ids)})
        for row in rows:
            task = _task(row, light=True)
            if row.product_id is not None:
                task.request = {"product_id": row.product_id}
            found[row.order_id].append(task)
        return found

    def get(self, task_id: str) -> Task | None:
        """By task id, or by its number (``seq``, what the repair queue shows)."""
        key = _T.c.seq == int(task_id) if task_id.isdigit() else _T.c.task_id == task_id
        row = self._db.execute(sa.select(_T).where(key)).first()
        return _task(row) if row else None

    def save(self, tasks: list[Task]) -> None:
        """Write back changed tasks (the caller holds their order's lock): one statement for
        those with a result to write, one for the rest."""
        plain = [_changes(t) for t in tasks if t.result is None]
        if plain:
            self._db.execute(_SAVE, plain)
        with_result = [_changes(t) | {"p_result": t.result} for t in tasks if t.result is not None]
        if with_result:
            self._db.execute(_SAVE_WITH_RESULT, with_result)

    def claim(self, now: str, lease_until: str, worker: str, limit: int) -> list[Task]:
        """Take up to ``limit`` tasks that are due, or whose worker's lease ran out.

        A task taken over from a worker that died may have reached its system: it is marked
        ``check_first`` so the status is asked before anything is done again.
        """
        # Two index scans (status, due_at), each skipping what other workers hold: a task
        # taken over first, then due ones. One OR'ed query would scan and sort the table.
        expired = self._db.execute(_EXPIRED, {"now": now, "limit": limit}).all()
        due = self._db.execute(_DUE, {"now": now, "limit": limit - len(expired)}).all()
        rows = [*expired, *due]
        if not rows:
            return []
        self._db.execute(
            sa.update(_T)
            .where(_T.c.seq.in_([r.seq for r in rows]))
            .values(
                status=RUNNING,
                lease_until=lease_until,
                worker=worker,
                check_first=sa.or_(_T.c.check_first, _T.c.status == RUNNING),
            )
        )
        claimed = []
        for row in rows:
            task = _task(row)
            task.check_first = task.check_first or task.status == RUNNING
            task.status, task.lease_until, task.worker = RUNNING, lease_until, worker
            claimed.append(task)
        return claimed

    def hurry(self, reference: str, now: str) -> int:
        """Make tasks waiting on work at a system (known there by ``reference``) due now."""
        result = self._db.execute(
            sa.update(_T)
            .where(_T.c.status == READY, _T.c.result["reference"].as_string() == reference)
            .values(due_at=now)
        )
        return int(result.rowcount)

    def held(self, limit: int = 100, offset: int = 0) -> tuple[list[Task], int]:
        """The repair queue: tasks on hold, oldest first, and how many there are."""
        rows = self._db.execute(
            sa.select(_T).where(_T.c.status == HELD).order_by(_T.c.seq).offset(offset).limit(limit)
        )
        total = self._db.execute(
            sa.select(sa.func.count()).select_from(_T).where(_T.c.status == HELD)
        ).scalar_one()
        return [_task(r) for r in rows], int(total)


class AttemptRepository:
    """Every call made to a system: the evidence behind each task's outcome."""

    def __init__(self, connection: sa.Connection) -> None:
        self._db = connection

    def add(self, attempts: list[Attempt]) -> None:
        if attempts:
            self._db.execute(sa.insert(_A), [asdict(a) for a in attempts])

    def of_order(self, order_id: str) -> list[Attempt]:
        rows = self._db.execute(sa.select(_A).where(_A.c.order_id == order_id).order_by(_A.c.seq))
        return [
            Attempt(
                r.task_id,
                r.order_id,
                r.call,
                r.kind,
                r.started_at,
                r.duration_ms,
                r.outcome,
                r.detail,
                r.reference,
                r.worker,
            )
            for r in rows
        ]


class ActionRepository:
    """The audit trail of manual repairs."""

    def __init__(self, connection: sa.Connection) -> None:
        self._db = connection

    def add(self, action: ManualAction) -> None:
        self._db.execute(sa.insert(_M).values(**asdict(action)))

    def of_order(self, order_id: str) -> list[ManualAction]:
        rows = self._db.execute(sa.select(_M).where(_M.c.order_id == order_id).order_by(_M.c.seq))
        return [
            ManualAction(r.order_id, r.task_id, r.action, r.actor, r.reason, r.at, r.result)
            for r in rows
        ]

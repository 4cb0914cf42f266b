"""What an operator's gauges read: backlogs only, each through an index, so a scrape costs
the same on a store of ten orders or ten million (finished work is never counted)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from core.persistence.tables import outbox, product_order
from core.persistence.work_tables import approval_case, event_delivery, fulfillment_task

_O, _T, _E, _D, _A = product_order, fulfillment_task, outbox, event_delivery, approval_case
Backlog = tuple[int, str | None]  # how many, and the time of the oldest (None: none)


class GaugeRepository:
    """Counts of open work, by the indexes that hold it."""

    def __init__(self, connection: sa.Connection) -> None:
        self._db = connection

    def open_orders(self, states: Iterable[str], before: str) -> dict[str, tuple[int, int]]:
        """Orders in each of ``states``: how many, and how many unchanged since ``before``."""
        stuck = sa.func.sum(sa.case((_O.c.last_update < before, 1), else_=0))
        rows = self._db.execute(
            sa.select(_O.c.state, sa.func.count(), stuck)
            .where(_O.c.state.in_(sorted(states)), _O.c.deleted_at.is_(None))
            .group_by(_O.c.state)
        )
        return {state: (int(n), int(late or 0)) for state, n, late in rows}

    def open_tasks(self, statuses: Iterable[str]) -> dict[str, Backlog]:
        """Tasks in each of ``statuses``, and the oldest due time (for ``held``: when it fell
        out, its last attempt's)."""
        rows = self._db.execute(
            sa.select(_T.c.status, sa.func.count(), sa.func.min(_T.c.due_at))
            .where(_T.c.status.in_(sorted(statuses)))
            .group_by(_T.c.status)
        )
        return {status: (int(n), oldest) for status, n, oldest in rows}

    def outbox(self, column: str) -> Backlog:
        """Events not yet fanned out (``sent_at``) or published (``published_at``)."""
        n, oldest = self._db.execute(
            sa.select(sa.func.count(), sa.func.min(_E.c.occurred_at)).where(_E.c[column].is_(None))
        ).one()
        return int(n), oldest

    def owed_deliveries(self) -> dict[str, Backlog]:
        """Deliveries not delivered (waiting, pending, dead), and the oldest of each."""
        rows = self._db.execute(
            sa.select(_D.c.status, sa.func.count(), sa.func.min(_D.c.created_at))
            .where(_D.c.status != "delivered")
            .group_by(_D.c.status)
        )
        return {status: (int(n), oldest) for status, n, oldest in rows}

    def approvals(self, status: str, now: str) -> tuple[int, int]:
        """Cases in ``status``, and how many of them are past their due time."""
        overdue = sa.func.sum(sa.case((_A.c.due_at < now, 1), else_=0))
        n, late = self._db.execute(
            sa.select(sa.func.count(), overdue).where(_A.c.status == status)
        ).one()
        return int(n), int(late or 0)

    def at_a_glance(
        self, states: Iterable[str], moving: Iterable[str], before: str, now: str, cap: int
    ) -> dict[str, int]:
        """What the console's overview shows, each count read no further than ``cap + 1`` rows
        (so ``cap + 1`` means "more than ``cap``"): open orders by state (``open:<state>``),
        those of ``moving`` unchanged since ``before`` (``stuck:<state>``), tasks on hold,
        open and overdue approval cases, dead letters; one round trip."""
        open_orders = _rows(_O).where(_O.c.deleted_at.is_(None))
        queries = {f"open:{s}": open_orders.where(_O.c.state == s) for s in sorted(states)}
        queries |= {
            f"stuck:{s}": open_orders.where(_O.c.state == s, _O.c.last_update < before)
            for s in sorted(moving)
        }
        cases = _rows(_A).where(_A.c.status == "open")
        queries |= {
            "held": _rows(_T).where(_T.c.status == "held"),
            "approvals": cases,
            "overdue": cases.where(_A.c.due_at < now),
            "dead": _rows(_D).where(_D.c.status == "dead"),
        }
        return self._capped_counts(queries, cap)

    def _capped_counts(
        self, queries: Mapping[str, sa.Select[tuple[int]]], cap: int
    ) -> dict[str, int]:
        """How many rows each query finds, up to ``cap + 1``, in one statement."""
        counts = [
            sa.select(sa.func.count())
            .select_from(query.limit(cap + 1).subquery())
            .scalar_subquery()
            .label(name.replace(":", "_"))
            for name, query in queries.items()
        ]
        row = self._db.execute(sa.select(*counts)).one()
        return {name: int(n) for name, n in zip(queries, row, strict=True)}


def _rows(table: sa.Table) -> sa.Select[tuple[int]]:
    """Rows of ``table`` to count, naming no column (an index alone can answer)."""
    return sa.select(sa.literal_column("1")).select_from(table)

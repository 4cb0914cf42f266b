"""A unit of work's inserts, queued and sent together: on PostgreSQL in one statement.

Placing an order inserts into five tables (the order, its timeline, the offerings it changes,
its idempotency key, its events). Each insert through SQLAlchemy costs more Python than the
database spends on it, so they are queued and flushed as one statement (each table's rows
read from one JSON parameter) before the unit's next statement runs and before it commits.
Nothing reads a queued row sooner than it would have: every statement on the connection, and
every compiled read, flushes first. A constraint a flushed row breaks raises the error its
insert would have raised (``conflict``), at the flush.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from core import jsoncodec
from core.persistence.transactions import alone, deferred

Row = dict[str, Any]
Conflict = Callable[[], Exception]
_QUEUE = "tmf.inserts"  # key of a connection's queue in its ``info`` while a unit holds it


class _Entry:
    """Rows for one table, all naming the same columns, and what a broken constraint means."""

    def __init__(self, table: sa.Table, rows: list[Row], conflict: Conflict | None) -> None:
        self.table = table
        self.columns = tuple(rows[0])
        self.rows = rows
        self.conflict = conflict

    def joins(self, other: _Entry) -> bool:
        """Whether ``other``'s rows can follow these in one insert."""
        return (other.table, other.columns, other.conflict) == (
            self.table,
            self.columns,
            self.conflict,
        )


class Inserts:
    """The queue of one unit of work's connection."""

    def __init__(self, connection: sa.Connection, dialect: str) -> None:
        self._db = connection
        self._postgresql = dialect == "postgresql"
        self._entries: list[_Entry] = []
        # The pooled connection's own dictionary, kept so that closing never touches a
        # connection that broke (its queue must not outlive the unit on the pooled one).
        self._info = connection.info
        self._info[_QUEUE] = self

    def add(self, table: sa.Table, rows: list[Row], conflict: Conflict | None = None) -> None:
        """Queue ``rows`` (each naming the same columns) for ``table``; ``conflict`` makes the
        exception raised when one breaks a constraint of the table."""
        if rows:
            self._entries.append(_Entry(table, list(rows), conflict))

    def flush(self, last: bool = False) -> None:
        """Send what is queued (nothing when the queue is empty); ``last``: the unit commits
        right after, so one statement that is its only write may commit itself."""
        if not self._entries:
            return
        entries, self._entries = self._entries, []
        if not self._postgresql:  # SQLite is in the process: a statement costs no round trip
            for entry in entries:
                self._send(entry)
            return
        groups = _groups(entries)
        if last and len(groups) == 1 and deferred(self._db):
            alone(self._db)
        for group in groups:
            self._send_together(group)

    def close(self) -> None:
        """Forget what is queued (the unit rolled back) and release the connection."""
        self._entries = []
        if self._info.get(_QUEUE) is self:
            del self._info[_QUEUE]

    def _send(self, entry: _Entry) -> None:
        try:
            self._db.execute(sa.insert(entry.table), entry.rows)
        except IntegrityError:
            if entry.conflict is None:
                raise
            raise entry.conflict() from None

    def _send_together(self, group: list[_Entry]) -> None:
        """One statement with one insert per table (in what order PostgreSQL runs the inserts
        of one statement is not defined, so a table's rows are one insert, in queue order)."""
        shape = tuple((e.table, e.columns) for e in group)
        parameters = {f"p{i}": jsoncodec.dumps(e.rows) for i, e in enumerate(group)}
        try:
            self._db.exec_driver_sql(_together(shape), parameters)
        except IntegrityError as error:
            table = getattr(getattr(error.orig, "diag", None), "table_name", None)
            for entry in group:
                if entry.table.name == table and entry.conflict is not None:
                    raise entry.conflict() from None
            raise


def _groups(entries: list[_Entry]) -> list[list[_Entry]]:
    """Consecutive runs of entries with at most one entry per table: an entry joins the one of
    its table in the run when it can, and starts a new run when it cannot."""
    groups: list[list[_Entry]] = []
    current: dict[sa.Table, _Entry] = {}
    for entry in entries:
        found = current.get(entry.table)
        if found is not None and found.joins(entry):
            found.rows.extend(entry.rows)
            continue
        if found is not None:
            groups.append(list(current.values()))
            current = {}
        current[entry.table] = entry
    groups.append(list(current.values()))
    return groups


@functools.lru_cache(maxsize=256)
def _together(shape: tuple[tuple[sa.Table, tuple[str, ...]], ...]) -> str:
    """One PostgreSQL statement inserting each table's rows, in the order given, from the JSON
    array bound to ``p<i>``; a JSON column given None holds JSON null, as SQLAlchemy writes."""
    dialect = _postgresql()
    quote = dialect.identifier_preparer.quote
    parts = []
    for index, (table, columns) in enumerate(shape):
        names = ", ".join(quote(name) for name in columns)
        typed = ", ".join(
            f"{quote(name)} {table.c[name].type.dialect_impl(dialect).compile(dialect=dialect)}"
            for name in columns
        )
        values = ", ".join(
            f"coalesce(r.{quote(name)}, 'null'::jsonb)"
            if _is_json(table.c[name])
            else f"r.{quote(name)}"
            for name in columns
        )
        parts.append(
            f"i{index} AS (INSERT INTO {quote(table.name)} ({names}) SELECT {values} "
            f"FROM ROWS FROM (jsonb_to_recordset(%(p{index})s::jsonb) AS ({typed})) "
            f"WITH ORDINALITY AS r({names}, n) ORDER BY r.n)"
        )
    return f"WITH {', '.join(parts)} SELECT 1"


def _is_json(column: sa.Column[Any]) -> bool:
    kind = column.type.dialect_impl(_postgresql())
    return isinstance(kind, sa.JSON) and not kind.none_as_null


@functools.cache
def _postgresql() -> sa.Dialect:
    from sqlalchemy.dialects import postgresql

    return postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]


def flush_queued(connection: sa.Connection) -> None:
    """Send the inserts queued on ``connection``, if a unit of work queued any."""
    queued: Inserts | None = connection.info.get(_QUEUE)
    if queued is not None:
        queued.flush()


def flush_before_statements(engine: sa.Engine) -> None:
    """Every statement on ``engine``'s connections runs after the inserts queued before it."""

    @event.listens_for(engine, "before_execute")
    def _before(connection: sa.Connection, *_: Any) -> None:
        flush_queued(connection)

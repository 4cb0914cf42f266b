"""One page of a document table for a TMF630 query, with the total number of matches.

A total is counted exactly up to the connection's ``exact_total_up_to`` execution option (set by
the unit of work from the database's setting); past it, on PostgreSQL, the planner's estimate is
given and marked as one, so a page of a large store never scans it to count. SQLite counts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from core.lru import LRU
from core.persistence.compiled import CompiledReads
from core.query.ast import Query
from core.query.sql import QueryCompiler

T = TypeVar("T")
EXACT_TOTAL_UP_TO = "exact_total_up_to"  # the execution option's name


class Found(NamedTuple, Generic[T]):
    """One page of matches and their total; ``exact`` is False when the total is an estimate."""

    items: list[T]
    total: int
    exact: bool = True


def list_page(
    connection: sa.Connection,
    table: sa.Table,
    compiler: QueryCompiler,
    query: Query,
    where: tuple[Any, ...] = (),
    columns: tuple[Any, ...] | None = None,
    reads: CompiledReads | None = None,
    key: Hashable | None = None,
) -> Found[Any]:
    """Rows of the page in the query's order (insertion order breaks ties) and the total;
    ``columns`` instead of the table's when given.

    The count rides in the page's own statement, so the two agree without a transaction; only
    a page past the end, and an estimate, take a statement of their own. With ``reads`` and a
    ``key`` naming the page (its table, ``where`` and ``columns`` included), the statement is
    built and compiled once and run on the driver's cursor.
    """
    cap = _cap(connection)

    def conditions() -> list[ColumnElement[bool]]:
        return [*where, *compiler.where(query.conditions)]

    if query.limit == 0:
        return Found([], *count_matches(connection, table, conditions()))

    def statement() -> sa.Select[Any]:
        order = [*compiler.order_by(query.sort), table.c.seq]
        matching = conditions()
        counted = _counted(table, matching, cap).correlate(None).scalar_subquery().label(_TOTAL)
        # The page's keys first, then its rows: PostgreSQL computes the select list of every
        # row an OFFSET skips, so a deep page would render each document before it.
        page = (
            sa.select(table.c.seq)
            .where(*matching)
            .order_by(*order)
            .offset(query.offset)
            .limit(query.limit)
            .subquery("page")
        )
        return (
            sa.select(*(columns or (table,)), counted)
            .join_from(table, page, table.c.seq == page.c.seq)
            .order_by(*order)
        )

    read = reads.get((key, cap), statement) if reads is not None and key is not None else None
    rows: Sequence[Any] = (
        read.rows(connection) if read is not None else connection.execute(statement()).all()
    )
    return _found(connection, table, query, rows, conditions, cap, key)


def quick_page(
    connection: sa.Connection, reads: CompiledReads, key: Hashable, query: Query
) -> Found[Any] | None:
    """The page ``list_page`` read under ``key``, when its compiled read was quick the last
    time: fit to run on an event loop. None when it was not, or when the total would need a
    statement of its own (a page past the end, an estimate not remembered)."""
    cap = _cap(connection)
    read = reads.peek((key, cap))
    if read is None or not read.quick or query.limit == 0:
        return None
    return _known(query, read.rows(connection), cap, key)


def _known(
    query: Query, rows: Sequence[Any], cap: int | None, key: Hashable | None
) -> Found[Any] | None:
    """The page's rows with their total (the rows' last column) when no statement is needed
    for it: exact up to the cap, a last page's, or an estimate remembered under ``key``."""
    if not rows:
        return Found([], 0, True) if query.offset == 0 else None
    total = int(rows[0][-1])
    if cap is None or total <= cap:
        return Found(list(rows), total, True)
    if len(rows) < query.limit:  # the last page: now the total is known
        return Found(list(rows), query.offset + len(rows), True)
    kept = _remembered(("page", key)) if key is not None else None
    if kept is None:
        return None
    return Found(list(rows), max(kept, cap + 1, query.offset + len(rows)), False)


def _found(
    connection: sa.Connection,
    table: sa.Table,
    query: Query,
    rows: Sequence[Any],
    conditions: Callable[[], list[ColumnElement[bool]]],
    cap: int | None,
    key: Hashable | None,
) -> Found[Any]:
    """The page with its total: counted for a page past the end, else past the cap the
    planner's estimate (remembered a while under ``key``: no statement built to plan it)."""
    known = _known(query, rows, cap, key)
    if known is not None:
        return known
    if not rows:
        return Found([], *count_matches(connection, table, conditions()))
    assert cap is not None  # an exact total is always known
    estimate = _planner_estimate(connection, _matches(table, conditions()))
    if key is not None:
        _ESTIMATES.put(("page", key), (time.monotonic(), estimate))
    return Found(list(rows), max(estimate, cap + 1, query.offset + len(rows)), False)


def count_matches(
    connection: sa.Connection, table: sa.Table, conditions: list[ColumnElement[bool]]
) -> tuple[int, bool]:
    """The number of matching rows, exact up to the cap; past it, PostgreSQL's estimate."""
    cap = _cap(connection)
    found = int(connection.execute(_counted(table, conditions, cap)).scalar_one())
    if cap is None or found <= cap:
        return found, True
    return max(_planner_estimate(connection, _matches(table, conditions)), cap + 1), False


_TOTAL = "tmf_total"


def _cap(connection: sa.Connection) -> int | None:
    """The exact-count limit on PostgreSQL; None (always exact) elsewhere, which has no estimate."""
    cap = connection.get_execution_options().get(EXACT_TOTAL_UP_TO)
    return int(cap) if cap is not None and connection.dialect.name == "postgresql" else None


def _matches(table: sa.Table, conditions: list[ColumnElement[bool]]) -> sa.Select[Any]:
    return sa.select(sa.literal(1)).select_from(table).where(*conditions)


def _counted(
    table: sa.Table, conditions: list[ColumnElement[bool]], cap: int | None
) -> sa.Select[Any]:
    """The count of matches, stopped one past ``cap`` (reading that many at most)."""
    if cap is None:
        return sa.select(sa.func.count()).select_from(table).where(*conditions)
    capped = _matches(table, conditions).correlate(None).limit(cap + 1).subquery()
    return sa.select(sa.func.count()).select_from(capped)


# Estimates asked again within this many seconds are answered from memory (per process): the
# planner's figure moves only when the table is analyzed, so a page of a large store costs no
# planning statement.
ESTIMATE_SECONDS = 10.0
_ESTIMATES: LRU[Hashable, tuple[float, int]] = LRU(1024)


def _remembered(key: Hashable) -> int | None:
    """An estimate asked under ``key`` less than ``ESTIMATE_SECONDS`` ago."""
    kept = _ESTIMATES.get(key)
    if kept is None or time.monotonic() - kept[0] >= ESTIMATE_SECONDS:
        return None
    return kept[1]


def _planner_estimate(connection: sa.Connection, statement: sa.Select[Any]) -> int:
    """The rows PostgreSQL's planner expects ``statement`` to return (no row is read)."""
    # The statement's structure and its values are the key: SQLAlchemy's cache key, cheaper
    # than compiling it (which a hit then never does).
    cache_key = statement._generate_cache_key()
    key = None
    if cache_key is not None:  # None: a statement SQLAlchemy cannot key, asked every time
        key = (cache_key.key, tuple(_hashable(b.effective_value) for b in cache_key.bindparams))
    now = time.monotonic()
    kept = _ESTIMATES.get(key) if key is not None else None
    if kept is not None and now - kept[0] < ESTIMATE_SECONDS:
        return kept[1]
    # IN lists expanded into their own parameters: the driver gets plain SQL text.
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params)
    document = plan.scalar_one()
    if isinstance(document, str):
        document = json.loads(document)
    estimate = int(document[0]["Plan"]["Plan Rows"])
    if key is not None:
        _ESTIMATES.put(key, (now, estimate))
    return estimate


def _hashable(value: Any) -> Any:
    """A bound value as part of a key: itself, or its JSON (IN lists, containment tests)."""
    try:
        hash(value)
    except TypeError:
        return json.dumps(value, sort_keys=True, default=str)
    return value

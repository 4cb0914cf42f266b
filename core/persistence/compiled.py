"""Hot reads compiled once and run as driver SQL.

A list page is one short statement, but building it with SQLAlchemy, walking it for the cache
key and processing its parameters and result metadata cost more than PostgreSQL takes to run
it. The same request (same conditions, sort and page) is compiled once, with its values bound,
and run on the driver's cursor; each run's duration is kept, so callers can tell quick reads
(worth running on the event loop) from slow ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import PoolProxiedConnection

from core.lru import LRU
from core.persistence.inserts import flush_queued

# A read that took less than this the last time it ran counts as quick.
QUICK_SECONDS = 0.005
_PLAIN = (str, int, float)
_NOT_PLAIN = object()


def _plain(value: Any, arrays: bool) -> Any:
    """``value`` as the driver takes it without the type's processing (on PostgreSQL a JSON
    path into the document is an array of names), or ``_NOT_PLAIN``."""
    if isinstance(value, _PLAIN):
        return value
    if arrays and isinstance(value, tuple | list) and all(isinstance(v, _PLAIN) for v in value):
        return list(value)
    return _NOT_PLAIN


class CompiledRead:
    """One SELECT with its bound values, in the dialect's SQL and parameter style."""

    def __init__(
        self,
        sql: str,
        parameters: dict[str, Any] | tuple[Any, ...],
        processors: Sequence[Callable[[Any], Any] | None] = (),
    ) -> None:
        self.sql = sql
        self.parameters = parameters
        self._processors = [(i, p) for i, p in enumerate(processors) if p is not None]
        self.seconds: float | None = None  # how long the last run took

    @classmethod
    def of(cls, statement: sa.Select[Any], dialect: sa.Dialect) -> CompiledRead | None:
        """The compiled read, or None when a value needs the type's own processing (a dict
        bound as JSON, say): such statements run through SQLAlchemy as usual."""
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        arrays = dialect.name == "postgresql"
        values = {name: _plain(v, arrays) for name, v in compiled.params.items()}
        if any(v is _NOT_PLAIN for v in values.values()):
            return None
        names = compiled.positiontup
        parameters = tuple(values[n] for n in names) if names is not None else dict(values)
        processors = [
            c.type.dialect_impl(dialect).result_processor(dialect, None)
            for c in statement.selected_columns
        ]
        return cls(str(compiled), parameters, processors)

    @property
    def quick(self) -> bool:
        return self.seconds is not None and self.seconds < QUICK_SECONDS

    def rows(self, connection: sa.Connection | PoolProxiedConnection) -> Sequence[tuple[Any, ...]]:
        """The rows as tuples in the order of the statement's columns, values as their types
        give them (JSON decoded, booleans as bool); on a unit's connection, or on a pooled
        driver connection."""
        started = time.perf_counter()
        if isinstance(connection, sa.Connection):
            flush_queued(connection)  # a unit's queued inserts come first, as for any statement
            driver: Any = connection.connection
        else:
            driver = connection
        cursor = driver.cursor()
        try:
            cursor.execute(self.sql, self.parameters)
            rows: Sequence[tuple[Any, ...]] = cursor.fetchall()
        finally:
            cursor.close()
        if self._processors:
            rows = [self._process(list(row)) for row in rows]
        self.seconds = time.perf_counter() - started
        return rows

    def _process(self, row: list[Any]) -> tuple[Any, ...]:
        for index, processor in self._processors:
            row[index] = processor(row[index])
        return tuple(row)


_MISSING: Any = object()  # not compiled yet (a read that cannot be compiled is stored as None)


class CompiledReads:
    """A thread-safe LRU of compiled reads by request key, for one dialect."""

    def __init__(self, dialect: sa.Dialect, size: int = 2048) -> None:
        self._dialect = dialect
        self._items: LRU[Hashable, CompiledRead | None] = LRU(size)

    def peek(self, key: Hashable) -> CompiledRead | None:
        """The read compiled for ``key`` earlier, if any (nothing is compiled here)."""
        return self._items.peek(key)

    def get(self, key: Hashable, build: Callable[[], sa.Select[Any]]) -> CompiledRead | None:
        """The read for ``key``, compiled from ``build()`` the first time (None: it cannot be
        compiled, which is remembered too)."""
        found = self._items.get(key, _MISSING)
        if found is not _MISSING:
            return found
        read = CompiledRead.of(build(), self._dialect)
        self._items.put(key, read)
        return read

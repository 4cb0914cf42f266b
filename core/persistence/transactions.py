"""A PostgreSQL write unit opens its transaction at its first write, not at its first read.

Placing an order reads a few rows, then writes everything in one statement (``inserts``).
Run as usual that is BEGIN, the reads, the write and COMMIT: two round trips that do nothing
but bracket. Under READ COMMITTED every statement sees what was committed when it began,
inside a transaction or not, so the reads run as their own statements (autocommit) and the
transaction is opened just before the first statement that writes or locks; a unit whose
only write is one statement sends it alone, which PostgreSQL commits as one transaction.
Only what runs through the unit's ``sa.Connection`` counts as a write; compiled reads, which
run on the driver's cursor, are SELECTs without locks.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

_DEFERRED = "tmf.deferred_begin"  # key in a connection's ``info`` while a unit defers
_ALONE = "alone"  # the next statement is the unit's only write: it commits itself


def applies(engine: sa.Engine) -> bool:
    """Only on PostgreSQL at READ COMMITTED (a server set to a stricter default keeps every
    read of a write unit inside its transaction)."""
    dialect = engine.dialect
    return dialect.name == "postgresql" and dialect.default_isolation_level == "READ COMMITTED"


def begin_at_first_write(engine: sa.Engine) -> None:
    """Every statement SQLAlchemy sends on ``engine``'s connections (driver SQL too, and the
    flush of queued inserts) opens a deferred transaction first."""

    @event.listens_for(engine, "before_cursor_execute")
    def _before(connection: sa.Connection, *_: Any) -> None:
        begin_if_deferred(connection)


def defer_begin(connection: sa.Connection) -> None:
    """Mark ``connection`` (in autocommit) to open its transaction at its first write."""
    connection.info[_DEFERRED] = True


def begin_if_deferred(connection: sa.Connection) -> None:
    """Open the deferred transaction before a statement runs (called for every statement)."""
    state = connection.info.get(_DEFERRED)
    if state is None or state == _ALONE:
        return
    del connection.info[_DEFERRED]
    driver: Any = connection.connection.driver_connection
    driver.autocommit = False  # psycopg sends BEGIN with the next statement


def deferred(connection: sa.Connection) -> bool:
    """Whether nothing has opened the unit's transaction yet (nothing written)."""
    return connection.info.get(_DEFERRED) is True


def alone(connection: sa.Connection) -> None:
    """The next statement is the unit's last and only write: let it commit itself."""
    connection.info[_DEFERRED] = _ALONE


def end(connection: sa.Connection) -> None:
    """After the unit committed: whatever it runs next is transactional again, as usual."""
    if connection.info.pop(_DEFERRED, None) is not None:
        driver: Any = connection.connection.driver_connection
        driver.autocommit = False


def forget(info: dict[Any, Any]) -> None:
    """Drop the mark when the unit ends (``info`` is the pooled connection's, kept by the
    unit, so a connection that broke is never touched)."""
    info.pop(_DEFERRED, None)

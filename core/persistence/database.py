"""The database handle: engine set up per dialect, and units of work on it."""

from __future__ import annotations

import importlib.util
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from core import jsoncodec
from core.persistence.catalog_cache import EntityCache
from core.persistence.compiled import CompiledReads
from core.persistence.counts import CountCache
from core.persistence.inserts import flush_before_statements
from core.persistence.repositories import GENERATION, GENERATION_KEY
from core.persistence.transactions import begin_at_first_write
from core.persistence.uow import UnitOfWork

CONNECT_TIMEOUT_SECONDS = 5  # PostgreSQL; a URL's own ``connect_timeout`` wins


def make_engine(url: str, **options: Any) -> sa.Engine:
    """An engine for SQLite (WAL, foreign keys, explicit BEGIN) or PostgreSQL (psycopg 3)."""
    options.setdefault("json_serializer", jsoncodec.dumps)  # documents written fast
    options.setdefault("json_deserializer", jsoncodec.loads)  # and read back fast
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgresql+psycopg:") and importlib.util.find_spec("psycopg") is None:
        raise ValueError("PostgreSQL needs its driver: pip install 'tmf-adapter[postgres]'")
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **options
        )
        _configure_sqlite(engine)
        flush_before_statements(engine)
        return engine
    if "connect_timeout" not in url:  # a silent host must not hold a thread for minutes
        connect_args = dict(options.pop("connect_args", {}))
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
        options["connect_args"] = connect_args
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 20)
    # No pre-ping: it costs a round trip per request; stale connections are recycled instead.
    options.setdefault("pool_recycle", 1800)
    engine = sa.create_engine(url, **options)
    begin_at_first_write(engine)
    flush_before_statements(engine)
    return engine


def _configure_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN so writers can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        # A writer that starts with a read would fail to upgrade under WAL; IMMEDIATE waits instead.
        mode = "IMMEDIATE" if connection.get_execution_options().get("write") else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """Owns the engine; hands out units of work."""

    def __init__(self, url: str, exact_total_up_to: int | None = 1_000, **options: Any) -> None:
        """``exact_total_up_to``: list totals past it are PostgreSQL's estimate (None: exact)."""
        self.url = url
        self.exact_total_up_to = exact_total_up_to
        self.engine = make_engine(url, **options)
        self.dialect = self.engine.dialect.name
        self.counts = CountCache()
        self.entities = EntityCache()
        self.reads = CompiledReads(self.engine.dialect)

    def catalog_generation(self) -> int | None:
        """The catalog's change counter, read on its own as cheaply as the driver allows: one
        autocommit statement on a pooled connection, no unit of work (every list asks it)."""
        read = self.reads.get(GENERATION_KEY, lambda: GENERATION)
        assert read is not None  # a constant statement always compiles
        pooled = self.engine.raw_connection()
        driver = pooled.driver_connection
        postgresql = self.dialect == "postgresql"
        try:
            if postgresql:
                driver.autocommit = True  # type: ignore[union-attr]  # psycopg
            rows = read.rows(pooled)
            if postgresql:
                driver.autocommit = False  # type: ignore[union-attr]  # as the pool lends it
        except Exception:
            pooled.invalidate()  # a broken or half-reset connection does not go back
            raise
        finally:
            pooled.close()
        return int(rows[0][0]) if rows else None

    def uow(self, write: bool = True, snapshot: bool = False) -> UnitOfWork:
        """A unit of work; ``write=False`` reads, ``snapshot`` makes several reads agree."""
        return UnitOfWork(
            self.engine,
            write=write,
            snapshot=snapshot,
            counts=self.counts,
            reads=self.reads,
            exact_total_up_to=self.exact_total_up_to,
            entities=self.entities,
        )

    def dispose(self) -> None:
        self.engine.dispose()

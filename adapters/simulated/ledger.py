"""The simulated systems' memory: every call and every side effect, in a database.

It lives outside the orchestrator's transactions, as a real system would, and survives the
worker processes, so tests can prove that no side effect ever happened twice.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from core.persistence.database import make_engine
from core.persistence.dialects import insert_for

REPEAT = "repeat"  # a call for a key whose side effect already happened: answered from memory
metadata = sa.MetaData()

sim_effect = sa.Table(
    "sim_effect",
    metadata,
    sa.Column("system", sa.String(20), primary_key=True),
    sa.Column("idempotency_key", sa.String(255), primary_key=True),
    sa.Column("operation", sa.String(60), nullable=False),
    sa.Column("order_id", sa.String(64)),
    sa.Column("target", sa.String(128)),
    sa.Column("reference", sa.String(64), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)

sim_call = sa.Table(
    "sim_call",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("system", sa.String(20), nullable=False),
    sa.Column("idempotency_key", sa.String(255), nullable=False),
    sa.Column("call", sa.String(60), nullable=False),  # the operation, or "status"
    sa.Column("answer", sa.String(30), nullable=False),
    sa.Index("ix_sim_call_key", "system", "idempotency_key"),
)


@dataclass(frozen=True)
class Effect:
    system: str
    key: str
    operation: str
    order_id: str | None
    target: str | None
    reference: str


class Ledger:
    """Side effects (one per system and idempotency key, ever) and calls, in their own tables."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        metadata.create_all(self.engine, checkfirst=True)

    @classmethod
    def at(cls, url: str) -> Ledger:
        return cls(make_engine(url))

    def effect(self, system: str, key: str) -> Effect | None:
        with self.engine.connect() as connection:
            return self._find_effect(connection, system, key)

    def look(self, system: str, key: str) -> tuple[Effect | None, int]:
        """The key's side effect, if it had one, and how many calls came for it (one read:
        every simulated call asks)."""
        calls = (
            sa.select(sa.func.count())
            .select_from(sim_call)
            .where(sim_call.c.system == system, sim_call.c.idempotency_key == key)
            .scalar_subquery()
        )
        one = sa.select(sa.literal(1).label("one")).subquery()
        found = sa.and_(sim_effect.c.system == system, sim_effect.c.idempotency_key == key)
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(calls.label("calls"), *sim_effect.c).select_from(
                    one.outerjoin(sim_effect, found)
                )
            ).one()
        return (_effect(row) if row.reference is not None else None), int(row.calls)

    def record_effect(self, effect: Effect, at: float, answer: str) -> bool:
        """Record a side effect and the call that made it, answered ``answer``; False when
        this key already had one (nothing is repeated: the call is recorded as a repeat)."""
        with self._writing() as connection:
            added = connection.execute(
                insert_for(connection, sim_effect)
                .values(
                    system=effect.system,
                    idempotency_key=effect.key,
                    operation=effect.operation,
                    order_id=effect.order_id,
                    target=effect.target,
                    reference=effect.reference,
                    at=at,
                )
                .on_conflict_do_nothing()
                .returning(sim_effect.c.reference)
            ).first()
            made = added is not None
            self._call(connection, effect.system, effect.key, effect.operation, answer, made)
        return made

    def record_call(self, system: str, key: str, call: str, answer: str) -> None:
        with self._writing() as connection:
            self._call(connection, system, key, call, answer)

    def calls(self, system: str, key: str) -> int:
        with self.engine.connect() as connection:
            return self._count_calls(connection, system, key)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sa.Connection]:
        """A transaction of the simulated systems' own. On PostgreSQL it commits without
        waiting for the disk: a real system's bookkeeping is not our database's durability to
        pay for (a commit survives any process of ours and of PostgreSQL's, not the machine)."""
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
            yield connection

    @staticmethod
    def _call(
        connection: sa.Connection, system: str, key: str, call: str, answer: str, made: bool = True
    ) -> None:
        connection.execute(
            sa.insert(sim_call).values(
                system=system, idempotency_key=key, call=call, answer=answer if made else REPEAT
            )
        )

    @staticmethod
    def _find_effect(connection: sa.Connection, system: str, key: str) -> Effect | None:
        row = connection.execute(
            sa.select(sim_effect).where(
                sim_effect.c.system == system, sim_effect.c.idempotency_key == key
            )
        ).first()
        return _effect(row) if row else None

    @staticmethod
    def _count_calls(connection: sa.Connection, system: str, key: str) -> int:
        found = connection.execute(
            sa.select(sa.func.count())
            .select_from(sim_call)
            .where(sim_call.c.system == system, sim_call.c.idempotency_key == key)
        ).scalar_one()
        return int(found)

    def effects(self, order_id: str | None = None) -> list[Effect]:
        statement = sa.select(sim_effect).order_by(sim_effect.c.at)
        if order_id is not None:
            statement = statement.where(sim_effect.c.order_id == order_id)
        with self.engine.connect() as connection:
            return [_effect(r) for r in connection.execute(statement)]

    def call_log(self) -> list[tuple[str, str, str, str]]:
        """(system, key, call, answer) of every call, in the order they came."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(sim_call).order_by(sim_call.c.seq))
            return [(r.system, r.idempotency_key, r.call, r.answer) for r in rows]

    def clear(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(sa.delete(sim_call))
            connection.execute(sa.delete(sim_effect))


def _effect(row: sa.Row[tuple[object, ...]]) -> Effect:
    m = row._mapping
    return Effect(
        str(m["system"]),
        str(m["idempotency_key"]),
        str(m["operation"]),
        m["order_id"],
        m["target"],
        str(m["reference"]),
    )


class MemoryLedger(Ledger):
    """The same memory in this process only: for one worker process (e.g. the benchmark,
    where the systems' own bookkeeping must not weigh on the orchestrator's figures)."""

    def __init__(self) -> None:  # no database
        self._lock = threading.Lock()
        self._effects: dict[tuple[str, str], Effect] = {}
        self._calls: list[tuple[str, str, str, str]] = []
        self._count: Counter[tuple[str, str]] = Counter()

    def effect(self, system: str, key: str) -> Effect | None:
        return self._effects.get((system, key))

    def look(self, system: str, key: str) -> tuple[Effect | None, int]:
        return self.effect(system, key), self.calls(system, key)

    def record_effect(self, effect: Effect, at: float, answer: str) -> bool:
        with self._lock:
            made = self._effects.setdefault((effect.system, effect.key), effect) is effect
        self.record_call(effect.system, effect.key, effect.operation, answer if made else REPEAT)
        return made

    def record_call(self, system: str, key: str, call: str, answer: str) -> None:
        with self._lock:
            self._calls.append((system, key, call, answer))
            self._count[(system, key)] += 1

    def calls(self, system: str, key: str) -> int:
        return self._count[(system, key)]

    def effects(self, order_id: str | None = None) -> list[Effect]:
        return [e for e in self._effects.values() if order_id in (None, e.order_id)]

    def call_log(self) -> list[tuple[str, str, str, str]]:
        return list(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._effects.clear()
            self._calls.clear()
            self._count.clear()

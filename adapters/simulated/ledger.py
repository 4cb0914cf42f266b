"""The simulated systems' memory: every call and every side effect, in a database.

It lives outside the orchestrator's transactions, as a real system would, and survives the
worker processes, so tests can prove that no side effect ever happened twice.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.persistence.database import make_engine

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
            row = connection.execute(
                sa.select(sim_effect).where(
                    sim_effect.c.system == system, sim_effect.c.idempotency_key == key
                )
            ).first()
        return _effect(row) if row else None

    def record_effect(self, effect: Effect, at: float) -> bool:
        """Record a side effect; False when this key already had one (nothing is repeated)."""
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    sa.insert(sim_effect).values(
                        system=effect.system,
                        idempotency_key=effect.key,
                        operation=effect.operation,
                        order_id=effect.order_id,
                        target=effect.target,
                        reference=effect.reference,
                        at=at,
                    )
                )
        except IntegrityError:
            return False
        return True

    def record_call(self, system: str, key: str, call: str, answer: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                sa.insert(sim_call).values(
                    system=system, idempotency_key=key, call=call, answer=answer
                )
            )

    def calls(self, system: str, key: str) -> int:
        with self.engine.connect() as connection:
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

    def record_effect(self, effect: Effect, at: float) -> bool:
        with self._lock:
            return self._effects.setdefault((effect.system, effect.key), effect) is effect

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

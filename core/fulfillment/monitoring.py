"""What operators watch: orders by state, orders stuck without progress, tasks in fallout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.persistence.database import Database
from core.ports import Clock, SystemClock
from core.timeutil import format_utc

# States in which an order should keep moving; one that does not for long is stuck.
MOVING = frozenset({"acknowledged", "inProgress", "held", "pendingCancellation"})


@dataclass(frozen=True)
class Health:
    orders_by_state: dict[str, int]
    stuck_orders: int
    tasks_by_status: dict[str, int]

    @property
    def fallout_rate(self) -> float:
        """Share of tasks on hold among all tasks not cancelled."""
        counted = {k: v for k, v in self.tasks_by_status.items() if k != "cancelled"}
        total = sum(counted.values())
        return counted.get("held", 0) / total if total else 0.0


def health(db: Database, stuck_after_seconds: float, clock: Clock | None = None) -> Health:
    before = format_utc((clock or SystemClock()).now() - timedelta(seconds=stuck_after_seconds))
    with db.uow(write=False, snapshot=True) as uow:
        return Health(
            uow.orders.count_by_state(),
            uow.orders.count_unchanged(MOVING, before),
            uow.tasks.count_by_status(),
        )

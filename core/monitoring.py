"""What operators watch: open orders and the stuck ones, the repair queue, the outbox and
hub backlogs, approval cases past their due time; read from backlogs only (cheap on any store)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.fulfillment.model import UNFINISHED
from core.ordering.states import ORDER_FINAL, ORDER_TRANSITIONS
from core.persistence.database import Database
from core.ports import Clock, SystemClock
from core.timeutil import format_utc, parse_datetime

OPEN_STATES = frozenset(ORDER_TRANSITIONS) - ORDER_FINAL
# Open states in which an order should keep moving; one that does not for long is stuck
# (``pending`` waits on the customer, by design).
MOVING = frozenset(
    {"acknowledged", "inProgress", "held", "assessingCancellation", "pendingCancellation"}
)


@dataclass(frozen=True)
class Snapshot:
    """One reading of every backlog; ages in seconds (0 when the backlog is empty)."""

    orders: dict[str, int]  # open orders by state
    stuck: dict[str, int]  # of those, unchanged past the threshold, by state (moving states)
    tasks: dict[str, int]  # unfinished tasks by status
    repair_queue: int
    repair_oldest_seconds: float
    outbox_unsent: int
    outbox_unsent_seconds: float
    outbox_unpublished: int | None  # None: no broker configured
    outbox_unpublished_seconds: float | None
    deliveries: dict[str, int]  # owed hub deliveries by status (waiting, pending, dead)
    deliveries_oldest_seconds: float  # the oldest still to be delivered (not dead)
    approvals_open: int
    approvals_overdue: int


def read(
    db: Database, stuck_after_seconds: float, broker: bool, clock: Clock | None = None
) -> Snapshot:
    """The backlogs now, in one consistent read."""
    now, before = _window(stuck_after_seconds, clock)
    with db.uow(write=False, snapshot=True) as uow:
        gauges = uow.gauges
        orders = gauges.open_orders(OPEN_STATES, before)
        tasks = gauges.open_tasks(UNFINISHED)
        unsent = gauges.outbox("sent_at")
        unpublished = gauges.outbox("published_at") if broker else None
        owed = gauges.owed_deliveries()
        approvals = gauges.approvals("open", format_utc(now))
    held = tasks.get("held", (0, None))
    moving = [b for status, b in owed.items() if status != "dead"]
    oldest_owed = min((b[1] for b in moving if b[1]), default=None)
    return Snapshot(
        orders={state: n for state, (n, _) in orders.items()},
        stuck={state: late for state, (_, late) in orders.items() if state in MOVING},
        tasks={status: n for status, (n, _) in tasks.items()},
        repair_queue=held[0],
        repair_oldest_seconds=_age(held[1], now),
        outbox_unsent=unsent[0],
        outbox_unsent_seconds=_age(unsent[1], now),
        outbox_unpublished=unpublished[0] if unpublished else None,
        outbox_unpublished_seconds=_age(unpublished[1], now) if unpublished else None,
        deliveries={status: n for status, (n, _) in owed.items()},
        deliveries_oldest_seconds=_age(oldest_owed, now),
        approvals_open=approvals[0],
        approvals_overdue=approvals[1],
    )


@dataclass(frozen=True)
class Overview:
    """What the console's overview shows; each count exact up to ``cap`` (``cap + 1``: more)."""

    orders: dict[str, int]  # open orders by state (states with none left out)
    stuck: dict[str, int]  # of those, unchanged past the threshold (moving states)
    repair_queue: int
    approvals_open: int
    approvals_overdue: int
    dead_letters: int
    cap: int


OVERVIEW_CAP = 10_000


def overview(
    db: Database, stuck_after_seconds: float, cap: int = OVERVIEW_CAP, clock: Clock | None = None
) -> Overview:
    """The overview's counts, each reading at most ``cap + 1`` index entries: as cheap on a
    million open orders as on ten (the exact gauges are ``read``, for /metrics)."""
    now, before = _window(stuck_after_seconds, clock)
    with db.uow(write=False, snapshot=True) as uow:
        n = uow.gauges.at_a_glance(OPEN_STATES, MOVING, before, format_utc(now), cap)
    by_state = {s: n[f"open:{s}"] for s in OPEN_STATES if n[f"open:{s}"]}
    return Overview(
        orders=by_state,
        stuck={s: n[f"stuck:{s}"] for s in MOVING if s in by_state},
        repair_queue=n["held"],
        approvals_open=n["approvals"],
        approvals_overdue=n["overdue"],
        dead_letters=n["dead"],
        cap=cap,
    )


def _window(stuck_after_seconds: float, clock: Clock | None) -> tuple[datetime, str]:
    """Now, and the last change before which an open order counts as stuck."""
    now = (clock or SystemClock()).now()
    return now, format_utc(now - timedelta(seconds=stuck_after_seconds))


def _age(oldest: str | None, now: datetime) -> float:
    """Seconds since ``oldest`` (0 when there is nothing)."""
    return max(0.0, (now - parse_datetime(oldest)).total_seconds()) if oldest else 0.0

"""Retention: delivered events, deliveries, consumed event ids, idempotency keys and the calls
of finished orders are removed once old; the evidence of every promise stays."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from core.errors import InvalidRequest
from core.ordering.states import ORDER_FINAL
from core.persistence.database import Database
from core.persistence.retention import rules
from core.ports import Clock, SystemClock
from core.timeutil import format_utc

BATCH = 1000
MINIMUM = timedelta(hours=1)  # younger idempotency keys still guard a client's retries
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``90m`` or ``3600s``; at least an hour."""
    found = re.fullmatch(r"\s*(\d+)\s*([dhms])\s*", text)
    if found is None:
        raise InvalidRequest(f"{text!r} is not an age such as 30d, 12h, 90m or 3600s")
    age = timedelta(**{_UNITS[found[2]]: int(found[1])})
    if age < MINIMUM:
        raise InvalidRequest("keep at least an hour: younger idempotency keys guard retries")
    return age


def prune(
    db: Database,
    older_than: timedelta,
    broker: bool,
    clock: Clock | None = None,
    batch: int = BATCH,
    on_batch: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Remove what may go, table by table, ``batch`` rows per transaction; rows removed each."""
    before = format_utc((clock or SystemClock()).now() - older_than)
    removed: dict[str, int] = {}
    for name, rule in rules(before, broker, ORDER_FINAL).items():
        removed[name] = 0
        while True:
            with db.uow() as uow:
                count = uow.retention.remove(rule, batch)
                uow.commit()
            removed[name] += count
            if on_batch is not None:
                on_batch(name, count)
            if count < batch:
                break
    return removed

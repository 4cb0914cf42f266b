"""One timestamp format: UTC, milliseconds, ``Z``; fixed width, so text order is time order."""

from __future__ import annotations

import random
from datetime import UTC, datetime


def format_utc(moment: datetime) -> str:
    """``2026-01-05T10:00:00.000Z`` for any aware (or naive-as-UTC) datetime."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    m = moment.astimezone(UTC)
    # Explicit padding: strftime("%Y") does not pad years below 1000 on every platform.
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}."
        f"{m.microsecond // 1000:03d}Z"
    )


def parse_datetime(text: str) -> datetime:
    """Parse RFC 3339 (``Z`` or an offset; a bare date is midnight UTC); ValueError if not."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def normalize(text: str) -> str:
    """Canonical form of a timestamp string; ValueError if it is not one."""
    return format_utc(parse_datetime(text))


def utc_now() -> str:
    """The current time in the one format."""
    return format_utc(datetime.now(UTC))


def backoff_seconds(attempts: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential, capped, with full jitter in its upper half (spreads retries out)."""
    return float(min(cap, base * 2 ** max(0, attempts - 1)) * rng.uniform(0.5, 1.0))

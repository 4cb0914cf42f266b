"""Timestamps: one fixed-width UTC form, so text order is time order."""

from __future__ import annotations

import pytest

from core.timeutil import normalize


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2026-01-05T11:00:00+01:00", "2026-01-05T10:00:00.000Z"),
        ("2026-01-05T10:00:00.123456Z", "2026-01-05T10:00:00.123Z"),
        ("2026-01-05", "2026-01-05T00:00:00.000Z"),
        ("0107-04-13T20:11:14.44Z", "0107-04-13T20:11:14.440Z"),
    ],
)
def test_normalized_to_fixed_width_utc(given: str, expected: str) -> None:
    assert normalize(given) == expected


@pytest.mark.parametrize("bad", ["tomorrow", "2026-13-01T00:00:00Z", ""])
def test_not_a_timestamp(bad: str) -> None:
    with pytest.raises(ValueError):
        normalize(bad)

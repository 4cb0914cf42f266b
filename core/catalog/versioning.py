"""Versions of released entities: what counts as a change of content, and the next label."""

from __future__ import annotations

from typing import Any

# A lifecycle move or its reason is a change of state, not of content: no new version.
STATE_ATTRIBUTES = {"lifecycleStatus", "statusReason", "lastUpdate", "version", "href"}


def content_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when anything other than the state attributes differs."""
    keys = (set(old) | set(new)) - STATE_ATTRIBUTES
    return any(old.get(k) != new.get(k) for k in keys)


def next_version(current: str, taken: set[str]) -> str:
    """``1.0`` -> ``1.1``, ``2`` -> ``3``, ``v1`` -> ``v1.1``; never one that is taken."""
    head, _, last = current.rpartition(".")
    if last.isdigit():
        candidate = f"{head}.{int(last) + 1}" if head else str(int(last) + 1)
    else:
        candidate = f"{current}.1"
    while candidate in taken:
        candidate = next_version(candidate, set())
    return candidate

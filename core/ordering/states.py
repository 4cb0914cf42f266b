"""The TMF622 v4 state machines of orders, order items and cancellation requests, as tables."""

from __future__ import annotations

from collections.abc import Mapping

from core.errors import Conflict

# Not yet started: nothing has been done outside this server, so a cancel needs no compensation.
NOT_STARTED = frozenset({"acknowledged", "pending"})

ORDER_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "acknowledged": frozenset(
        {"inProgress", "rejected", "pending", "held", "assessingCancellation"}
    ),
    "pending": frozenset({"acknowledged", "inProgress", "rejected", "assessingCancellation"}),
    "held": frozenset({"inProgress", "failed", "assessingCancellation"}),
    "inProgress": frozenset(
        {"completed", "partial", "failed", "held", "pending", "assessingCancellation"}
    ),
    # The assessment ends in a cancellation, or the order goes back where it stood.
    "assessingCancellation": frozenset(
        {"pendingCancellation", "acknowledged", "pending", "held", "inProgress"}
    ),
    "pendingCancellation": frozenset({"cancelled"}),
    "rejected": frozenset(),
    "cancelled": frozenset(),
    "completed": frozenset(),
    "failed": frozenset(),
    "partial": frozenset(),
}

# Items follow the order's table; "partial" exists only for a whole order.
ITEM_TRANSITIONS: Mapping[str, frozenset[str]] = {
    state: targets - {"partial"}
    for state, targets in ORDER_TRANSITIONS.items()
    if state != "partial"
}

CANCEL_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "acknowledged": frozenset({"inProgress", "terminatedWithError"}),
    "inProgress": frozenset({"done", "terminatedWithError"}),
    "done": frozenset(),
    "terminatedWithError": frozenset(),
}

ORDER_FINAL = frozenset(s for s, targets in ORDER_TRANSITIONS.items() if not targets)
CANCEL_OPEN = frozenset({"acknowledged", "inProgress"})


def check(table: Mapping[str, frozenset[str]], what: str, old: str, new: str) -> None:
    """Refuse a move the table does not allow (409), naming the moves that are allowed."""
    allowed = table.get(old)
    if allowed is None:
        raise Conflict(f"{what} is in an unknown state {old!r}", "Illegal state transition")
    if new not in allowed:
        targets = ", ".join(sorted(allowed)) or "none (final state)"
        raise Conflict(
            f"{what} cannot move from {old!r} to {new!r}; allowed: {targets}",
            "Illegal state transition",
        )

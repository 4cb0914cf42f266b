"""The lifecycle state machine of catalog entities, configurable as data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import Conflict, InvalidRequest


@dataclass(frozen=True)
class LifecyclePolicy:
    """States, allowed transitions, which states are released (history kept) and sellable."""

    states: tuple[str, ...]
    transitions: Mapping[str, frozenset[str]]
    released: frozenset[str]
    sellable: frozenset[str]

    @property
    def initial(self) -> str:
        return self.states[0]

    def canonical(self, name: str) -> str:
        """The configured spelling of a state, matched case-insensitively; 400 if unknown."""
        for state in self.states:
            if state.lower() == name.strip().lower():
                return state
        raise InvalidRequest(
            f"lifecycleStatus {name!r} is not one of: {', '.join(self.states)}",
            "Unknown lifecycle status",
        )

    def check_transition(self, kind: str, entity_id: str, old: str, new: str) -> None:
        """Refuse a move the policy does not allow (409), naming the allowed ones."""
        if old == new or old not in self.transitions:
            return
        allowed = self.transitions[old]
        if new not in allowed:
            targets = ", ".join(sorted(allowed)) or "none (final state)"
            raise Conflict(
                f"{kind} {entity_id!r} cannot move from {old!r} to {new!r}; allowed: {targets}",
                "Illegal lifecycle transition",
            )

    def is_released(self, state: str | None) -> bool:
        return state in self.released

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> LifecyclePolicy:
        """Build from ``{states, transitions: {state: [targets]}, released, sellable}``."""
        states = tuple(data["states"])
        transitions = {s: frozenset(data.get("transitions", {}).get(s, [])) for s in states}
        for source, targets in transitions.items():
            unknown = targets - set(states)
            if unknown:
                raise ValueError(f"lifecycle: {source!r} moves to unknown states {sorted(unknown)}")
        released = frozenset(data.get("released", []))
        sellable = frozenset(data.get("sellable", []))
        if not released <= set(states) or not sellable <= set(states):
            raise ValueError("lifecycle: released and sellable must name configured states")
        return cls(states, transitions, released, sellable)


DEFAULT_LIFECYCLE = LifecyclePolicy.from_mapping(
    {
        "states": [
            "In Study",
            "In Design",
            "In Test",
            "Active",
            "Launched",
            "Retired",
            "Obsolete",
            "Rejected",
        ],
        "transitions": {
            "In Study": ["In Design", "Rejected"],
            "In Design": ["In Study", "In Test", "Rejected"],
            "In Test": ["In Design", "Active", "Rejected"],
            "Active": ["Launched", "Retired"],
            "Launched": ["Retired"],
            "Retired": ["Launched", "Obsolete"],
            "Obsolete": [],
            "Rejected": ["In Study"],
        },
        "released": ["Active", "Launched", "Retired", "Obsolete"],
        "sellable": ["Active", "Launched"],
    }
)

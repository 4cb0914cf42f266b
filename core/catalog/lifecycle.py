"""The lifecycle state machine of catalog entities, configurable as data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import Conflict, InvalidRequest


@dataclass(frozen=True)
class LifecyclePolicy:
    """States, allowed transitions, which states are released (history kept), sellable, and
    end of life (products of such an offering may still be deleted, no longer modified)."""

    states: tuple[str, ...]
    transitions: Mapping[str, frozenset[str]]
    released: frozenset[str]
    sellable: frozenset[str]
    end_of_life: frozenset[str] = frozenset()

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

    def is_end_of_life(self, state: str | None) -> bool:
        return state in self.end_of_life

    def retirements(self, state: str | None) -> list[str]:
        """The states a released, sellable entity may move to that stop its sale (where to
        send an entity that cannot be deleted)."""
        if state not in self.sellable:
            return []
        return sorted(
            t
            for t in self.transitions.get(state, frozenset())
            if t in self.released and t not in self.sellable
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> LifecyclePolicy:
        """Build from ``{states, transitions: {state: [targets]}, released, sellable,
        end_of_life}``."""
        states = tuple(data["states"])
        transitions = {s: frozenset(data.get("transitions", {}).get(s, [])) for s in states}
        for source, targets in transitions.items():
            unknown = targets - set(states)
            if unknown:
                raise ValueError(f"lifecycle: {source!r} moves to unknown states {sorted(unknown)}")
        released = frozenset(data.get("released", []))
        sellable = frozenset(data.get("sellable", []))
        end_of_life = frozenset(data.get("end_of_life", []))
        if not released | sellable | end_of_life <= set(states):
            raise ValueError(
                "lifecycle: released, sellable and end_of_life must name configured states"
            )
        if end_of_life & sellable:
            raise ValueError("lifecycle: a state cannot be both sellable and end_of_life")
        return cls(states, transitions, released, sellable, end_of_life)


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
        "end_of_life": ["Obsolete"],
    }
)

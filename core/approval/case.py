"""An approval case: what policy asks of one priced order, and the decisions bound to that price."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.approval.policy import Policy, Rule
from core.errors import Conflict, Forbidden, InvalidRequest

OPEN, APPROVED, REJECTED, CHANGE_REQUESTED = "open", "approved", "rejected", "changeRequested"
DECISIONS = {"approve": APPROVED, "reject": REJECTED, "requestChange": CHANGE_REQUESTED}


@dataclass
class ApprovalCase:
    """The roles a priced order needs, bound to its snapshot fingerprint and policy version."""

    id: str
    order_id: str
    fingerprint: str
    policy_version: str
    requester: str | None
    rules: list[dict[str, str]]
    slots: list[list[str]]  # each filled by a different approver holding one of its roles
    opened_at: str
    due_at: str | None
    status: str = OPEN
    decisions: list[dict[str, Any]] = field(default_factory=list)
    row_version: int = 1

    @classmethod
    def open(
        cls,
        case_id: str,
        order_id: str,
        fingerprint: str,
        policy: Policy,
        fired: list[Rule],
        requester: str | None,
        now: str,
    ) -> ApprovalCase:
        escalations = [r.escalate_after for r in fired if r.escalate_after is not None]
        due = (
            (_parse(now) + min(escalations)).isoformat(timespec="milliseconds")
            if escalations
            else None
        )
        return cls(
            case_id,
            order_id,
            fingerprint,
            policy.version,
            requester,
            [{"id": r.id, "description": r.description} for r in fired],
            [sorted(slot) for slot in policy.slots(fired)],
            now,
            due.replace("+00:00", "Z") if due else None,
        )

    @property
    def current(self) -> list[dict[str, Any]]:
        """Decisions that still count: those made on the price as it is now."""
        return [d for d in self.decisions if d["fingerprint"] == self.fingerprint]

    def open_slots(self) -> list[list[str]]:
        filled = [d["slot"] for d in self.current if d["decision"] == "approve"]
        left = list(self.slots)
        for slot in filled:
            if slot in left:
                left.remove(slot)
        return left

    def decide(
        self,
        actor: str | None,
        roles: frozenset[str],
        decision: str,
        reason: str,
        fingerprint: str,
        now: str,
    ) -> None:
        """Record one decision, if this actor may make it on this price now."""
        if decision not in DECISIONS:
            raise InvalidRequest(
                f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}"
            )
        if not actor:
            raise Forbidden("a decision needs an authenticated actor", "No actor")
        if not reason.strip():
            raise InvalidRequest("a decision needs a reason")
        if self.status != OPEN:
            raise Conflict(f"approval case {self.id!r} is already {self.status}", "Already decided")
        if fingerprint != self.fingerprint:
            raise Conflict(
                f"the order was priced again: the case is now for {self.fingerprint}, not "
                f"{fingerprint}; read it again before deciding",
                "Stale price",
            )
        if actor == self.requester:
            raise Forbidden(
                f"{actor!r} asked for this discount and cannot decide on it", "Separation of duties"
            )
        if any(d["actor"] == actor for d in self.current):
            raise Forbidden(
                f"{actor!r} has already decided on this case: one person fills one role",
                "Separation of duties",
            )
        needed = self.open_slots() if decision == "approve" else self.slots
        slot = next((s for s in needed if roles & set(s)), None)
        if slot is None:
            wanted = sorted({r for s in needed for r in s})
            raise Forbidden(
                f"{actor!r} holds none of the roles this case still needs ({', '.join(wanted)})",
                "Not an approver",
            )
        self.decisions.append(
            {
                "actor": actor,
                "roles": sorted(roles),
                "slot": slot,
                "decision": decision,
                "reason": reason,
                "fingerprint": fingerprint,
                "policyVersion": self.policy_version,
                "at": now,
            }
        )
        if decision != "approve":
            self.status = DECISIONS[decision]
        elif not self.open_slots():
            self.status = APPROVED

    def reopen(self, fingerprint: str, policy: Policy, fired: list[Rule], now: str) -> None:
        """The order was priced again: earlier decisions no longer count; the case starts over."""
        self.fingerprint = fingerprint
        self.policy_version = policy.version
        self.rules = [{"id": r.id, "description": r.description} for r in fired]
        self.slots = [sorted(slot) for slot in policy.slots(fired)]
        self.status = OPEN
        self.opened_at = now

    def to_document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "orderId": self.order_id,
            "status": self.status,
            "fingerprint": self.fingerprint,
            "policyVersion": self.policy_version,
            "requester": self.requester,
            "rules": self.rules,
            "requiredRoles": self.slots,
            "openRoles": self.open_slots() if self.status == OPEN else [],
            "decisions": self.decisions,
            "openedAt": self.opened_at,
            "dueAt": self.due_at,
        }

    @classmethod
    def from_document(cls, document: dict[str, Any], row_version: int) -> ApprovalCase:
        return cls(
            document["id"],
            document["orderId"],
            document["fingerprint"],
            document["policyVersion"],
            document.get("requester"),
            list(document["rules"]),
            [list(s) for s in document["requiredRoles"]],
            document["openedAt"],
            document.get("dueAt"),
            document["status"],
            list(document["decisions"]),
            row_version,
        )


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))

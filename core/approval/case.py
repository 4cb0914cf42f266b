"""An approval case: what policy asks of one priced order, and the decisions bound to that price."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.approval.policy import Policy, Rule
from core.errors import Conflict, Forbidden, InvalidRequest

OPEN, APPROVED, REJECTED, CHANGE_REQUESTED = "open", "approved", "rejected", "changeRequested"
WITHDRAWN = "withdrawn"  # its order was deleted before anyone decided
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
    delegations: list[dict[str, Any]] = field(default_factory=list)  # user to user, this case
    escalations: list[dict[str, Any]] = field(default_factory=list)
    withdrawal: dict[str, Any] | None = None  # who withdrew it, when and why

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
            _rules(fired),
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
        refused = self.refusal(actor, roles, decision)
        if refused is not None:
            raise refused
        lent = self.delegated_to(actor)
        roles = roles | frozenset(r for d in lent for r in d["roles"])
        needed = self.open_slots() if decision == "approve" else self.slots
        slot = next(s for s in needed if roles & set(s))
        self.decisions.append(
            {
                "actor": actor,
                "roles": sorted(roles),
                "slot": slot,
                "decision": decision,
                "reason": reason,
                "fingerprint": fingerprint,
                "policyVersion": self.policy_version,
                "onBehalfOf": sorted({d["from"] for d in lent}),
                "at": now,
            }
        )
        if decision != "approve":
            self.status = DECISIONS[decision]
        elif not self.open_slots():
            self.status = APPROVED

    def refusal(
        self, actor: str | None, roles: frozenset[str], decision: str = "approve"
    ) -> Forbidden | None:
        """Why ``actor`` may not make ``decision`` on this case (None: they may): the rules of
        separation of duties and of roles, as a decision and the console both apply them."""
        if not actor:
            return Forbidden("a decision needs an authenticated actor", "No actor")
        if actor == self.requester:
            return Forbidden(
                f"{actor!r} asked for this discount and cannot decide on it", "Separation of duties"
            )
        if any(d["actor"] == actor for d in self.current):
            return Forbidden(
                f"{actor!r} has already decided on this case: one person fills one role",
                "Separation of duties",
            )
        lent = self.delegated_to(actor)
        roles = roles | frozenset(r for d in lent for r in d["roles"])
        needed = self.open_slots() if decision == "approve" else self.slots
        if not any(roles & set(s) for s in needed):
            wanted = sorted({r for s in needed for r in s})
            return Forbidden(
                f"{actor!r} holds none of the roles this case still needs ({', '.join(wanted)})",
                "Not an approver",
            )
        return None

    def delegated_to(self, user: str) -> list[dict[str, Any]]:
        """The delegations that reach ``user``, directly or through others."""
        reached, found, frontier = {user}, [], [user]
        while frontier:
            target = frontier.pop()
            for delegation in self.delegations:
                if delegation["to"] == target and delegation["from"] not in reached:
                    reached.add(delegation["from"])
                    found.append(delegation)
                    frontier.append(delegation["from"])
        return found

    def delegate(
        self, actor: str | None, roles: frozenset[str], to: str, reason: str, now: str
    ) -> None:
        """Let ``to`` decide in the actor's place, with the roles of the case the actor holds."""
        if not actor:
            raise Forbidden("a delegation needs an authenticated actor", "No actor")
        if not to.strip() or to == actor:
            raise InvalidRequest("delegate to another user")
        if not reason.strip():
            raise InvalidRequest("a delegation needs a reason")
        if self.status != OPEN:
            raise Conflict(f"approval case {self.id!r} is already {self.status}", "Already decided")
        if self.requester in (actor, to):
            raise Forbidden(
                f"{self.requester!r} asked for this discount: it can be neither delegated by nor "
                "to them",
                "Separation of duties",
            )
        if any(d["from"] == to for d in self.delegated_to(actor)):
            raise Conflict(
                f"{to!r} delegated this case to {actor!r}: delegating it back makes a cycle",
                "Cycle of delegation",
            )
        held = sorted({r for slot in self.open_slots() for r in slot} & roles)
        held += sorted({r for d in self.delegated_to(actor) for r in d["roles"]} - set(held))
        if not held:
            raise Forbidden(
                f"{actor!r} holds none of the roles this case still needs", "Not an approver"
            )
        self.delegations.append(
            {"from": actor, "to": to, "roles": held, "reason": reason, "at": now}
        )

    def escalate(self, now: str) -> bool:
        """Past its due time, the roles its rules escalate to may fill every open slot."""
        if self.status != OPEN or self.due_at is None or self.due_at > now:
            return False
        extra = sorted({r for rule in self.rules for r in rule.get("escalateTo") or []})
        still_open = self.open_slots()
        widened = []
        for slot in self.slots:
            if slot in still_open:  # filled slots stay as they were filled
                still_open.remove(slot)
                slot = sorted(set(slot) | set(extra))
            widened.append(slot)
        self.slots = widened
        self.escalations.append({"at": now, "dueAt": self.due_at, "addedRoles": extra})
        self.due_at = None
        return True

    def withdraw(self, actor: str | None, reason: str, now: str) -> bool:
        """Close a case still waiting for a decision (its order is gone); whether it was."""
        if self.status not in (OPEN, CHANGE_REQUESTED):
            return False
        self.status = WITHDRAWN
        self.due_at = None
        self.withdrawal = {"at": now, "actor": actor, "reason": reason}
        return True

    def reopen(self, fingerprint: str, policy: Policy, fired: list[Rule], now: str) -> None:
        """The order was priced again: earlier decisions no longer count; the case starts over."""
        self.fingerprint = fingerprint
        self.policy_version = policy.version
        self.rules = _rules(fired)
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
            "delegations": self.delegations,
            "escalations": self.escalations,
            **({"withdrawal": self.withdrawal} if self.withdrawal else {}),
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
            list(document.get("delegations") or []),
            list(document.get("escalations") or []),
            document.get("withdrawal"),
        )


def _rules(fired: list[Rule]) -> list[dict[str, Any]]:
    return [
        {"id": r.id, "description": r.description, "escalateTo": list(r.escalate_to)} for r in fired
    ]


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))

"""Approval use cases: cases as approvers see them, and the decisions that move orders on."""

from __future__ import annotations

from typing import Any

from core import tracing
from core.approval import events
from core.approval.case import APPROVED, DECISIONS, OPEN, REJECTED, ApprovalCase
from core.approval.policy import Policy
from core.errors import Forbidden, NotFound
from core.events.model import Change
from core.ordering.model import Stamp
from core.ordering.service import OrderingService
from core.persistence.uow import UnitOfWork
from core.requests import RequestContext


class ApprovalService:
    """Cases as approvers see them, and their decisions, which move the order on."""

    def __init__(self, ordering: OrderingService) -> None:
        self.ordering = ordering  # it owns orders: their clock, ids and events

    def get(self, case_id: str) -> ApprovalCase:
        with self.ordering.db.uow(write=False) as uow:
            return self._case(uow, case_id)

    def of_order(self, order_id: str) -> ApprovalCase | None:
        """The approval case of an order, if its price ever needed one."""
        with self.ordering.db.uow(write=False) as uow:
            return uow.approvals.of_order(order_id)

    def with_snapshot(self, case_id: str) -> tuple[ApprovalCase, dict[str, Any] | None]:
        """A case and the price snapshot it is about (its order's, even a deleted one's)."""
        with self.ordering.db.uow(write=False) as uow:
            case = self._case(uow, case_id)
            return case, uow.orders.snapshot(case.order_id)

    def listing(
        self,
        status: str | None = None,
        role: str | None = None,
        overdue: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ApprovalCase]:
        """One page of cases by due time (``limit`` read from ``offset``), then filtered."""
        now = self.ordering.now()
        with self.ordering.db.uow(write=False) as uow:
            cases = uow.approvals.listing(status, limit, offset)
        if role:
            cases = [c for c in cases if any(role in slot for slot in c.slots)]
        if overdue:
            cases = [
                c for c in cases if c.status == OPEN and c.due_at is not None and c.due_at < now
            ]
        return cases

    @tracing.traced("approval.decide")
    def decide(
        self, case_id: str, decision: str, reason: str, fingerprint: str, ctx: RequestContext
    ) -> ApprovalCase:
        """Record a decision; the last approval releases the order, a rejection ends it."""
        now = self.ordering.now()
        with self.ordering.db.uow() as uow:
            case = self._case(uow, case_id)
            case.decide(ctx.actor, self._acting(uow, ctx), decision, reason, fingerprint, now)
            uow.approvals.update(case)
            change: Change = "StateChange" if case.status != OPEN else "AttributeValueChange"
            events.record(uow, change, case, self.ordering.ids.new_id(), now, ctx.correlation_id)
            if case.status in (APPROVED, REJECTED):
                order = uow.orders.get(case.order_id)
                if order is None:
                    raise NotFound("productOrder", case.order_id)
                target = "acknowledged" if case.status == APPROVED else "rejected"
                stamp = Stamp(
                    now,
                    f"approval case {case.id} {case.status}: {reason}",
                    ctx.actor,
                    ctx.correlation_id,
                )
                order.move_items(target, stamp)
                order.move(target, stamp)
                order.row_version += 1
                uow.orders.update(order, now)
                uow.timeline.add(order.timeline)
                for document in order.state_changes:
                    self.ordering.emit(uow, "productOrder", "StateChange", document, now, ctx)
            uow.commit()
        return case

    def refusals(self, case: ApprovalCase, ctx: RequestContext) -> dict[str, Forbidden | None]:
        """Per decision, why the caller may not make it on ``case`` (None: they may), judged
        as ``decide`` judges it: their roles and those their deputies stand in for."""
        with self.ordering.db.uow(write=False) as uow:
            roles = self._acting(uow, ctx)
        return {d: case.refusal(ctx.actor, roles, d) for d in DECISIONS}

    def delegate(self, case_id: str, to: str, reason: str, ctx: RequestContext) -> ApprovalCase:
        """Let another user decide in the caller's place on this case."""
        now = self.ordering.now()
        with self.ordering.db.uow() as uow:
            case = self._case(uow, case_id)
            case.delegate(ctx.actor, self._acting(uow, ctx), to, reason, now)
            uow.approvals.update(case)
            events.record(
                uow,
                "AttributeValueChange",
                case,
                self.ordering.ids.new_id(),
                now,
                ctx.correlation_id,
            )
            uow.commit()
        return case

    def escalate_overdue(self) -> int:
        """Widen the open cases past their due time to the roles their rules escalate to."""
        now = self.ordering.now()
        escalated = 0
        with self.ordering.db.uow() as uow:
            for case in uow.approvals.listing(OPEN, limit=500):
                if case.escalate(now):
                    uow.approvals.update(case)
                    events.record(
                        uow, "AttributeValueChange", case, self.ordering.ids.new_id(), now, None
                    )
                    escalated += 1
            uow.commit()
        return escalated

    def _acting(self, uow: UnitOfWork, ctx: RequestContext) -> frozenset[str]:
        """The caller's roles and those the policy's deputies stand in for."""
        policy = self.ordering.policies.current(uow)
        return policy.acting_roles(ctx.roles) if policy else ctx.roles

    def policy(self) -> Policy | None:
        with self.ordering.db.uow(write=False) as uow:
            return self.ordering.policies.current(uow)

    def replace_policy(self, document: Any, ctx: RequestContext) -> Policy:
        """Put a new policy version in force; it needs an actor, as every change of promise does."""
        if not ctx.actor:
            raise Forbidden("changing the approval policy needs an authenticated actor", "No actor")
        with self.ordering.db.uow() as uow:
            policy = self.ordering.policies.replace(uow, document, ctx.actor, self.ordering.now())
            uow.commit()
        return policy

    @staticmethod
    def _case(uow: UnitOfWork, case_id: str) -> ApprovalCase:
        case = uow.approvals.get(case_id)
        if case is None:
            raise NotFound("approvalCase", case_id)
        return case

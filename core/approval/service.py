"""Approval use cases: cases as approvers see them, and the decisions that move orders on."""

from __future__ import annotations

from core.approval.case import APPROVED, OPEN, REJECTED, ApprovalCase
from core.errors import NotFound
from core.ordering.model import Stamp
from core.ordering.service import OrderingService
from core.requests import RequestContext


class ApprovalService:
    """Cases as approvers see them, and their decisions, which move the order on."""

    def __init__(self, ordering: OrderingService) -> None:
        self.ordering = ordering  # it owns orders: their clock, ids and events

    def get(self, case_id: str) -> ApprovalCase:
        with self.ordering.db.uow(write=False) as uow:
            case = uow.approvals.get(case_id)
        if case is None:
            raise NotFound("approvalCase", case_id)
        return case

    def listing(
        self, status: str | None = None, role: str | None = None, overdue: bool = False
    ) -> list[ApprovalCase]:
        now = self.ordering.now()
        with self.ordering.db.uow(write=False) as uow:
            cases = uow.approvals.listing(status)
        if role:
            cases = [c for c in cases if any(role in slot for slot in c.slots)]
        if overdue:
            cases = [
                c for c in cases if c.status == OPEN and c.due_at is not None and c.due_at < now
            ]
        return cases

    def decide(
        self, case_id: str, decision: str, reason: str, fingerprint: str, ctx: RequestContext
    ) -> ApprovalCase:
        """Record a decision; the last approval releases the order, a rejection ends it."""
        now = self.ordering.now()
        with self.ordering.db.uow() as uow:
            case = uow.approvals.get(case_id)
            if case is None:
                raise NotFound("approvalCase", case_id)
            case.decide(ctx.actor, ctx.roles, decision, reason, fingerprint, now)
            uow.approvals.update(case)
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

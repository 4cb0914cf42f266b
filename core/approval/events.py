"""Approval facts as events of our own (not TMF notifications): a case opened, decided, reopened."""

from __future__ import annotations

from core.approval.case import ApprovalCase
from core.events.model import Change, DomainEvent, resource_event
from core.persistence.uow import UnitOfWork

DOMAIN = "approval"  # not a TMF API: hubs do not get these; NATS does, as io.tmf-adapter types
KIND = "approvalCase"


def record(
    uow: UnitOfWork,
    change: Change,
    case: ApprovalCase,
    event_id: str,
    now: str,
    correlation_id: str | None,
) -> None:
    """Write the event to the outbox, in the transaction of the change."""
    uow.outbox.add(approval_event(change, case, event_id, now, correlation_id))


def approval_event(
    change: Change, case: ApprovalCase, event_id: str, now: str, correlation_id: str | None
) -> DomainEvent:
    return resource_event(
        resource_kind=KIND,
        change=change,
        document=case.to_document(),
        event_id=event_id,
        occurred_at=now,
        correlation_id=correlation_id,
        domain=DOMAIN,
    )

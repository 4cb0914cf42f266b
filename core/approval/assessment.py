"""Assessing a priced order against policy, in the transaction that stores the order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from core.approval import events
from core.approval.case import OPEN, ApprovalCase
from core.approval.facts import from_snapshot
from core.approval.policy import Policy, Rule
from core.ordering.model import JsonObject, ProductOrder
from core.persistence.uow import UnitOfWork
from core.requests import RequestContext

NOT_NEEDED = "notNeeded"  # a change of price left nothing for any rule to ask


@dataclass(frozen=True)
class Assessment:
    """What policy says of one priced order."""

    policy: Policy
    fired: list[Rule]

    @property
    def needed(self) -> bool:
        return bool(self.fired)

    def summary(self) -> str:
        return ", ".join(rule.id for rule in self.fired)


def assess(
    policy: Policy,
    snapshot: JsonObject,
    document: JsonObject,
    categories: dict[str, frozenset[str]],
    roles: Iterable[str],
) -> Assessment:
    """The rules the order's promise triggers (none: no approval needed)."""
    return Assessment(policy, policy.fired(from_snapshot(snapshot, document, categories, roles)))


def open_case(
    uow: UnitOfWork,
    new_id: Callable[[], str],
    order: ProductOrder,
    assessment: Assessment,
    ctx: RequestContext,
    now: str,
) -> ApprovalCase:
    """Open the case of a new pending order, in the transaction that stores the order."""
    fingerprint = str((order.snapshot or {}).get("fingerprint"))
    case = ApprovalCase.open(
        new_id(), order.id, fingerprint, assessment.policy, assessment.fired, ctx.actor, now
    )
    uow.approvals.add(case)
    events.record(uow, "Create", case, new_id(), now, ctx.correlation_id)
    return case


def repriced(
    uow: UnitOfWork,
    new_id: Callable[[], str],
    order: ProductOrder,
    assessment: Assessment,
    ctx: RequestContext,
    now: str,
) -> str | None:
    """After a change of price: the state the order must move to (None: it stays where it is).

    Decisions bound to the old fingerprint stop counting; a case is opened or reopened when a
    rule fires, and set aside when none does any more.
    """
    fingerprint = str((order.snapshot or {}).get("fingerprint"))
    case = uow.approvals.of_order(order.id)
    if assessment.needed:
        if case is None:
            open_case(uow, new_id, order, assessment, ctx, now)
        elif case.fingerprint != fingerprint or case.status != OPEN:
            case.reopen(fingerprint, assessment.policy, assessment.fired, now)
            case.requester = ctx.actor or case.requester
            uow.approvals.update(case)
            events.record(uow, "StateChange", case, new_id(), now, ctx.correlation_id)
        return "pending" if order.state == "acknowledged" else None
    if case is not None and case.status != NOT_NEEDED:
        case.fingerprint = fingerprint
        case.status = NOT_NEEDED
        uow.approvals.update(case)
        events.record(uow, "StateChange", case, new_id(), now, ctx.correlation_id)
    return "acknowledged" if order.state == "pending" else None


def withdraw_case(
    uow: UnitOfWork, new_id: Callable[[], str], order_id: str, ctx: RequestContext, now: str
) -> None:
    """The order was deleted: a case still waiting is withdrawn (kept, with who and when)."""
    case = uow.approvals.of_order(order_id)
    if case is not None and case.withdraw(ctx.actor, "productOrder deleted", now):
        uow.approvals.update(case)
        events.record(uow, "StateChange", case, new_id(), now, ctx.correlation_id)

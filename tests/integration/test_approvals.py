"""Approval of discounts on each back end: one test per rule, each refusing what it must."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from core.approval.case import OPEN
from core.approval.policy import DEFAULT_POLICY_FILE, Policy
from core.approval.service import ApprovalService
from core.errors import Conflict, DomainError, Forbidden
from core.ordering.model import ProductOrder
from core.ordering.service import OrderingService
from core.ordering.support import OrderingSettings
from core.persistence.database import Database
from core.requests import RequestContext
from core.schema import ResourceSchemas
from tests.orders import add, order

BASE = "http://test.example/tmf-api/productOrderingManagement/v4"
SELLER = RequestContext(BASE, "c-sell", actor="sam", roles=frozenset({"sales"}))
DIRECTOR = RequestContext(BASE, "c-dir", actor="dora", roles=frozenset({"sales-director"}))
FINANCE = RequestContext(BASE, "c-fin", actor="fin", roles=frozenset({"finance"}))


@pytest.fixture
def orders(shop_db: Database, order_schemas: ResourceSchemas) -> OrderingService:
    settings = OrderingSettings(strict=True, approval_policy=Policy.load(DEFAULT_POLICY_FILE))
    return OrderingService(shop_db, order_schemas, settings)


@pytest.fixture
def approvals(orders: OrderingService) -> ApprovalService:
    return ApprovalService(orders)


def discounted_order(percent: float, segment: str | None = "business") -> dict[str, Any]:
    item = {
        **add("1", "po-mobile-s"),
        "itemPrice": [
            {
                "priceType": "recurring",
                "priceAlteration": [
                    {"priceType": "recurring", "name": "Deal", "price": {"percentage": percent}}
                ],
            }
        ],
    }
    return order("cust-carol", item, **({"category": segment} if segment else {}))


def events(orders: OrderingService, order_id: str) -> list[str]:
    with orders.db.uow(write=False) as uow:
        return [e.event_type for e in uow.outbox.list("productOrder", order_id)]


def state(orders: OrderingService, order_id: str) -> str:
    return orders.get(order_id).state


def placed(
    orders: OrderingService, percent: float, segment: str | None = "business"
) -> tuple[ProductOrder, Any]:
    found, _ = orders.place(discounted_order(percent, segment), SELLER)
    with orders.db.uow(write=False) as uow:
        case = uow.approvals.of_order(found.id)
    return found, case


def approval_events(orders: OrderingService, case_id: str) -> list[str]:
    with orders.db.uow(write=False) as uow:
        return [e.event_type for e in uow.outbox.list("approvalCase", case_id)]


def test_a_discount_a_rule_asks_about_leaves_the_order_pending_with_a_case(
    orders: OrderingService,
) -> None:
    found, case = placed(orders, 15)
    assert found.state == "pending" and {i["state"] for i in found.items()} == {"pending"}
    assert case is not None and case.status == OPEN and case.requester == "sam"
    assert (
        case.slots == [["sales-director"]] and case.rules[0]["id"] == "business-discount-above-10"
    )
    assert (
        case.fingerprint == found.snapshot["fingerprint"] and case.policy_version == "2026-12-01.1"
    )
    assert case.due_at is not None  # the rule escalates after 24 hours
    assert events(orders, found.id) == [
        "ProductOrderCreateEvent",
        "ProductOrderInformationRequiredEvent",
    ]


def test_a_discount_no_rule_asks_about_is_acknowledged_without_a_case(
    orders: OrderingService,
) -> None:
    found, case = placed(orders, 15, segment="residential")
    assert found.state == "acknowledged" and case is None


def test_an_approval_by_a_director_releases_the_order(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    found, case = placed(orders, 15)
    decided = approvals.decide(case.id, "approve", "good customer", case.fingerprint, DIRECTOR)
    assert decided.status == "approved"
    decision = decided.decisions[0]
    assert decision | {"at": None} == {
        "actor": "dora",
        "roles": ["sales-director"],
        "slot": ["sales-director"],
        "decision": "approve",
        "reason": "good customer",
        "fingerprint": found.snapshot["fingerprint"],
        "policyVersion": "2026-12-01.1",
        "onBehalfOf": [],
        "at": None,
    }
    assert state(orders, found.id) == "acknowledged"
    assert events(orders, found.id)[-1] == "ProductOrderStateChangeEvent"
    with orders.db.uow(write=False) as uow:
        last = uow.timeline.of(found.id)[-1]
    assert last.actor == "dora" and "approved" in (last.reason or "")


def test_the_requester_cannot_approve_their_own_discount(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    found, case = placed(orders, 15)
    self_approver = RequestContext(BASE, "c", actor="sam", roles=frozenset({"sales-director"}))
    with pytest.raises(Forbidden, match="asked for this discount"):
        approvals.decide(case.id, "approve", "mine", case.fingerprint, self_approver)
    assert approvals.get(case.id).decisions == [] and state(orders, found.id) == "pending"


def test_someone_without_a_needed_role_cannot_decide(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    _, case = placed(orders, 15)
    with pytest.raises(Forbidden, match="holds none of the roles"):
        approvals.decide(case.id, "approve", "ok", case.fingerprint, FINANCE)
    with pytest.raises(Forbidden, match="holds none of the roles"):
        approvals.decide(case.id, "reject", "no", case.fingerprint, FINANCE)
    assert approvals.get(case.id).decisions == []


def test_one_person_cannot_fill_two_required_roles(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    found, case = placed(orders, 30)  # director and finance, and a manager or director
    both = RequestContext(BASE, "c", actor="boss", roles=frozenset({"sales-director", "finance"}))
    approvals.decide(case.id, "approve", "fine", case.fingerprint, both)
    with pytest.raises(Forbidden, match="one person fills one role"):
        approvals.decide(case.id, "approve", "again", case.fingerprint, both)
    assert approvals.get(case.id).status == OPEN and state(orders, found.id) == "pending"
    approvals.decide(case.id, "approve", "ok", case.fingerprint, FINANCE)
    manager = RequestContext(BASE, "c", actor="max", roles=frozenset({"sales-manager"}))
    assert (
        approvals.decide(case.id, "approve", "ok", case.fingerprint, manager).status == "approved"
    )
    assert state(orders, found.id) == "acknowledged"


def test_a_stale_fingerprint_and_a_decided_case_are_conflicts(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    _, case = placed(orders, 15)
    with pytest.raises(Conflict, match="priced again"):
        approvals.decide(case.id, "approve", "ok", "sha256:old", DIRECTOR)
    approvals.decide(case.id, "reject", "too generous", case.fingerprint, DIRECTOR)
    other = RequestContext(BASE, "c", actor="dan", roles=frozenset({"sales-director"}))
    with pytest.raises(Conflict, match="already rejected"):
        approvals.decide(case.id, "approve", "ok", case.fingerprint, other)


def test_a_rejection_ends_the_order_rejected(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    found, case = placed(orders, 15)
    approvals.decide(case.id, "reject", "margin too thin", case.fingerprint, DIRECTOR)
    after = orders.get(found.id)
    assert after.state == "rejected" and {i["state"] for i in after.items()} == {"rejected"}


def items_with(
    found: ProductOrder, percent: float | None = None, quantity: int | None = None
) -> dict[str, Any]:
    items = [
        {k: v for k, v in i.items() if k != "state"} for i in found.document["productOrderItem"]
    ]
    if percent is not None:
        items[0]["itemPrice"] = [
            {
                "priceType": "recurring",
                "priceAlteration": [{"priceType": "recurring", "price": {"percentage": percent}}],
            }
        ]
    if quantity is not None:
        items[0]["quantity"] = quantity
    return {"productOrderItem": items}


def test_a_change_of_price_invalidates_approvals_and_reopens_the_case(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    found, case = placed(orders, 30)
    approvals.decide(case.id, "approve", "fine", case.fingerprint, DIRECTOR)
    changed = orders.patch(found.id, items_with(found, quantity=2), "merge", SELLER)
    reopened = approvals.get(case.id)
    assert reopened.fingerprint == changed.snapshot["fingerprint"] != case.fingerprint
    assert reopened.status == OPEN and reopened.current == [] and len(reopened.decisions) == 1
    assert changed.state == "pending"
    with pytest.raises(Conflict, match="priced again"):
        approvals.decide(case.id, "approve", "ok", case.fingerprint, FINANCE)
    approvals.decide(case.id, "approve", "again", reopened.fingerprint, DIRECTOR)  # may decide anew


def test_a_lower_discount_needs_no_approval_and_the_order_is_acknowledged(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    found, case = placed(orders, 15)
    changed = orders.patch(found.id, items_with(found, percent=5), "merge", SELLER)
    assert changed.state == "acknowledged" and approvals.get(case.id).status == "notNeeded"
    raised = orders.patch(changed.id, items_with(changed, percent=12), "merge", SELLER)
    assert raised.state == "pending" and approvals.get(case.id).status == OPEN


def test_a_change_that_leaves_the_price_alone_keeps_the_approvals(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    found, case = placed(orders, 30)
    approvals.decide(case.id, "approve", "fine", case.fingerprint, DIRECTOR)
    orders.patch(found.id, {"description": "rush please"}, "merge", SELLER)
    kept = approvals.get(case.id)
    assert kept.fingerprint == case.fingerprint and len(kept.current) == 1


def test_concurrent_approve_and_reject_one_wins_the_other_is_a_conflict(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    found, case = placed(orders, 15)
    other = RequestContext(BASE, "c", actor="dan", roles=frozenset({"sales-director"}))
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def decide(decision: str, ctx: RequestContext) -> None:
        start.wait()
        try:
            outcomes.append(
                approvals.decide(case.id, decision, "now", case.fingerprint, ctx).status
            )
        except DomainError as error:
            outcomes.append(error)

    threads = [
        threading.Thread(target=decide, args=a) for a in (("approve", DIRECTOR), ("reject", other))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    wins = [o for o in outcomes if isinstance(o, str)]
    assert len(wins) == 1 and isinstance(
        next(o for o in outcomes if not isinstance(o, str)), Conflict
    )
    assert state(orders, found.id) == ("acknowledged" if wins == ["approved"] else "rejected")
    assert len(approvals.get(case.id).decisions) == 1


def test_each_approval_fact_is_an_event_of_our_own(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    _, case = placed(orders, 30)
    approvals.decide(case.id, "approve", "ok", case.fingerprint, DIRECTOR)
    approvals.decide(case.id, "reject", "no", case.fingerprint, FINANCE)
    assert approval_events(orders, case.id) == [
        "ApprovalCaseCreateEvent",
        "ApprovalCaseAttributeValueChangeEvent",
        "ApprovalCaseStateChangeEvent",
    ]
    with orders.db.uow(write=False) as uow:
        (created, *_) = uow.outbox.list("approvalCase", case.id)
    assert created.payload["domain"] == "approval"
    assert created.payload["event"]["approvalCase"]["requiredRoles"] == case.slots


def test_a_deputy_role_of_the_policy_approves_in_place_of_the_director(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    found, case = placed(orders, 15)
    deputy = RequestContext(BASE, "c", actor="dep", roles=frozenset({"deputy-sales-director"}))
    assert (
        approvals.decide(case.id, "approve", "standing in", case.fingerprint, deputy).status
        == "approved"
    )
    assert state(orders, found.id) == "acknowledged"


def test_a_case_delegated_to_another_user_is_theirs_to_decide(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    found, case = placed(orders, 15)
    colleague = RequestContext(BASE, "c", actor="cole", roles=frozenset({"sales"}))
    with pytest.raises(Forbidden, match="holds none of the roles"):
        approvals.decide(case.id, "approve", "ok", case.fingerprint, colleague)
    approvals.delegate(case.id, "cole", "on holiday", DIRECTOR)
    decided = approvals.decide(case.id, "approve", "ok for dora", case.fingerprint, colleague)
    assert decided.status == "approved" and decided.decisions[-1]["onBehalfOf"] == ["dora"]
    assert state(orders, found.id) == "acknowledged"


def test_delegation_rules_no_cycle_no_requester_no_stranger(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    _, case = placed(orders, 15)
    approvals.delegate(case.id, "cole", "away", DIRECTOR)
    cole = RequestContext(BASE, "c", actor="cole", roles=frozenset({"sales"}))
    with pytest.raises(Conflict, match="cycle"):
        approvals.delegate(case.id, "dora", "back to you", cole)
    with pytest.raises(Forbidden, match="neither delegated by nor to"):
        approvals.delegate(case.id, "sam", "to the requester", DIRECTOR)
    with pytest.raises(Forbidden, match="holds none of the roles"):
        approvals.delegate(case.id, "eve", "not mine to give", FINANCE)
    assert len(approvals.get(case.id).delegations) == 1


def test_an_overdue_case_escalates_to_the_roles_its_rules_name(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    _, case = placed(orders, 15)  # escalates after 24 hours to head-of-sales
    head = RequestContext(BASE, "c", actor="hal", roles=frozenset({"head-of-sales"}))
    with pytest.raises(Forbidden):
        approvals.decide(case.id, "approve", "ok", case.fingerprint, head)
    assert approvals.escalate_overdue() == 0  # not due yet
    stored = approvals.get(case.id)  # a day passes: make it due in the past
    stored.due_at = "2000-01-01T00:00:00.000Z"
    with orders.db.uow() as uow:
        uow.approvals.update(stored)
        uow.commit()
    assert [c.id for c in approvals.listing(overdue=True)] == [case.id]
    assert approvals.escalate_overdue() == 1 and approvals.escalate_overdue() == 0
    escalated = approvals.get(case.id)
    assert escalated.slots == [["head-of-sales", "sales-director"]] and escalated.escalations
    assert approvals.decide(case.id, "approve", "ok", case.fingerprint, head).status == "approved"


def test_what_the_console_says_of_who_may_decide_is_what_a_decision_finds(
    orders: OrderingService, approvals: ApprovalService
) -> None:
    """``refusals`` (the console shows it before anyone clicks) and ``decide`` agree."""
    found, case = placed(orders, 15)
    people = {
        "requester": RequestContext(BASE, "c", actor="sam", roles=frozenset({"sales-director"})),
        "no role": FINANCE,
        "nobody": RequestContext(BASE, "c"),
        "deputy": RequestContext(
            BASE, "c", actor="dep", roles=frozenset({"deputy-sales-director"})
        ),
    }
    said = {who: approvals.refusals(case, ctx) for who, ctx in people.items()}
    assert said["requester"]["approve"] is not None
    assert said["requester"]["approve"].reason == "Separation of duties"
    assert said["no role"]["reject"] is not None
    assert said["no role"]["reject"].reason == "Not an approver"
    assert said["nobody"]["approve"] is not None and said["nobody"]["approve"].reason == "No actor"
    assert said["deputy"] == {"approve": None, "reject": None, "requestChange": None}
    for who in ("requester", "no role", "nobody"):
        refusal = said[who]["approve"]
        assert refusal is not None
        with pytest.raises(Forbidden, match=re.escape(refusal.message)):
            approvals.decide(case.id, "approve", "ok", case.fingerprint, people[who])
    assert (
        approvals.decide(case.id, "approve", "ok", case.fingerprint, people["deputy"]).status
        == "approved"
    )
    assert state(orders, found.id) == "acknowledged"

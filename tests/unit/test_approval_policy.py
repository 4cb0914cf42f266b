"""Approval policy as data: rules read from YAML, refused whole when wrong, evaluated on facts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import yaml

from core.approval.facts import ItemFacts, OrderFacts, from_snapshot
from core.approval.policy import DEFAULT_POLICY_FILE, Policy, PolicyError


def item(percent: float = 0, offering: str = "po-x", categories: tuple[str, ...] = ()) -> ItemFacts:
    base = Decimal(100)
    return ItemFacts("1", offering, frozenset(categories), base * Decimal(str(percent)) / 100, base)


def facts(
    *items: ItemFacts, segment: str | None = None, total: int = 100, roles: tuple[str, ...] = ()
) -> OrderFacts:
    return OrderFacts(
        tuple(items) or (item(),),
        Decimal(total),
        market_segments=frozenset([segment]) if segment else frozenset(),
        requester_roles=frozenset(roles),
    )


def policy(*rules: dict[str, Any], **extra: Any) -> Policy:
    return Policy.from_mapping({"version": "7", "rules": list(rules), **extra})


def rule(rule_id: str = "r", **fields: Any) -> dict[str, Any]:
    return {"id": rule_id, "require": {"allOf": ["boss"]}, **fields}


def test_the_demo_policy_needs_a_director_above_10_and_finance_above_25_for_business() -> None:
    demo = Policy.load(DEFAULT_POLICY_FILE)
    assert demo.version == "2026-12-01.1"
    assert demo.fired(facts(item(10), segment="business")) == []
    fired = demo.fired(facts(item(15), segment="business"))
    assert [r.id for r in fired] == ["business-discount-above-10"]
    assert demo.slots(fired) == [frozenset({"sales-director"})]
    fired = demo.fired(facts(item(30), segment="business"))
    assert demo.slots(fired) == [
        frozenset({"sales-director"}),
        frozenset({"finance"}),
        frozenset({"sales-manager", "sales-director"}),
    ]
    residential = demo.fired(facts(item(15), segment="residential"))
    assert residential == []
    assert [r.id for r in demo.fired(facts(item(21)))] == ["any-discount-above-20"]


def test_item_conditions_must_hold_on_one_item_together() -> None:
    p = policy(rule(when={"discountPercent": {"gt": 10}, "category": ["cat-tv"]}))
    assert not p.fired(facts(item(20, categories=("cat-mobile",)), item(5, categories=("cat-tv",))))
    assert p.fired(facts(item(20, categories=("cat-mobile", "cat-tv"))))


def test_order_conditions_total_segment_channel_and_requester_role() -> None:
    p = policy(rule(when={"orderTotal": {"gte": 1000, "lt": 5000}, "requesterRole": ["partner"]}))
    assert p.fired(facts(total=1000, roles=("partner", "sales")))
    assert not p.fired(facts(total=999, roles=("partner",)))
    assert not p.fired(facts(total=5000, roles=("partner",)))
    assert not p.fired(facts(total=2000, roles=("sales",)))


def test_all_of_gives_a_slot_per_role_any_of_one_slot() -> None:
    r = policy(rule(require={"allOf": ["a", "b"], "anyOf": ["c", "d"]})).rules[0]
    assert r.slots() == [frozenset({"a"}), frozenset({"b"}), frozenset({"c", "d"})]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (
            {"version": "1", "rules": [rule("x", when={"colour": ["red"]})]},
            "rule 'x': when.colour: unknown dimension",
        ),
        (
            {"version": "1", "rules": [rule("x", when={"discountPercent": {"gt": -5}})]},
            "rule 'x': when.discountPercent.gt: a threshold cannot be negative",
        ),
        (
            {"version": "1", "rules": [rule("x", when={"discountPercent": {"gt": 120}})]},
            "within 0..100",
        ),
        (
            {"version": "1", "rules": [rule("x", when={"orderTotal": {"above": 5}})]},
            "when.orderTotal.above: unknown comparison",
        ),
        (
            {"version": "1", "rules": [rule("x", when={"orderTotal": {"gt": "lots"}})]},
            "'lots' is not a number",
        ),
        (
            {"version": "1", "rules": [{"id": "x", "require": {}}]},
            "rule 'x': require: name at least one role",
        ),
        ({"version": "1", "rules": [{"id": "x"}]}, "rule 'x': require: required"),
        (
            {"version": "1", "rules": [rule("x", require={"allOf": ["a", "a"]})]},
            "a role is listed twice",
        ),
        ({"version": "1", "rules": [rule("x"), rule("x")]}, "rule 'x': id used twice"),
        (
            {"version": "1", "rules": [rule("x", escalate={"afterHours": 0, "to": ["b"]})]},
            "escalate.afterHours",
        ),
        (
            {"version": "1", "rules": [rule("x", colour="red")]},
            "rule 'x': unknown field(s) ['colour']",
        ),
        ({"rules": []}, "version: required"),
        ({"version": "1"}, "rules: required"),
        (
            {
                "version": "1",
                "rules": [],
                "delegations": [{"from": "ann", "to": "bob"}, {"from": "bob", "to": "ann"}],
            },
            "a cycle (ann -> bob -> ann)",
        ),
        (
            {"version": "1", "rules": [], "delegations": [{"from": "ann", "to": "ann"}]},
            "cannot delegate to itself",
        ),
    ],
)
def test_an_invalid_policy_is_refused_naming_the_rule_and_field(
    data: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        Policy.from_mapping(data)
    assert any(fragment in p for p in caught.value.problems), caught.value.problems


def test_every_problem_of_a_policy_is_reported_at_once(tmp_path: Any) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "version": "1",
                "rules": [
                    rule("a", when={"colour": 1}),
                    rule("b", when={"discountAmount": {"gt": -1}}),
                ],
            }
        )
    )
    with pytest.raises(PolicyError) as caught:
        Policy.load(path)
    assert len(caught.value.problems) == 2
    path.write_text("rules: [unclosed")
    with pytest.raises(PolicyError, match="cannot be read as YAML"):
        Policy.load(path)


def test_a_deputy_role_approves_in_place_of_the_roles_delegated_to_it_in_chains() -> None:
    p = policy(
        delegations=[{"from": "director", "to": "deputy"}, {"from": "deputy", "to": "acting"}]
    )
    assert p.acting_roles(frozenset({"acting"})) == {"acting", "deputy", "director"}
    assert p.acting_roles(frozenset({"deputy"})) == {"deputy", "director"}
    assert p.acting_roles(frozenset({"director"})) == {"director"}


def test_facts_from_a_snapshot_weigh_discounts_against_the_charged_prices() -> None:
    snapshot = {
        "items": [
            {
                "id": "1",
                "productOffering": {"id": "po-mobile-l", "version": "1.0"},
                "price": [
                    {
                        "priceType": "recurring",
                        "amount": "35.0",
                        "alterations": [{"reduction": "7.0"}],
                    },
                    {"priceType": "usage", "amount": "0.05"},
                ],
            }
        ],
        "orderTotalPrice": [{"priceType": "recurring", "amount": "28.0"}],
    }
    document = {
        "category": "business",
        "channel": [{"id": "web"}],
        "productOrderItem": [{"id": "1", "product": {"place": [{"id": "paris"}]}}],
    }
    found = from_snapshot(snapshot, document, {"po-mobile-l": frozenset({"cat-mobile"})}, ["sales"])
    (first,) = found.items
    assert first.discount_percent == Decimal(20) and first.discount_amount == Decimal("7.0")
    assert first.categories == {"cat-mobile"}
    assert found.order_total == Decimal(28) and found.market_segments == {"business"}
    assert (
        found.channels == {"web"}
        and found.places == {"paris"}
        and found.requester_roles == {"sales"}
    )

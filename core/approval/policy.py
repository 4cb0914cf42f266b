"""Approval policy as data: versioned rules over an order's facts, naming the approvers needed."""

from __future__ import annotations

import pathlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import yaml

from core.approval.facts import ItemFacts, OrderFacts
from core.catalog.prices import decimal_of
from core.errors import InvalidRequest

# Dimensions a rule may test: numbers compare with gt/gte/lt/lte, the rest match any listed value.
NUMERIC = ("discountPercent", "discountAmount", "orderTotal")
LISTED = ("offering", "category", "channel", "place", "marketSegment", "requesterRole")
DIMENSIONS = (*NUMERIC, *LISTED)
COMPARATORS = ("gt", "gte", "lt", "lte")
ITEM_DIMENSIONS = frozenset({"discountPercent", "discountAmount", "offering", "category"})


class PolicyError(InvalidRequest):
    """A policy that cannot be used; every problem names the rule and the field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems, "Invalid approval policy")


@dataclass(frozen=True)
class Condition:
    """One dimension of a rule: a numeric range or a list of accepted values."""

    dimension: str
    bounds: tuple[tuple[str, Decimal], ...] = ()
    values: frozenset[str] = frozenset()

    def holds(self, value: Any) -> bool:
        if self.dimension in NUMERIC:
            if value is None:
                return False
            number = Decimal(str(value))
            return all(_compare(number, op, bound) for op, bound in self.bounds)
        found = (
            {str(v) for v in value}
            if isinstance(value, list | set | frozenset | tuple)
            else {str(value)}
        )
        return bool(found & self.values)


@dataclass(frozen=True)
class Rule:
    """When every condition holds (for one item, where a condition is about items), the rule
    fires and asks for approvers: all of the listed roles, or any one of them."""

    id: str
    description: str
    conditions: tuple[Condition, ...]
    all_of: tuple[str, ...]
    any_of: tuple[str, ...]
    escalate_after: timedelta | None
    escalate_to: tuple[str, ...]

    def fires(self, order: OrderFacts) -> bool:
        order_level = [c for c in self.conditions if c.dimension not in ITEM_DIMENSIONS]
        item_level = [c for c in self.conditions if c.dimension in ITEM_DIMENSIONS]
        if not all(c.holds(order.value(c.dimension)) for c in order_level):
            return False
        if not item_level:
            return True
        return any(
            all(c.holds(item.value(c.dimension)) for c in item_level) for item in order.items
        )

    def slots(self) -> list[frozenset[str]]:
        """What must be filled, each slot by a different approver holding one of its roles."""
        slots = [frozenset({role}) for role in self.all_of]
        if self.any_of:
            slots.append(frozenset(self.any_of))
        return slots


@dataclass(frozen=True)
class Policy:
    """A named, versioned set of rules; every decision records the version it was made under."""

    version: str
    rules: tuple[Rule, ...]
    # (from role, to role): holders of the second may approve in place of the first (a deputy)
    delegations: tuple[tuple[str, str], ...] = ()
    document: Mapping[str, Any] = field(default_factory=dict, compare=False)  # as written

    def fired(self, order: OrderFacts) -> list[Rule]:
        return [rule for rule in self.rules if rule.fires(order)]

    def slots(self, rules: list[Rule]) -> list[frozenset[str]]:
        """The approver slots of the rules that fired, each asked once."""
        return list(dict.fromkeys(slot for rule in rules for slot in rule.slots()))

    def acting_roles(self, roles: frozenset[str]) -> frozenset[str]:
        """The roles someone may approve as: their own and those delegated to them (in chains)."""
        acting = set(roles)
        changed = True
        while changed:
            changed = False
            for source, target in self.delegations:
                if target in acting and source not in acting:
                    acting.add(source)
                    changed = True
        return frozenset(acting)

    @classmethod
    def from_mapping(cls, data: Any) -> Policy:
        """Read a policy, refusing it whole with every problem named by rule and field."""
        problems: list[str] = []
        if not isinstance(data, Mapping):
            raise PolicyError(["the policy must be a mapping with 'version' and 'rules'"])
        unknown = sorted(set(data) - {"version", "rules", "description", "delegations"})
        if unknown:
            problems.append(f"unknown top-level field(s) {unknown}")
        version = data.get("version")
        if not isinstance(version, str | int | float) or not str(version).strip():
            problems.append("version: required, e.g. '2026-12-01.1'")
        raw_rules = data.get("rules")
        if not isinstance(raw_rules, list):
            raise PolicyError([*problems, "rules: required, a list of rules"])
        rules: list[Rule] = []
        seen: set[str] = set()
        for index, raw in enumerate(raw_rules):
            rule, found = _rule(index, raw)
            problems.extend(found)
            if rule is not None:
                if rule.id in seen:
                    problems.append(f"rule {rule.id!r}: id used twice")
                seen.add(rule.id)
                rules.append(rule)
        delegations, found = _delegations(data.get("delegations"))
        problems.extend(found)
        if problems:
            raise PolicyError(problems)
        return cls(str(version), tuple(rules), delegations, dict(data))

    @classmethod
    def load(cls, path: str | pathlib.Path) -> Policy:
        try:
            data = yaml.safe_load(pathlib.Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise PolicyError([f"{path}: cannot be read as YAML: {error}"]) from None
        return cls.from_mapping(data)


DEFAULT_POLICY_FILE = pathlib.Path(__file__).parent / "policy.yaml"


def _rule(index: int, raw: Any) -> tuple[Rule | None, list[str]]:
    if not isinstance(raw, Mapping):
        return None, [f"rule #{index + 1}: must be a mapping"]
    name = str(raw.get("id") or f"#{index + 1}")
    where = f"rule {name!r}"
    problems = []
    if not raw.get("id"):
        problems.append(f"{where}: id: required")
    unknown = sorted(set(raw) - {"id", "description", "when", "require", "escalate"})
    if unknown:
        problems.append(f"{where}: unknown field(s) {unknown}")
    conditions = []
    when = raw.get("when") or {}
    if not isinstance(when, Mapping):
        problems.append(f"{where}: when: must map dimensions to conditions")
        when = {}
    for dimension, spec in when.items():
        condition, problem = _condition(where, str(dimension), spec)
        if problem:
            problems.append(problem)
        elif condition is not None:
            conditions.append(condition)
    all_of, any_of, found = _require(where, raw.get("require"))
    problems.extend(found)
    after, escalate_to, found = _escalate(where, raw.get("escalate"))
    problems.extend(found)
    if problems:
        return None, problems
    rule = Rule(
        name,
        str(raw.get("description") or ""),
        tuple(conditions),
        all_of,
        any_of,
        after,
        escalate_to,
    )
    return rule, []


def _condition(where: str, dimension: str, spec: Any) -> tuple[Condition | None, str | None]:
    field = f"{where}: when.{dimension}"
    if dimension not in DIMENSIONS:
        return None, f"{field}: unknown dimension; known: {', '.join(DIMENSIONS)}"
    if dimension in NUMERIC:
        if not isinstance(spec, Mapping) or not spec:
            return None, f"{field}: give a range, e.g. {{gt: 10}}"
        bounds = []
        for op, value in spec.items():
            if op not in COMPARATORS:
                return None, f"{field}.{op}: unknown comparison; use {', '.join(COMPARATORS)}"
            number = decimal_of(value)
            if number is None:
                return None, f"{field}.{op}: {value!r} is not a number"
            if number < 0:
                return None, f"{field}.{op}: a threshold cannot be negative ({value})"
            if dimension == "discountPercent" and number > 100:
                return None, f"{field}.{op}: a discount percentage lies within 0..100 ({value})"
            bounds.append((str(op), number))
        return Condition(dimension, bounds=tuple(bounds)), None
    values = spec if isinstance(spec, list) else [spec]
    if not values or not all(isinstance(v, str | int) and str(v).strip() for v in values):
        return None, f"{field}: give one value or a list of values"
    return Condition(dimension, values=frozenset(str(v) for v in values)), None


def _require(where: str, raw: Any) -> tuple[tuple[str, ...], tuple[str, ...], list[str]]:
    field = f"{where}: require"
    if not isinstance(raw, Mapping):
        return (), (), [f"{field}: required, with allOf and/or anyOf roles"]
    unknown = sorted(set(raw) - {"allOf", "anyOf"})
    problems = [f"{field}: unknown field(s) {unknown}"] if unknown else []
    lists = {}
    for key in ("allOf", "anyOf"):
        roles = raw.get(key) or []
        if not isinstance(roles, list) or not all(isinstance(r, str) and r.strip() for r in roles):
            problems.append(f"{field}.{key}: a list of role names")
            roles = []
        if len(set(roles)) != len(roles):
            problems.append(f"{field}.{key}: a role is listed twice")
        lists[key] = tuple(roles)
    if not lists["allOf"] and not lists["anyOf"]:
        problems.append(f"{field}: name at least one role in allOf or anyOf")
    return lists["allOf"], lists["anyOf"], problems


def _escalate(where: str, raw: Any) -> tuple[timedelta | None, tuple[str, ...], list[str]]:
    if raw is None:
        return None, (), []
    field = f"{where}: escalate"
    if not isinstance(raw, Mapping):
        return None, (), [f"{field}: give after (hours) and to (roles)"]
    unknown = sorted(set(raw) - {"afterHours", "to"})
    if unknown:
        return None, (), [f"{field}: unknown field(s) {unknown}"]
    hours = decimal_of(raw.get("afterHours"))
    if hours is None or hours <= 0:
        return None, (), [f"{field}.afterHours: a number of hours above 0"]
    to = raw.get("to")
    if not isinstance(to, list) or not to or not all(isinstance(r, str) and r for r in to):
        return None, (), [f"{field}.to: a list of role names"]
    return timedelta(hours=float(hours)), tuple(to), []


def _delegations(raw: Any) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """Which role stands in for which; no role for itself, none twice, and no cycle."""
    if raw is None:
        return (), []
    if not isinstance(raw, list):
        return (), ["delegations: a list of {from, to}"]
    pairs: dict[str, str] = {}
    problems = []
    for index, entry in enumerate(raw):
        where = f"delegations #{index + 1}"
        if not isinstance(entry, Mapping) or set(entry) != {"from", "to"}:
            problems.append(f"{where}: give exactly 'from' and 'to' (role names)")
            continue
        source, target = str(entry["from"]), str(entry["to"])
        if source == target:
            problems.append(f"{where}: {source!r} cannot delegate to itself")
        elif source in pairs:
            problems.append(f"{where}: {source!r} already delegates to {pairs[source]!r}")
        else:
            pairs[source] = target
    for start in pairs:
        seen, user = [start], pairs[start]
        while user in pairs and user not in seen:
            seen.append(user)
            user = pairs[user]
        if user in seen:
            cycle = " -> ".join([*seen[seen.index(user) :], user])
            problem = f"delegations: a cycle ({cycle}) leaves nobody to approve"
            if problem not in problems and start == min(seen[seen.index(user) :]):
                problems.append(problem)
    return tuple(pairs.items()), problems


def _compare(value: Decimal, op: str, bound: Decimal) -> bool:
    return {
        "gt": value > bound,
        "gte": value >= bound,
        "lt": value < bound,
        "lte": value <= bound,
    }[op]


__all__ = ["DEFAULT_POLICY_FILE", "ItemFacts", "OrderFacts", "Policy", "PolicyError", "Rule"]

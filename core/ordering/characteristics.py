"""Check a requested configuration against a product specification as an offering narrows it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.inventory.model import Characteristic
from core.ordering.model import JsonObject


@dataclass(frozen=True)
class CharacteristicRule:
    """What one characteristic may hold for one offering."""

    name: str
    value_type: str | None
    min_cardinality: int
    max_cardinality: int | None
    values: tuple[Any, ...]  # allowed discrete values (empty: any)
    ranges: tuple[tuple[Any, Any], ...]  # allowed (from, to) ranges
    default: Any = None

    def allows(self, value: Any) -> bool:
        if not self.values and not self.ranges:
            return True
        if any(_same(value, allowed) for allowed in self.values):
            return True
        return any(_within(value, low, high) for low, high in self.ranges)


def _same(value: Any, allowed: Any) -> bool:
    return (type(value) is type(allowed) and value == allowed) or (
        _is_number(value) and _is_number(allowed) and value == allowed
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _within(value: Any, low: Any, high: Any) -> bool:
    if not _is_number(value):
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _is_boolean(value: Any) -> bool:
    return isinstance(value, bool)


_TYPES: dict[str, Callable[[Any], bool]] = {
    "integer": _is_integer,
    "number": _is_number,
    "float": _is_number,
    "string": _is_string,
    "boolean": _is_boolean,
}


def _values(entries: Any) -> tuple[tuple[Any, ...], tuple[tuple[Any, Any], ...], Any]:
    values, ranges, default = [], [], None
    for entry in entries or []:
        if not isinstance(entry, dict):
            continue
        if "value" in entry:
            values.append(entry["value"])
            if entry.get("isDefault"):
                default = entry["value"]
        elif "valueFrom" in entry or "valueTo" in entry:
            ranges.append((entry.get("valueFrom"), entry.get("valueTo")))
    return tuple(values), tuple(ranges), default


def rules(spec: JsonObject | None, offering: JsonObject | None) -> dict[str, CharacteristicRule]:
    """The specification's characteristics, narrowed by the offering's prodSpecCharValueUse."""
    found: dict[str, CharacteristicRule] = {}
    for c in (spec or {}).get("productSpecCharacteristic") or []:
        if not isinstance(c, dict) or "name" not in c:
            continue
        values, ranges, default = _values(c.get("productSpecCharacteristicValue"))
        found[c["name"]] = CharacteristicRule(
            c["name"],
            c.get("valueType"),
            int(c.get("minCardinality") or 0),
            c.get("maxCardinality"),
            values,
            ranges,
            default,
        )
    for use in (offering or {}).get("prodSpecCharValueUse") or []:
        if not isinstance(use, dict) or use.get("name") not in found:
            continue
        base = found[use["name"]]
        values, ranges, default = _values(use.get("productSpecCharacteristicValue"))
        found[base.name] = CharacteristicRule(
            base.name,
            base.value_type,
            int(use.get("minCardinality", base.min_cardinality) or 0),
            use.get("maxCardinality", base.max_cardinality),
            values or base.values,
            ranges or base.ranges,
            default if default is not None else base.default,
        )
    return found


def configure(
    where: str,
    requested: tuple[Characteristic, ...],
    allowed: dict[str, CharacteristicRule],
    spec_id: str | None,
    current: list[Characteristic] | None = None,
    moved: bool = False,
) -> tuple[list[Characteristic], list[str]]:
    """The resulting configuration (current state overlaid with the request, defaults filled)
    and every problem with it. ``moved``: the product moves to another offering, so what it
    keeps must fit the new one (``_carried``)."""
    problems: list[str] = []
    chosen: dict[str, list[Characteristic]] = {}
    for c in current or []:
        chosen.setdefault(c.name, []).append(c)
    asked: dict[str, list[Characteristic]] = {}
    for c in requested:
        asked.setdefault(c.name, []).append(c)
    if moved:
        chosen = _carried(where, chosen, asked, allowed, problems)
    chosen.update(asked)
    for name, entries in asked.items():
        rule = allowed.get(name)
        if rule is None:
            problems.append(
                f"{where}: characteristic {name!r} is not defined by product specification "
                f"{spec_id!r}"
            )
            continue
        for c in entries:
            problems.extend(_value_problems(where, rule, c))
        if rule.max_cardinality is not None and len(entries) > rule.max_cardinality:
            problems.append(
                f"{where}: characteristic {name!r} takes at most {rule.max_cardinality} "
                f"value(s), got {len(entries)}"
            )
    for name, rule in allowed.items():
        if len(chosen.get(name, [])) >= rule.min_cardinality:
            continue
        if rule.default is not None:
            chosen[name] = [Characteristic(name, rule.default, rule.value_type)]
        else:
            problems.append(
                f"{where}: characteristic {name!r} is required (at least "
                f"{rule.min_cardinality} value(s))"
            )
    order = list(allowed) + [n for n in chosen if n not in allowed]
    config = [
        Characteristic(c.name, c.value, allowed[n].value_type if n in allowed else c.value_type)
        for n in order
        for c in chosen.get(n, [])
    ]
    return config, problems


def _carried(
    where: str,
    current: dict[str, list[Characteristic]],
    asked: dict[str, list[Characteristic]],
    allowed: dict[str, CharacteristicRule],
    problems: list[str],
) -> dict[str, list[Characteristic]]:
    """What a product moving to another offering keeps of its values: those the new offering
    defines and allows; one it no longer allows becomes the new offering's default, or is a
    problem (send a value); one it does not define is left behind."""
    kept: dict[str, list[Characteristic]] = {}
    for name, entries in current.items():
        rule = allowed.get(name)
        if rule is None or name in asked:
            continue
        if all(not _value_problems(where, rule, c) for c in entries):
            kept[name] = entries
        elif rule.default is not None:
            kept[name] = [Characteristic(name, rule.default, rule.value_type)]
        else:
            values = ", ".join(repr(c.value) for c in entries)
            problems.append(
                f"{where}: characteristic {name!r} is {values}, which the new offering does "
                "not allow; send the value it should have"
            )
    return kept


def _value_problems(where: str, rule: CharacteristicRule, c: Characteristic) -> list[str]:
    check = _TYPES.get(str(rule.value_type))
    if c.value_type is not None and rule.value_type and c.value_type != rule.value_type:
        return [
            f"{where}: characteristic {c.name!r} has valueType {rule.value_type!r}, "
            f"not {c.value_type!r}"
        ]
    if check is not None and not check(c.value):
        return [
            f"{where}: characteristic {c.name!r} must be of valueType {rule.value_type}, "
            f"not {c.value!r}"
        ]
    if not rule.allows(c.value):
        choices = [repr(v) for v in rule.values] + [f"{lo}..{hi}" for lo, hi in rule.ranges]
        return [
            f"{where}: characteristic {c.name!r} cannot be {c.value!r}; allowed: "
            f"{', '.join(choices)}"
        ]
    return []

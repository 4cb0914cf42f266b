"""Parse TMF630 query parameters against a resource schema; every mistake is an InvalidQuery."""

from __future__ import annotations

import re
from collections.abc import Iterable

from core import timeutil
from core.errors import InvalidQuery
from core.query.ast import Condition, Operator, Query, Scalar, SortKey
from core.schema import Attribute, ResourceSchemas

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 2**31 - 1
INT64 = 2**63
RESERVED = {"fields", "offset", "limit", "sort"}
OPERATORS: set[str] = {"eq", "ne", "gt", "gte", "lt", "lte"}
_BRACKET = re.compile(r"^(?P<path>[^\[\]]+)\[(?P<op>[a-z]+)\]$")
_NAME = re.compile(r"^@?[A-Za-z_][A-Za-z0-9_]*$")


def parse_query(
    params: Iterable[tuple[str, str]], schemas: ResourceSchemas, schema_name: str
) -> Query:
    """Build a Query from ``(name, value)`` pairs, reporting every problem together."""
    problems: list[str] = []
    conditions: list[Condition] = []
    sort: tuple[SortKey, ...] = ()
    fields: tuple[tuple[str, ...], ...] | None = None
    offset, limit = 0, DEFAULT_LIMIT
    for name, value in params:
        if "\x00" in value:
            problems.append(f"{name}: a value may not hold U+0000 (NUL), which no store keeps")
            continue
        try:
            if name == "fields":
                fields = _parse_fields(value, schemas, schema_name)
            elif name == "sort":
                sort = _parse_sort(value, schemas, schema_name)
            elif name == "offset":
                offset = _parse_int(name, value, 0, MAX_OFFSET)
            elif name == "limit":
                limit = _parse_int(name, value, 0, MAX_LIMIT)
            else:
                conditions.append(_parse_condition(name, value, schemas, schema_name))
        except InvalidQuery as error:
            problems.extend(error.problems)
    if problems:
        raise InvalidQuery(problems)
    return Query(tuple(conditions), sort, fields, offset, limit)


def _parse_int(name: str, value: str, low: int, high: int | None) -> int:
    try:
        number = int(value)
    except ValueError:
        raise InvalidQuery(f"{name}={value!r} is not a whole number") from None
    if number < low or (high is not None and number > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise InvalidQuery(f"{name}={number} must be {bound}")
    return number


def _attribute(dotted: str, schemas: ResourceSchemas, schema_name: str) -> Attribute:
    path = tuple(dotted.split("."))
    if not all(_NAME.match(part) for part in path):
        raise InvalidQuery(f"{dotted!r} is not an attribute path")
    attribute = schemas.attribute(schema_name, path)
    if attribute is None:
        raise InvalidQuery(f"{schema_name} has no attribute {dotted!r}")
    return attribute


def _split_operator(name: str) -> tuple[str, Operator]:
    bracket = _BRACKET.match(name)
    if bracket:
        op = bracket.group("op")
        if op not in OPERATORS:
            raise InvalidQuery(
                f"unknown operator [{op}] in {name!r}; use one of {sorted(OPERATORS)}"
            )
        return bracket.group("path"), op  # type: ignore[return-value]
    head, _, tail = name.rpartition(".")
    if head and tail in OPERATORS:
        return head, tail  # type: ignore[return-value]
    return name, "eq"


def _parse_condition(name: str, raw: str, schemas: ResourceSchemas, schema_name: str) -> Condition:
    dotted, op = _split_operator(name)
    attribute = _attribute(dotted, schemas, schema_name)
    if attribute.type == "object":
        raise InvalidQuery(f"{dotted!r} is an object; filter on one of its attributes")
    texts = raw.split(",")
    if op not in ("eq", "ne") and len(texts) > 1:
        raise InvalidQuery(f"{name}: the {op} operator takes one value")
    if attribute.type == "boolean" and op not in ("eq", "ne"):
        raise InvalidQuery(f"{name}: a boolean can only be compared with eq or ne")
    values = tuple(_value(attribute, text, dotted) for text in texts)
    return Condition(attribute, op, values)


def _value(attribute: Attribute, text: str, dotted: str) -> Scalar:
    if attribute.is_datetime:
        try:
            return timeutil.normalize(text)
        except ValueError:
            raise InvalidQuery(f"{dotted}={text!r} is not a date-time") from None
    if attribute.type == "boolean":
        if text.lower() not in ("true", "false"):
            raise InvalidQuery(f"{dotted}={text!r} is not true or false")
        return text.lower() == "true"
    if attribute.type in ("number", "integer"):
        try:
            number = int(text) if attribute.type == "integer" else float(text)
        except ValueError:
            raise InvalidQuery(f"{dotted}={text!r} is not a number") from None
        if not -INT64 <= number < INT64 or number != number:  # also NaN
            raise InvalidQuery(f"{dotted}={text!r} is out of the range a filter can compare")
        return number
    return text


def _parse_sort(value: str, schemas: ResourceSchemas, schema_name: str) -> tuple[SortKey, ...]:
    keys = []
    for part in filter(None, (p.strip() for p in value.split(","))):
        descending = part.startswith("-")
        attribute = _attribute(part.lstrip("+-"), schemas, schema_name)
        if attribute.crosses_array or attribute.type == "object":
            raise InvalidQuery(
                f"sort by {part.lstrip('+-')!r} is not possible: it is not one value"
            )
        keys.append(SortKey(attribute, descending))
    return tuple(keys)


def _parse_fields(
    value: str, schemas: ResourceSchemas, schema_name: str
) -> tuple[tuple[str, ...], ...]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    if names == ["none"]:
        return ()
    return tuple(_attribute(name, schemas, schema_name).path for name in names)

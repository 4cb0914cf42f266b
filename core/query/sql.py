"""Compile query conditions and sort keys to SQLAlchemy expressions for SQLite and PostgreSQL.

Attributes that have a real column use it (indexed); the rest go into the JSON document with the
dialect's JSON operators. Values are always bound parameters; JSON paths are built only from
attribute names that the schema defines, and are bound too.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, JSONPATH
from sqlalchemy.sql.elements import ColumnElement

from core.query.ast import Condition, Scalar, SortKey
from core.schema import Attribute

_SQL_OPS = {
    "eq": lambda x, v: x == v,
    "ne": lambda x, v: x != v,
    "gt": lambda x, v: x > v,
    "gte": lambda x, v: x >= v,
    "lt": lambda x, v: x < v,
    "lte": lambda x, v: x <= v,
}
_JSONPATH_OPS = {"eq": "==", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


class QueryCompiler:
    """Turns conditions and sort keys into WHERE and ORDER BY clauses for one table."""

    def __init__(
        self,
        dialect: str,
        document: sa.Column[Any],
        columns: dict[tuple[str, ...], sa.Column[Any]],
    ) -> None:
        self.dialect = dialect
        self.document = document
        self.columns = columns

    def where(self, conditions: tuple[Condition, ...]) -> list[ColumnElement[bool]]:
        return [self._condition(c) for c in conditions]

    def order_by(self, keys: tuple[SortKey, ...]) -> list[ColumnElement[Any]]:
        clauses: list[ColumnElement[Any]] = []
        for key in keys:
            expr = self._scalar(key.attribute)
            ordered = expr.desc() if key.descending else expr.asc()
            clauses.append(ordered.nulls_last())  # missing values last on both dialects
        return clauses

    def _condition(self, condition: Condition) -> ColumnElement[bool]:
        if condition.op == "ne":
            return sa.not_(self._any_equal(condition.attribute, condition.values))
        if condition.op == "eq":
            return self._any_equal(condition.attribute, condition.values)
        return self._compare(condition.attribute, condition.op, condition.values[0])

    def _any_equal(self, attribute: Attribute, values: tuple[Scalar, ...]) -> ColumnElement[bool]:
        """True when the attribute (some element of it, across arrays) equals one of ``values``."""
        column = self.columns.get(attribute.path)
        if column is not None:
            return sa.and_(column.is_not(None), column.in_(values))
        if self.dialect == "postgresql" and attribute.type != "any":
            # The document to contain is bound as JSON text: a plain value, like every other.
            jsonb = sa.type_coerce(self.document, JSONB)
            return sa.or_(
                *(
                    jsonb.contains(
                        sa.cast(sa.literal(json.dumps(_containment(attribute, v))), JSONB)
                    )
                    for v in values
                )
            )
        return sa.or_(*(self._compare(attribute, "eq", v) for v in values))

    def _compare(self, attribute: Attribute, op: str, value: Scalar) -> ColumnElement[bool]:
        column = self.columns.get(attribute.path)
        if column is not None:
            return sa.and_(column.is_not(None), _SQL_OPS[op](self._binary(column), value))
        if self.dialect == "postgresql":
            return self._pg_jsonpath(attribute, op, value)
        return self._sqlite_compare(attribute, op, value)

    def _pg_jsonpath(self, attribute: Attribute, op: str, value: Scalar) -> ColumnElement[bool]:
        # Lax mode unwraps arrays at every step, so one path covers nested arrays.
        path = "$" + "".join(f".{json.dumps(p)}" for p in attribute.path)
        text = f"{path} ? (@ {_JSONPATH_OPS[op]} $v)"
        variables = {"v": value}
        return sa.func.jsonb_path_exists(
            sa.type_coerce(self.document, JSONB),
            sa.cast(sa.literal(text), JSONPATH),
            sa.cast(sa.literal(json.dumps(variables)), JSONB),
        )

    def _sqlite_compare(self, attribute: Attribute, op: str, value: Scalar) -> ColumnElement[bool]:
        """Nested EXISTS over json_each for every array crossed on the way to the value."""
        groups = _split_at_arrays(attribute)
        bound = int(value) if isinstance(value, bool) else value

        def build(source: ColumnElement[Any], index: int) -> ColumnElement[bool]:
            segments, is_array = groups[index]
            json_path = "$" + "".join(f".{json.dumps(s)}" for s in segments)
            if not is_array:
                extracted = sa.func.json_extract(source, json_path)
                return sa.and_(extracted.is_not(None), _SQL_OPS[op](extracted, bound))
            each = sa.func.json_each(source, json_path).table_valued("value").alias()
            if index + 1 == len(groups):
                inner: ColumnElement[bool] = sa.and_(
                    each.c.value.is_not(None), _SQL_OPS[op](each.c.value, bound)
                )
            else:
                inner = build(each.c.value, index + 1)
            return sa.exists(sa.select(sa.literal(1)).select_from(each).where(inner))

        return build(self.document, 0)

    def _binary(self, expr: ColumnElement[Any]) -> ColumnElement[Any]:
        """Text in code-point order, as SQLite compares it, so both dialects agree."""
        if self.dialect == "postgresql" and isinstance(expr.type, sa.String):
            return expr.collate("C")
        return expr

    def _scalar(self, attribute: Attribute) -> ColumnElement[Any]:
        column = self.columns.get(attribute.path)
        if column is not None:
            return self._binary(column)
        if self.dialect == "postgresql":
            value = sa.type_coerce(self.document, JSONB)[attribute.path]
            if attribute.type in ("string", "any"):
                text: ColumnElement[Any] = value.astext.collate("C")
                return text
            return value
        json_path = "$" + "".join(f".{json.dumps(p)}" for p in attribute.path)
        return sa.func.json_extract(self.document, json_path)


def _split_at_arrays(attribute: Attribute) -> list[tuple[tuple[str, ...], bool]]:
    """Group path segments so that each group ends at an array (or at the value)."""
    groups: list[tuple[tuple[str, ...], bool]] = []
    current: list[str] = []
    for segment, is_array in zip(attribute.path, attribute.through_array, strict=True):
        current.append(segment)
        if is_array:
            groups.append((tuple(current), True))
            current = []
    if current or not groups:
        groups.append((tuple(current), False))
    return groups


def _containment(attribute: Attribute, value: Scalar) -> Any:
    """The JSON document that contains ``value`` at ``attribute`` (PostgreSQL ``@>``)."""
    node: Any = value
    for segment, is_array in reversed(
        list(zip(attribute.path, attribute.through_array, strict=True))
    ):
        node = {segment: [node] if is_array else node}
    return node

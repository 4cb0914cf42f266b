"""A hub subscription's ``query``: TMF630 filter syntax matched against each event body."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from core.errors import InvalidRequest
from core.timeutil import parse_datetime

_OPERATORS = ("gte", "lte", "gt", "lt", "eq", "ne")
# Names a subscriber may filter on: the event envelope and everything under ``event``.
_ENVELOPE = {"eventType", "eventId", "domain", "priority", "correlationId", "title"}


@dataclass(frozen=True)
class Term:
    """``path op values``: any of the values for eq, none of them for ne."""

    path: tuple[str, ...]
    op: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class EventFilter:
    """All terms must hold; an empty filter lets every event through."""

    terms: tuple[Term, ...] = ()

    @classmethod
    def parse(cls, query: str | None) -> EventFilter:
        """``eventType=X&event.productOrder.state=completed``; a 400 names what is wrong."""
        text = (query or "").strip().lstrip("?")
        if not text:
            return cls()
        terms, problems = [], []
        for name, raw in parse_qsl(text, keep_blank_values=True):
            name, op = _split(name)
            path = tuple(name.split("."))
            if not name or "" in path:
                problems.append(f"query: {name!r} is not an attribute path")
            elif path[0] not in _ENVELOPE and path[0] != "event":
                problems.append(
                    f"query: {name!r} is neither an event attribute "
                    f"({', '.join(sorted(_ENVELOPE))}) nor under 'event.'"
                )
            else:
                terms.append(Term(path, op, tuple(raw.split(","))))
        if not terms and not problems:
            problems.append(f"query: {text!r} holds no attribute=value filter")
        if problems:
            raise InvalidRequest(problems, "Invalid subscription query")
        return cls(tuple(terms))

    def matches(self, event: dict[str, Any]) -> bool:
        return all(_holds(term, event) for term in self.terms)


def _split(name: str) -> tuple[str, str]:
    """``state.ne`` or ``state[ne]`` -> (``state``, ``ne``); plain names compare with eq."""
    if name.endswith("]") and "[" in name:
        base, op = name[:-1].split("[", 1)
        if op in _OPERATORS:
            return base, op
    base, _, last = name.rpartition(".")
    if base and last in _OPERATORS:
        return base, last
    return name, "eq"


def _values_at(node: Any, path: tuple[str, ...]) -> list[Any]:
    """Every value at ``path``, crossing arrays (a path matches when some element does)."""
    if isinstance(node, list):
        return [v for element in node for v in _values_at(element, path)]
    if not path:
        return [node]
    if not isinstance(node, dict) or path[0] not in node:
        return []
    return _values_at(node[path[0]], path[1:])


def _compare(actual: Any, wanted: str) -> int | None:
    """-1, 0 or 1 comparing ``actual`` with the text ``wanted``; None when they do not compare."""
    if isinstance(actual, bool):
        left: Any = str(actual).lower()
        right: Any = wanted.lower()
    elif isinstance(actual, int | float):
        try:
            left, right = float(actual), float(wanted)
        except ValueError:
            return None
    elif isinstance(actual, str):
        left, right = actual, wanted
        with contextlib.suppress(ValueError):  # timestamps compare as times
            left, right = parse_datetime(actual), parse_datetime(wanted)
    else:
        return None
    return int(left > right) - int(left < right)


def _holds(term: Term, event: dict[str, Any]) -> bool:
    found = _values_at(event, term.path)
    if term.op == "ne":
        return not any(_compare(a, w) == 0 for a in found for w in term.values)
    for actual in found:
        for wanted in term.values:
            order = _compare(actual, wanted)
            if order is None:
                continue
            if (
                (term.op == "eq" and order == 0)
                or (term.op == "gt" and order > 0)
                or (term.op == "gte" and order >= 0)
                or (term.op == "lt" and order < 0)
                or (term.op == "lte" and order <= 0)
            ):
                return True
    return False

"""What every TMF630 check shares: registration, reading an answer, failing with follow-ups."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import schemathesis

from conformance import probe
from conformance.probe import Answer
from conformance.spec import Document

RFC3339 = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)"
    r"(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)
# Attributes a server changes by itself between two reads (an order is fulfilled, a job runs).
VOLATILE = frozenset(
    {
        "state",
        "status",
        "errorLog",
        "lastUpdate",
        "completionDate",
        "expectedCompletionDate",
        "version",
    }
)
IDENTITY = frozenset({"id", "href"})


TmfCheck = Callable[[Any, Any], bool]


def tmf_check(func: TmfCheck) -> TmfCheck:
    """Register a check with Schemathesis; it returns whether it had something to verify."""

    def check(ctx: Any, response: Any, case: Any) -> None:
        if func(response, case):
            probe.settings().applies(func.__name__, case.id)

    check.__name__ = check.__qualname__ = func.__name__
    check.__doc__ = func.__doc__
    schemathesis.check(check)
    return func


def is_collection(case: Any) -> bool:
    return not case.path.rstrip("/").endswith("}")


def json_body(response: Any) -> Any:
    try:
        return response.json()
    except Exception:  # a body that is not JSON: the content-type checks report it
        return None


def header(response: Any, name: str) -> str | None:
    for key, values in response.headers.items():
        if key.lower() == name.lower() and values:
            return str(values[0])
    return None


def url_of(response: Any) -> str:
    return str(response.request.url).split("?", 1)[0]


def spec_document() -> Document:
    document = probe.settings().document
    if document is None:
        raise RuntimeError("conformance.probe.configure() was not called")
    return document


def fail(message: str, *answers: Answer) -> None:
    """Fail with the follow-up requests that show the flaw, as curl lines."""
    lines = [message, *(f"  {answer.curl}  ->  {answer.status}" for answer in answers)]
    raise AssertionError("\n".join(lines))


def instants(values: list[Any]) -> list[datetime] | None:
    """The values as points in time, or None when they are not all RFC 3339 date-times."""
    if not values or not all(isinstance(v, str) and RFC3339.match(v) for v in values):
        return None
    try:
        return [datetime.fromisoformat(v.upper().replace("Z", "+00:00")) for v in values]
    except ValueError:  # a leap second, which Python cannot hold
        return None


def stable(node: Any) -> Any:
    """A resource without the attributes a server may change between two reads, its numbers
    compared as the doubles JSON promises (a store may write 1e300 back as 1000...0)."""
    if isinstance(node, dict):
        return {k: stable(v) for k, v in node.items() if k not in VOLATILE}
    if isinstance(node, list):
        return [stable(v) for v in node]
    if isinstance(node, int | float) and not isinstance(node, bool):
        try:
            return float(node)
        except OverflowError:
            return node
    return node


def holds(later: Any, earlier: Any) -> bool:
    """Whether ``later`` still says everything ``earlier`` said (volatile attributes aside):
    a server at work on a resource may add to it between two reads (an order item's product
    id once the order is released), never change or drop what it answered."""
    if isinstance(earlier, dict):
        return isinstance(later, dict) and all(
            k in later and holds(later[k], v) for k, v in earlier.items() if k not in VOLATILE
        )
    if isinstance(earlier, list):
        return (
            isinstance(later, list)
            and len(later) == len(earlier)
            and all(holds(a, b) for a, b in zip(later, earlier, strict=True))
        )
    return bool(stable(later) == stable(earlier))


def int_header(response: Any, name: str) -> int | None:
    value = header(response, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise AssertionError(f"{name} must be an integer, got {value!r}") from None

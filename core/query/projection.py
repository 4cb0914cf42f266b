"""The ``fields`` projection: keep the asked attributes, always ``id`` and ``href``."""

from __future__ import annotations

from typing import Any

ALWAYS = ("id", "href")


def project(document: dict[str, Any], fields: tuple[tuple[str, ...], ...] | None) -> dict[str, Any]:
    """A copy of ``document`` narrowed to ``fields`` (None: all of it)."""
    if fields is None:
        return document
    result: dict[str, Any] = {k: document[k] for k in ALWAYS if k in document}
    for path in fields:
        _copy(document, result, path)
    return result


def _copy(source: Any, target: dict[str, Any], path: tuple[str, ...]) -> None:
    head, rest = path[0], path[1:]
    if not isinstance(source, dict) or head not in source:
        return
    value = source[head]
    if not rest:
        target[head] = value
    elif isinstance(value, list):
        items = target.setdefault(head, [{} for _ in value])
        for item, out in zip(value, items, strict=False):
            _copy(item, out, rest)
    elif isinstance(value, dict):
        _copy(value, target.setdefault(head, {}), rest)

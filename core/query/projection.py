"""The ``fields`` projection: keep the asked attributes, ``id`` and ``href``, and what the schema
requires at each level, so a projected resource still validates against its schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ALWAYS = ("id", "href")
Path = tuple[str, ...]
Required = Callable[[Path], tuple[str, ...]]


def _none(_path: Path) -> tuple[str, ...]:
    return ()


def project(
    document: dict[str, Any],
    fields: tuple[Path, ...] | None,
    required: Required = _none,
) -> dict[str, Any]:
    """A copy of ``document`` narrowed to ``fields`` (None: all of it)."""
    if fields is None:
        return document
    result: dict[str, Any] = {k: document[k] for k in ALWAYS if k in document}
    result.update(_minimal(document, (), required))
    for path in fields:
        _copy(document, result, path, (), required)
    return result


def _minimal(value: Any, path: Path, required: Required) -> Any:
    """Only what the schema requires of ``value``, recursively (scalars as they are)."""
    if isinstance(value, list):
        return [_minimal(v, path, required) for v in value]
    if not isinstance(value, dict):
        return value
    return {
        name: _minimal(value[name], (*path, name), required)
        for name in required(path)
        if name in value
    }


def _copy(
    source: Any, target: dict[str, Any], path: Path, prefix: Path, required: Required
) -> None:
    head, rest = path[0], path[1:]
    if not isinstance(source, dict) or head not in source:
        return
    value = source[head]
    here = (*prefix, head)
    if not rest:
        target[head] = value
    elif isinstance(value, list):
        if not isinstance(target.get(head), list):
            target[head] = _minimal(value, here, required)
        for item, out in zip(value, target[head], strict=False):
            if isinstance(out, dict):
                _copy(item, out, rest, here, required)
    elif isinstance(value, dict):
        if not isinstance(target.get(head), dict):
            target[head] = _minimal(value, here, required)
        _copy(value, target[head], rest, here, required)

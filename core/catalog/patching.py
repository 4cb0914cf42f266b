"""Apply merge patches (RFC 7386) and JSON patches (RFC 6902); guard server-owned attributes."""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch

from core.errors import InvalidRequest

SERVER_OWNED = ("id", "href", "lastUpdate")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(target: dict[str, Any], operations: list[Any]) -> dict[str, Any]:
    """RFC 6902; a bad or failing operation is a 400 that says which."""
    try:
        result = jsonpatch.JsonPatch(operations).apply(target, in_place=False)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError) as error:
        raise InvalidRequest(f"JSON Patch cannot be applied: {error}", "Invalid patch") from None
    if not isinstance(result, dict):
        raise InvalidRequest("JSON Patch must leave an object", "Invalid patch")
    return result


def apply_patch(document: dict[str, Any], patch: Any, patch_format: str) -> dict[str, Any]:
    """Apply ``patch`` in ``merge`` or ``json`` format and return the new document."""
    if patch_format == "json":
        if not isinstance(patch, list):
            raise InvalidRequest("a JSON Patch body is an array of operations", "Invalid patch")
        return json_patch(document, patch)
    if not isinstance(patch, dict):
        raise InvalidRequest("a merge patch body is a JSON object", "Invalid patch")
    result = merge_patch(document, patch)
    assert isinstance(result, dict)
    return result


def identity_sent(body: dict[str, Any], names: tuple[str, ...] = ("id", "href")) -> list[str]:
    """A create body must not carry ``id``, ``href`` or other ``names``: the server sets them."""
    return [f"{a} is set by the server; do not send it" for a in names if a in body]


def server_owned_changes(
    old: dict[str, Any], new: dict[str, Any], owned: tuple[str, ...]
) -> list[str]:
    """The server-owned attributes a client tried to change (sending the same value is fine)."""
    return [
        f"{name} is set by the server and cannot be changed"
        for name in owned
        if old.get(name) != new.get(name)
    ]

"""Request bodies checked by a compiled validator first (jsonschema-rs, built once per schema):
a body it accepts is accepted; one it refuses goes to connexion's validator, whose verdict and
message stand. So errors read exactly as before, and only valid bodies take the fast path.

For that to change nothing, the compiled validator must never accept what connexion's refuses:
every format connexion's validator knows is checked by the very function it uses (a format it
does not know, neither checks), and where the two could
differ the compiled one is the stricter (it knows no ``nullable``: a null is sent on). A test
holds them to it on generated bodies.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

import jsonschema_rs
from jsonschema import Draft4Validator

# connexion hangs the whole ``components`` on the body schema; references are made our own.
_SKIPPED = frozenset({"components"})

_COMPILED: dict[int, tuple[dict[str, Any], Callable[[Any], bool] | None]] = {}


def accepts(schema: dict[str, Any], body: Any) -> bool:
    """True when the compiled validator of ``schema`` accepts ``body`` (False: ask connexion's)."""
    cached = _COMPILED.get(id(schema))
    if cached is None or cached[0] is not schema:
        cached = (schema, _compile(schema))
        _COMPILED[id(schema)] = cached
    check = cached[1]
    if check is None:
        return False
    try:
        return check(body)
    except Exception:  # a value the compiled validator cannot take: connexion's decides
        return False


def _compile(schema: dict[str, Any]) -> Callable[[Any], bool] | None:
    try:
        tree = as_tree(schema)
        formats: dict[str, Callable[..., bool]] = {
            name: functools.partial(_conforms, name)
            for name in Draft4Validator.FORMAT_CHECKER.checkers
        }
        validator = jsonschema_rs.Draft4Validator(tree, validate_formats=True, formats=formats)
    except Exception:  # a schema it cannot compile is checked by connexion's validator alone
        return None
    is_valid: Callable[[Any], bool] = validator.is_valid
    return is_valid


def _conforms(name: str, value: str) -> bool:
    """The format check connexion's validator makes (jsonschema's checker)."""
    return bool(Draft4Validator.FORMAT_CHECKER.conforms(value, name))


def as_tree(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema graph (connexion's resolved schemas point back at themselves: an order item
    holds order items) as a tree, each schema met more than once a definition referred to."""
    seen: dict[int, int] = {}
    _count(schema, seen)
    definitions: dict[str, Any] = {}
    names: dict[int, str] = {}

    def build(node: Any) -> Any:
        if not isinstance(node, dict):
            return node  # true or false, where a schema may be one
        if node is schema:
            return {"$ref": "#"}  # the root, met again inside itself
        if seen[id(node)] == 1:
            return _node(node, build)
        name = names.get(id(node))
        if name is None:
            name = names[id(node)] = f"s{len(names)}"
            definitions[name] = None  # named before its body is built: a cycle finds it
            definitions[name] = _node(node, build)
        return {"$ref": f"#/definitions/{name}"}

    tree = _node(schema, build)
    tree["definitions"] = definitions
    return tree


def _subschemas(key: str, value: Any) -> list[Any]:
    """The schemas a keyword's value holds (Draft 4), none for keywords that hold data."""
    if key in _ONE:
        return [value]
    if key in _MANY:
        return list(value) if isinstance(value, list) else [value]
    if key in _BY_NAME and isinstance(value, dict):
        return list(value.values())
    return []


_ONE = frozenset({"not", "additionalProperties", "additionalItems"})
_MANY = frozenset({"items", "allOf", "anyOf", "oneOf"})
_BY_NAME = frozenset({"properties", "patternProperties"})


def _node(node: dict[str, Any], build: Callable[[Any], Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SKIPPED or key == "definitions":
            continue
        if key in _ONE:
            tree[key] = build(value)
        elif key in _MANY:
            tree[key] = [build(v) for v in value] if isinstance(value, list) else build(value)
        elif key in _BY_NAME and isinstance(value, dict):
            tree[key] = {name: build(v) for name, v in value.items()}
        else:
            tree[key] = copy.deepcopy(value)  # data: types, formats, enums, examples
    return tree


def _count(node: Any, seen: dict[int, int]) -> None:
    """How often each schema object is reached (its insides are walked the first time only)."""
    if not isinstance(node, dict):
        return
    seen[id(node)] = seen.get(id(node), 0) + 1
    if seen[id(node)] > 1:
        return
    for key, value in node.items():
        if key not in _SKIPPED:
            for child in _subschemas(key, value):
                _count(child, seen)

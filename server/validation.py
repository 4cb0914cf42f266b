"""Request validation tweaks: parameter errors that name the parameter, validators built once,
and JSON bodies parsed strictly (no text a store cannot keep, no NaN, Infinity or numbers out
of range, no duplicate names, no nesting past ``MAX_DEPTH``)."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import AsyncGenerator
from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem
from connexion.utils import is_null, is_nullable
from connexion.validators import VALIDATOR_MAP, JSONRequestBodyValidator, ParameterValidator
from jsonschema import Draft4Validator

from server.compiled_schema import accepts

# Connexion deep-copies the parameter schema and builds a validator on every request; the
# schemas never change, so one validator per parameter object is enough (a hot path).
_VALIDATORS: dict[int, tuple[dict[str, Any], Any]] = {}


def _validator(param: dict[str, Any]) -> Any:
    cached = _VALIDATORS.get(id(param))
    if cached is None or cached[0] is not param:
        cached = (
            param,
            Draft4Validator(
                param.get("schema", param), format_checker=Draft4Validator.FORMAT_CHECKER
            ),
        )
        _VALIDATORS[id(param)] = cached
    return cached[1]


class NamingParameterValidator(ParameterValidator):  # type: ignore[misc]
    """Connexion's parameter validator with the parameter's name in every message."""

    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        if is_nullable(param) and is_null(value):
            return None
        if isinstance(value, str) and "\x00" in value:
            return f"{parameter_type} parameter {param['name']!r} may not hold U+0000 (NUL)"
        if value is not None:
            error = next(iter(_validator(param).iter_errors(value)), None)
            if error is None:
                return None
            return f"{parameter_type} parameter {param['name']!r}: {error.message}"
        if param.get("required"):
            return f"Missing {parameter_type} parameter {param['name']!r}"
        return None


# Deepest nesting of arrays and objects a body may have: a bundle of bundles of options is
# well under it, and every schema check and rule that walks a body stays far from Python's
# recursion limit.
MAX_DEPTH = 64


class TextSafeJSONBodyValidator(JSONRequestBodyValidator):  # type: ignore[misc]
    """Connexion's JSON body validator, parsing strictly: a NUL character (U+0000) or an
    unpaired surrogate in a string or name (no store keeps them; PostgreSQL refuses NUL in text
    and JSONB), ``NaN``/``Infinity`` or a number out of range (not JSON, and no price or
    quantity), a name given twice in one object (which one counts would depend on the parser)
    or nesting deeper than ``MAX_DEPTH``: each the client's error, a 400, on every back end
    alike."""

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Any) -> Any:
        text = b"".join([message async for message in stream]).decode(self._encoding)
        if not text:
            return None
        body = parse_strict(text)
        if (problem := _unstorable_problem(text, body)) is not None:
            raise BadRequestProblem(detail=problem)
        return body

    def _validate(self, body: Any) -> dict[str, Any] | None:
        """The compiled check first; connexion's check (and message) for what it refuses."""
        if body is not None and accepts(self._schema, body):
            return None
        result: dict[str, Any] | None = super()._validate(body)
        return result


def _no_constant(name: str) -> Any:
    raise BadRequestProblem(detail=f"{name} is not a JSON number")


def _unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        twice = next(name for name, n in Counter(k for k, _ in pairs).items() if n > 1)
        raise BadRequestProblem(detail=f"the name {twice!r} is given twice in one object")
    return found


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 reads as infinity
        raise BadRequestProblem(detail=f"{text[:40]} is out of the range of a JSON number")
    return value


def parse_strict(text: str) -> Any:
    """JSON text to a value, refusing what ``TextSafeJSONBodyValidator`` says (400)."""
    try:
        body = json.loads(
            text,
            parse_constant=_no_constant,
            parse_float=_finite,
            object_pairs_hook=_unique_names,
        )
    except json.JSONDecodeError as error:
        raise BadRequestProblem(detail=str(error)) from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise BadRequestProblem(detail=f"a number is too long: {error}") from None
    except RecursionError:
        raise BadRequestProblem(detail=f"the body is nested deeper than {MAX_DEPTH}") from None
    if depth_exceeds(body, MAX_DEPTH):
        raise BadRequestProblem(detail=f"the body is nested deeper than {MAX_DEPTH}")
    return body


def depth_exceeds(node: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` deep (without recursion)."""
    level: list[Any] = [node]
    for _ in range(limit):
        level = [
            child
            for parent in level
            if isinstance(parent, dict | list)
            for child in (parent.values() if isinstance(parent, dict) else parent)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return bool(level)


# What no store keeps as text: NUL (PostgreSQL refuses it) and a surrogate code point left
# unpaired by a ``\\uD800``-style escape (not Unicode; UTF-8 cannot encode it).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_ESCAPED_UNSTORABLE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def unstorable_at(node: Any, path: str) -> tuple[str, str] | None:
    """The path of the first string or name holding a character no store keeps, and which
    character that is; None when there is none."""
    if isinstance(node, str):
        char = _UNSTORABLE.search(node)
        return (path, char.group()) if char else None
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if (bad := _UNSTORABLE.search(key)) is not None:
                return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", where), bad.group()
            if (found := unstorable_at(value, where)) is not None:
                return found
    if isinstance(node, list):
        for index, value in enumerate(node):
            if (found := unstorable_at(value, f"{path}[{index}]")) is not None:
                return found
    return None


def _unstorable_problem(text: str, body: Any) -> str | None:
    """What a body holds that no store keeps (only looked for when an escape could carry it)."""
    if not _ESCAPED_UNSTORABLE.search(text):
        return None
    found = unstorable_at(body, "")
    if found is None:
        return None
    where, char = found
    what = "U+0000 (NUL)" if char == "\x00" else f"an unpaired surrogate (U+{ord(char):04X})"
    return f"{where or '(body)'}: text may not hold {what}"


BODY_VALIDATORS = MediaTypeDict({**VALIDATOR_MAP["body"], "*/*json": TextSafeJSONBodyValidator})

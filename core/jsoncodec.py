"""Stored JSON written and read back fast and exactly: orjson where it gives the same values as
the standard library, the standard library where it would not (long integers, lone surrogates).
No NaN or infinity reaches a document (bodies refuse them, prices are finite decimals), the one
value the two would write differently."""

from __future__ import annotations

import json
from typing import Any

import orjson

# orjson reads an integer past 64 bits as a float; a run of 19 digits may be one (or a phone
# number in a string: then the standard decoder runs, slower and just as exact). The run is
# found by mapping digits to "0" and the rest to " " (a regular expression costs ten times more).
_DIGITS_ONLY = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_LONG_RUN = b"0" * 19


def dumps(value: Any) -> str:
    """JSON text of ``value``, orjson's where it can write it (the standard encoder's for an
    integer past 64 bits, and its error for what neither writes)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


def loads(text: bytes | str) -> Any:
    """The value of a JSON text, as ``json.loads`` gives it."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if _LONG_RUN not in data.translate(_DIGITS_ONLY):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # what orjson refuses (a lone surrogate, an infinite number) json reads
    return json.loads(text)

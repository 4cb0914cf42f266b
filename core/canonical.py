"""Canonical JSON and its digests: equal content gives equal bytes, whatever the key order.

Fingerprints an auditor recomputes use RFC 8785 (the JSON Canonicalization Scheme, through the
``rfc8785`` package): any language with a JCS implementation gets the same bytes (``29``, not
Python's ``29.0``). Fingerprints made before carry no scheme and keep verifying under the one
they were made with.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson
import rfc8785

JCS_SHA256 = "jcs-sha256"  # sha256 over the RFC 8785 form
SORTED_JSON_SHA256 = "sorted-json-sha256"  # sha256 over Python's JSON, keys sorted (before)
SCHEMES = (JCS_SHA256, SORTED_JSON_SHA256)
NotCanonical = rfc8785.CanonicalizationError  # e.g. an integer past 2**53 - 1 (I-JSON)


def sha256_of(value: Any) -> str:
    """Hex sha256 over ``value`` as JSON with sorted keys, no spaces, UTF-8 (request hashes,
    and fingerprints of the ``sorted-json-sha256`` scheme)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


MAX_EXACT_INTEGER = 2**53 - 1  # I-JSON: what every JSON reader holds exactly


def _already_canonical(value: Any) -> bool:
    """Whether Python's sorted compact JSON of ``value`` is its RFC 8785 form: no floats (the
    shortest forms differ), integers within the I-JSON range, names in ASCII (sorted alike by
    code point and by UTF-16 code unit). Strings escape alike in both."""
    stack = [value]
    while stack:
        node = stack.pop()
        if node is None or node is True or node is False or isinstance(node, str):
            continue
        if isinstance(node, int):
            if -MAX_EXACT_INTEGER <= node <= MAX_EXACT_INTEGER:
                continue
            return False
        if isinstance(node, dict):
            if not all(isinstance(k, str) and k.isascii() for k in node):
                return False
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        else:
            return False
    return True


def jcs(value: Any) -> bytes:
    """The RFC 8785 canonical form of ``value`` (``NotCanonical`` when it has none).

    The ``rfc8785`` package writes it, in pure Python (~0.4 ms for an order's snapshot); a
    value for which orjson with sorted keys writes the same bytes (snapshots: amounts are
    strings) takes that path, which a test checks against both implementations.
    """
    if _already_canonical(value):
        try:
            return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # an unpaired surrogate: let rfc8785 refuse it
            pass
    return rfc8785.dumps(value)


def jcs_sha256(value: Any) -> str:
    """Hex sha256 over the RFC 8785 canonical form of ``value`` (``NotCanonical`` when it
    has none)."""
    return hashlib.sha256(jcs(value)).hexdigest()


def digest(value: Any, scheme: str) -> str:
    """Hex digest of ``value`` under a named scheme."""
    if scheme == JCS_SHA256:
        return jcs_sha256(value)
    if scheme == SORTED_JSON_SHA256:
        return sha256_of(value)
    raise ValueError(f"unknown fingerprint scheme {scheme!r}")

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


def jcs_sha256(value: Any) -> str:
    """Hex sha256 over the RFC 8785 canonical form of ``value`` (``NotCanonical`` when it
    has none)."""
    return hashlib.sha256(rfc8785.dumps(value)).hexdigest()


def digest(value: Any, scheme: str) -> str:
    """Hex digest of ``value`` under a named scheme."""
    if scheme == JCS_SHA256:
        return jcs_sha256(value)
    if scheme == SORTED_JSON_SHA256:
        return sha256_of(value)
    raise ValueError(f"unknown fingerprint scheme {scheme!r}")

"""Fingerprint schemes: RFC 8785 for new snapshots, recomputed by a second implementation;
the sorted-JSON scheme of snapshots made before keeps verifying."""

from __future__ import annotations

import hashlib
import json

import jcs
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from core.canonical import JCS_SHA256, NotCanonical, _already_canonical, digest, jcs_sha256
from core.canonical import jcs as ours
from core.pricing.snapshot import fingerprint

SNAPSHOT = {
    "orderDate": "2026-12-01T10:00:00.000Z",
    "items": [{"id": "1", "quantity": 2, "configuration": [{"name": "speed", "value": 29.0}]}],
    "note": "caf\u00e9 \u2028 \U0001f600",
}


def test_a_jcs_snapshot_is_recomputed_by_another_implementation() -> None:
    snapshot = {**SNAPSHOT, "fingerprintScheme": JCS_SHA256}
    expected = "sha256:" + hashlib.sha256(jcs.canonicalize(snapshot)).hexdigest()
    assert fingerprint(snapshot) == expected
    assert fingerprint({**snapshot, "fingerprint": expected}) == expected  # its own field aside
    assert b'"value":29}' in jcs.canonicalize(snapshot)  # 29, not Python's 29.0


def test_a_snapshot_without_a_scheme_verifies_as_it_was_made() -> None:
    text = json.dumps(SNAPSHOT, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert fingerprint(SNAPSHOT) == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    assert fingerprint(SNAPSHOT) != fingerprint({**SNAPSHOT, "fingerprintScheme": JCS_SHA256})


def test_what_has_no_exact_json_form_is_refused_not_hashed() -> None:
    with pytest.raises(NotCanonical):
        jcs_sha256({"quantity": 2**60})
    with pytest.raises(ValueError, match="unknown fingerprint scheme"):
        digest({}, "md5")


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(JSON)
def test_our_canonical_form_is_rfc8785_as_two_implementations_write_it(value: object) -> None:
    try:
        expected = rfc8785.dumps(value)
    except NotCanonical:
        with pytest.raises(NotCanonical):
            ours(value)
        return
    assert ours(value) == expected == jcs.canonicalize(value)


def test_names_outside_ascii_sort_by_utf16_code_units() -> None:
    value = {"\uff61": 1, "\U0001f600": 2, "a": 3}  # U+FF61 sorts after the pair in UTF-16
    assert ours(value) == rfc8785.dumps(value) == jcs.canonicalize(value)
    assert ours(value).index("\U0001f600".encode()) < ours(value).index("\uff61".encode())


PLAIN = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(alphabet=st.characters(max_codepoint=127)), inner, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(PLAIN)
def test_the_fast_path_writes_the_same_bytes(value: object) -> None:
    """What snapshots hold (strings, integers, booleans; ASCII names) takes orjson's path."""
    assert _already_canonical(value)
    assert ours(value) == rfc8785.dumps(value) == jcs.canonicalize(value)

"""Fingerprint schemes: RFC 8785 for new snapshots, recomputed by a second implementation;
the sorted-JSON scheme of snapshots made before keeps verifying."""

from __future__ import annotations

import hashlib
import json

import jcs
import pytest

from core.canonical import JCS_SHA256, NotCanonical, digest, jcs_sha256
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

"""Canonical JSON and its digest: equal content gives equal bytes, whatever the key order."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def sha256_of(value: Any) -> str:
    """Hex sha256 over ``value`` as JSON with sorted keys, no spaces, UTF-8."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()

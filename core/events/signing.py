"""Signed deliveries (beyond the standard): an HMAC a subscriber checks with its secret."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-TMF-Signature"
# A subscriber should refuse a signature older than this (a replayed request).
TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>``: the time is signed too."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, body: bytes, header: str, now: int) -> bool:
    """What a subscriber runs: the signature matches and is recent."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)

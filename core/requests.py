"""What every use case gets from a request: where it came from, and its preconditions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    """Who asks and where from: the base URL for hrefs and the correlation id for events."""

    base_url: str
    correlation_id: str | None = None
    actor: str | None = None


def etag_matches(if_match: str | None, etag: str) -> bool:
    """RFC 9110 If-Match: ``*`` or any listed tag (weak prefix ignored)."""
    if if_match is None:
        return True
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    return "*" in tags or etag in tags

"""What every use case gets from a request: where it came from, and its preconditions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from core.errors import PreconditionFailed


@dataclass(frozen=True)
class RequestContext:
    """Who asks and where from: the base URL for hrefs and the correlation id for events."""

    base_url: str
    correlation_id: str | None = None
    actor: str | None = None
    roles: frozenset[str] = frozenset()  # the actor's roles, as the authenticated principal says
    # A partner's customers (party ids): it reaches only their orders; None reaches every one.
    party_ids: frozenset[str] | None = None

    def sees_party(self, party_id: str | None) -> bool:
        """Whether a resource of this customer exists for the caller."""
        return self.party_ids is None or (party_id is not None and party_id in self.party_ids)


@dataclass(frozen=True)
class Deletion:
    """When and by whom a resource was deleted through the API: it is archived, never erased
    (the TMF API answers 404 for it; the admin API and the evidence still tell its story)."""

    at: str
    by: str | None = None

    def view(self) -> dict[str, Any]:
        return {"at": self.at, "by": self.by}


def version_tag(*parts: object) -> str:
    """An opaque, header-safe ETag that changes whenever one of ``parts`` does."""
    digest = hashlib.sha256("\x00".join(str(p) for p in parts).encode()).hexdigest()
    return f'"{digest[:20]}"'


def etag_matches(if_match: str | None, etag: str) -> bool:
    """RFC 9110 If-Match: ``*`` or any listed tag (weak prefix ignored)."""
    if if_match is None:
        return True
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    return "*" in tags or etag in tags


def require_match(if_match: str | None, etag: str, what: str) -> None:
    """412 when an If-Match precondition names another version of ``what``."""
    if not etag_matches(if_match, etag):
        raise PreconditionFailed(f"{what} is at {etag}, not {if_match}; read it again")

"""Who looks at the console: the verified token's principal, or, with authentication off, the
name (and in development mode the roles) the user gave, exactly as the admin API trusts them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, unquote

from starlette.requests import Request

from core.requests import RequestContext
from server.access import request_correlation_id
from server.auth.gate import PRINCIPAL
from server.auth.tokens import Principal

AS_COOKIE = "tmf_console_as"  # auth off: "actor|role,role" as the user set it
How = Literal["token", "development", "named", "anonymous"]


@dataclass(frozen=True)
class Viewer:
    """The console's user; ``scopes`` None means every scope (authentication is off)."""

    actor: str | None
    roles: frozenset[str]
    how: How
    scopes: frozenset[str] | None = None
    party_ids: frozenset[str] | None = None  # a partner's customers (the gate keeps them out)

    @property
    def authenticated(self) -> bool:
        return self.how == "token"

    def may(self, scope: str) -> bool:
        """Whether the user's token carries ``scope`` (always, with authentication off)."""
        return self.scopes is None or scope in self.scopes

    @property
    def deciding_actor(self) -> str | None:
        """Who an approval decision is by: as ``http.context`` says for the admin API, only a
        token's actor, or in development mode the name given; else nobody."""
        return self.actor if self.how in ("token", "development") else None

    def context(self, request: Request, base_path: str) -> RequestContext:
        """The request context the use cases get, as the admin API would build it."""
        base = f"{request.url.scheme}://{request.url.netloc}{base_path}"
        roles = self.roles if self.how in ("token", "development") else frozenset[str]()
        return RequestContext(
            base,
            request_correlation_id(request.scope),
            actor=self.deciding_actor,
            roles=roles,
            party_ids=self.party_ids,
        )


def viewer(request: Request, trust_named_roles: bool) -> Viewer:
    """The viewer of this request: the gate's principal first; with authentication off, the
    name cookie (its roles count only when ``trust_named_roles``, in development mode)."""
    principal: Principal | None = request.scope.get(PRINCIPAL)
    if principal is not None:
        return Viewer(
            principal.actor, principal.roles, "token", principal.scopes, principal.party_ids
        )
    actor, roles = parse_as(request.cookies.get(AS_COOKIE, ""))
    if not actor:
        return Viewer(None, frozenset(), "anonymous")
    if trust_named_roles:
        return Viewer(actor, roles, "development")
    return Viewer(actor, frozenset(), "named")


def parse_as(value: str) -> tuple[str | None, frozenset[str]]:
    actor, _, roles = unquote(value).partition("|")
    return (actor.strip()[:128] or None), frozenset(
        r.strip()[:64] for r in roles.split(",") if r.strip()
    )


def format_as(actor: str, roles: str) -> str:
    """The cookie value for a name and comma-separated roles."""
    return quote(f"{actor.strip()[:128]}|{roles.strip()[:512]}", safe="")

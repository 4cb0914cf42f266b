"""The authentication gate: every request but the public pages shows a valid bearer token
carrying the scope of the operation it calls, or it is answered 401/403 here."""

from __future__ import annotations

import re
from typing import Protocol
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool

from server.auth.scopes import PUBLIC, ScopeMap
from server.auth.tokens import InvalidToken, Principal, TokenVerifier, UnknownKey
from server.guard import ASGIApp, Receive, Scope, Send, send_error

PRINCIPAL = "tmf.principal"  # where the request's principal is kept in the ASGI scope
CONSOLE = "/console"


class Sessions(Protocol):
    """The console's signed-in sessions: the access token a request's cookie holds."""

    def access_token(self, scope: Scope) -> str | None: ...


class AuthGate:
    """ASGI middleware: verifies the token, checks the scope, keeps the principal."""

    def __init__(
        self,
        app: ASGIApp,
        verifier: TokenVerifier,
        scopes: ScopeMap,
        sessions: Sessions | None = None,
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.scopes = scopes
        self.sessions = sessions  # the console's sign-in, when it is configured

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        needed = self.scopes.required(scope["method"], scope["path"])
        if needed == PUBLIC:
            await self.app(scope, receive, send)
            return
        try:
            principal = await self._principal(scope)
        except InvalidToken as error:
            if self._signs_in(scope):  # a browser: to the sign-in, then back here
                await _to_sign_in(send, scope)
                return
            await send_error(
                send,
                401,
                "unauthorized",
                str(error),
                {
                    "WWW-Authenticate": 'Bearer error="invalid_token", '
                    f'error_description="{quoted_text(str(error))}"'
                },
            )
            return
        refusal = self._refusal(principal, needed, scope["path"])
        if refusal is not None:
            await send_error(
                send,
                403,
                "forbidden",
                refusal,
                {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{needed}"'},
            )
            return
        scope[PRINCIPAL] = principal
        await self.app(scope, receive, send)

    def _signs_in(self, scope: Scope) -> bool:
        """A console request without a bearer token, when the console has its sign-in."""
        path: str = scope["path"]
        return (
            self.sessions is not None
            and (path == CONSOLE or path.startswith(CONSOLE + "/"))
            and not any(name == b"authorization" for name, _ in scope["headers"])
        )

    async def _principal(self, scope: Scope) -> Principal:
        if self._signs_in(scope):
            assert self.sessions is not None
            found = self.sessions.access_token(scope)
            if found is None:
                raise InvalidToken("not signed in")
            token = found
        else:
            token = bearer_token(scope)
        try:
            return self.verifier.verify(token, fetch=False)
        except UnknownKey:  # fetching the key set is I/O: off the event loop
            return await run_in_threadpool(self.verifier.verify, token)

    @staticmethod
    def _refusal(principal: Principal, needed: str | None, path: str) -> str | None:
        """Why a valid token may not call this (None: it may)."""
        if needed is not None and needed not in principal.scopes:
            return f"this operation needs the scope {needed!r}"
        if principal.party_ids is not None and path.startswith(("/admin/", "/console")):
            return "a partner token (one naming its customers) does not reach the admin API"
        return None


async def _to_sign_in(send: Send, scope: Scope) -> None:
    """303 to the console's sign-in, which comes back to the page asked for."""
    target = scope["path"] + (
        f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else ""
    )
    location = f"{CONSOLE}/login?next={quote(target, safe='')}"
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [(b"location", location.encode("latin-1")), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})


def quoted_text(text: str) -> str:
    """Text safe inside a header's quoted string (RFC 6750 allows printable ASCII but ``"``
    and ``\\``): what a token's header said may be anything."""
    return re.sub(r'[^\x20-\x7e]|["\\]', "?", text)


def bearer_token(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = str(value.decode("latin-1")).partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            raise InvalidToken("Authorization must be 'Bearer <token>'")
    raise InvalidToken("a bearer token is required")

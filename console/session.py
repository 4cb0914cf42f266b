"""The console's signed cookies (itsdangerous): the signed-in user's access token, and the
state of a sign-in in progress (state, nonce and PKCE verifier), each with a lifetime."""

from __future__ import annotations

from collections.abc import MutableMapping
from http.cookies import SimpleCookie
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

SESSION = "tmf_console_session"
SIGN_IN = "tmf_console_signin"
SIGN_IN_SECONDS = 600  # a sign-in started and not finished within this is started again
Scope = MutableMapping[str, Any]


class SessionCookies:
    """Signs and reads the console's cookies; a tampered or old cookie reads as none."""

    def __init__(self, secret: str, session_seconds: int) -> None:
        self.session_seconds = session_seconds
        self._session = URLSafeTimedSerializer(secret, salt="tmf-console-session")
        self._sign_in = URLSafeTimedSerializer(secret, salt="tmf-console-sign-in")

    def set_session(self, response: Response, access_token: str, secure: bool) -> None:
        _set(
            response,
            SESSION,
            self._session.dumps({"at": access_token}),
            self.session_seconds,
            secure,
        )

    def access_token(self, scope: Scope) -> str | None:
        """The access token of the request's session (None: not signed in, or expired)."""
        found = self._read(self._session, cookie(scope, SESSION), self.session_seconds)
        token = found.get("at") if found else None
        return token if isinstance(token, str) else None

    def set_sign_in(self, response: Response, pending: dict[str, str], secure: bool) -> None:
        _set(response, SIGN_IN, self._sign_in.dumps(pending), SIGN_IN_SECONDS, secure)

    def sign_in(self, scope: Scope) -> dict[str, str] | None:
        return self._read(self._sign_in, cookie(scope, SIGN_IN), SIGN_IN_SECONDS)

    @staticmethod
    def _read(
        serializer: URLSafeTimedSerializer, value: str | None, max_age: int
    ) -> dict[str, Any] | None:
        if not value:
            return None
        try:
            found = serializer.loads(value, max_age=max_age)
        except BadSignature:  # also an expired one (SignatureExpired)
            return None
        return found if isinstance(found, dict) else None


def cookie(scope: Scope, name: str) -> str | None:
    """One cookie of an ASGI request, read from its headers."""
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header: no cookie
                return None
            if name in jar:
                return jar[name].value
    return None


def _set(response: Response, name: str, value: str, max_age: int, secure: bool) -> None:
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/console"
    )


def forget(response: Response) -> None:
    """Sign out: both cookies gone."""
    for name in (SESSION, SIGN_IN):
        response.delete_cookie(name, path="/console")

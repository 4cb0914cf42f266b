"""CSRF protection of every console form: a random token in a ``SameSite=Lax`` cookie that the
form must repeat (another site can neither read the cookie nor make the browser send it on a
cross-site POST), and a request from another origin is refused whatever it carries."""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

COOKIE = "tmf_console_csrf"
FIELD = "csrf_token"


def token_of(request: Request) -> tuple[str, bool]:
    """The request's CSRF token, and whether it is new (then ``remember`` must set it)."""
    found = request.cookies.get(COOKIE, "")
    if len(found) >= 32:
        return found, False
    return secrets.token_urlsafe(32), True


def remember(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/console"
    )


def refusal(request: Request, sent: str | None) -> str | None:
    """Why a form post is refused (None: it passes)."""
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
        return f"a form from {origin} may not post here"
    expected = request.cookies.get(COOKIE, "")
    if len(expected) < 32 or not sent or not hmac.compare_digest(expected, sent):
        return "the form's security token is missing or stale: reload the page and try again"
    return None


def secure_cookies(request: Request) -> bool:
    """``Secure`` cookies unless the console is reached on loopback over plain HTTP."""
    host = request.url.hostname or ""
    return request.url.scheme == "https" or host not in ("127.0.0.1", "localhost", "::1")

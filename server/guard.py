"""Request hygiene in front of everything: body size, header and query values, and the
security headers of every answer. A hostile request is a 4xx here, before any work."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from server.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# A correlation id we carry into every event and adapter call: short, and safe in any log or
# header. Anything else is replaced by one of ours (server/access.py), and the answer says which.
CORRELATION_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
MAX_IDEMPOTENCY_KEY = 255
# C0 controls and DEL; a header value may hold a horizontal tab (RFC 9110), nothing else.
_HEADER_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_QUERY_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")


class BodyTooLarge(Exception):
    """A body that grew past the limit while it was read (a chunked one: no Content-Length)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The body is larger than {limit} bytes")
        self.limit = limit


class RequestGuard:
    """ASGI middleware: refuses oversized bodies and control characters, bounds the
    Idempotency-Key, and adds security headers to every response."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, no_store: bool = False) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.no_store = no_store  # Cache-Control: no-store (answers that need a token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        secured = self._secured(send)
        if refusal is not None:
            status, code, message = refusal
            await send_error(secured, status, code, message)
            return
        await self.app(scope, self._bounded(receive), secured)

    def _refusal(self, scope: Scope) -> tuple[int, str, str] | None:
        """Why the request is refused before it is read (None: it is not)."""
        for name, value in scope["headers"]:
            if _HEADER_CONTROL.search(value):
                return 400, "invalidHeader", f"header {name.decode('latin-1')!r}: control character"
            if name == b"content-length":
                try:
                    size = int(value)
                except ValueError:
                    return 400, "invalidHeader", "Content-Length is not a number"
                if size > self.max_body_bytes:
                    return (
                        413,
                        "bodyTooLarge",
                        f"The body is larger than {self.max_body_bytes} bytes",
                    )
            elif name == b"idempotency-key" and len(value) > MAX_IDEMPOTENCY_KEY:
                return (
                    400,
                    "invalidHeader",
                    f"Idempotency-Key: at most {MAX_IDEMPOTENCY_KEY} characters",
                )
        query = scope.get("query_string", b"")
        if query and _QUERY_CONTROL.search(unquote_to_bytes(query.replace(b"+", b" "))):
            return 400, "invalidQuery", _control_in_query(query.decode("latin-1"))
        return None

    def _bounded(self, receive: Receive) -> Receive:
        """``receive`` that raises ``BodyTooLarge`` once more than the limit has arrived."""
        received = 0
        limit = self.max_body_bytes

        async def bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        return bounded

    def _secured(self, send: Send) -> Send:
        extra = [(b"x-content-type-options", b"nosniff")]
        if self.no_store:
            extra.append((b"cache-control", b"no-store"))

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if self.no_store:
                    headers = [h for h in headers if h[0].lower() != b"cache-control"]
                message["headers"] = [*headers, *extra]
            await send(message)

        return secured


def _control_in_query(query: str) -> str:
    """Which query parameter holds which control character."""
    for name, value in parse_qsl(query, keep_blank_values=True, encoding="latin-1"):
        bad = next((c for c in name + value if ord(c) < 32 or ord(c) == 127), None)
        if bad is not None:
            what = " (NUL)" if bad == "\x00" else ""
            return f"query parameter {name!r} holds a control character, U+{ord(bad):04X}{what}"
    return "a query parameter holds a control character"


async def send_error(
    send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> None:
    """A TMF Error answer straight on the ASGI channel (no framework below us has run)."""
    body = error_body(status, code, message)
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})

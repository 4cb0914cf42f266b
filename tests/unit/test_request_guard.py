"""The request guard on its own, under a raw ASGI app that reads whatever body it is sent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from server.guard import BodyTooLarge, RequestGuard


def run(guard_limit: int, chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> Any:
    """Send ``chunks`` through a guard to an app that reads them all; what came back."""
    read: list[bytes] = []
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            read.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/x", "headers": headers}
    asyncio.run(RequestGuard(app, guard_limit)(scope, receive, send))
    return read, sent


def test_a_chunked_body_is_cut_off_once_past_the_limit() -> None:
    with pytest.raises(BodyTooLarge):
        run(1000, [b"a" * 600, b"b" * 600, b"c" * 600], [])


def test_a_body_within_the_limit_passes_whole() -> None:
    read, sent = run(1000, [b"a" * 600, b"b" * 400], [])
    assert b"".join(read) == b"a" * 600 + b"b" * 400
    assert sent[0]["status"] == 200
    assert (b"x-content-type-options", b"nosniff") in sent[0]["headers"]


def test_a_declared_length_past_the_limit_is_refused_unread() -> None:
    read, sent = run(1000, [b"a"], [(b"content-length", b"5000")])
    assert read == [] and sent[0]["status"] == 413


def test_a_length_that_is_not_a_number_is_a_400() -> None:
    read, sent = run(1000, [b"a"], [(b"content-length", b"12abc")])
    assert read == [] and sent[0]["status"] == 400

"""A tiny hub subscriber (``tmf-adapter events listen``): prints each notification it gets."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from core.events import signing

OnEvent = Callable[[str, dict[str, Any], dict[str, str]], None]


class Listener:
    """Answers 201 to every POST under ``/listener/``; ``on_event`` sees path, body, headers.

    With a ``secret`` a notification whose signature does not verify is answered 401 (so the
    sender retries it) and not passed on.
    """

    def __init__(self, host: str, port: int, on_event: OnEvent, secret: str | None = None) -> None:
        self.on_event = on_event
        self.secret = secret
        self.server = ThreadingHTTPServer((host, port), _handler(self))
        self.server.daemon_threads = True

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def serve_forever(self) -> None:
        self.server.serve_forever(poll_interval=0.2)

    def start(self) -> Listener:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def accept(self, path: str, raw: bytes, headers: dict[str, str]) -> int:
        """The status to answer: 201 taken, 400 not JSON, 401 bad signature, 404 elsewhere."""
        if "/listener/" not in path:
            return 404
        if self.secret is not None and not signing.verify(
            self.secret, raw, headers.get(signing.HEADER, ""), int(time.time())
        ):
            return 401
        try:
            body = json.loads(raw)
        except ValueError:
            return 400
        self.on_event(path, body, headers)
        return 201


def _handler(listener: Listener) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the sender reuses its connections

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = listener.accept(self.path, raw, dict(self.headers.items()))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    return Handler


def describe(path: str, body: dict[str, Any]) -> str:
    """One line per event: when, what, which resource and, for a state change, its state."""
    event = body.get("event") or {}
    kind, resource = next(iter(event.items()), ("?", {}))
    resource = resource if isinstance(resource, dict) else {}
    state = resource.get("state") or resource.get("lifecycleStatus")
    return (
        f"{body.get('eventTime', '?')}  {body.get('eventType', path.rsplit('/', 1)[-1])}  "
        f"{kind} {resource.get('id', '?')}" + (f"  -> {state}" if state else "")
    )

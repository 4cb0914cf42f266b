"""A hub subscriber over real HTTP that records what it is sent and can fail on demand."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """Listens at ``url`` (the callback to subscribe); ``events`` holds what arrived, in order."""

    def __init__(self, port: int = 0) -> None:
        self.received: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        self.fail_next = 0  # answer this many requests with ``fail_status``, keeping nothing
        self.fail_status = 500
        self.delay = 0.0  # seconds before each answer
        self.lock = threading.Lock()
        self._port = port
        self.server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/hooks"

    def start(self) -> Receiver:
        server = ThreadingHTTPServer(("127.0.0.1", self._port), _handler(self))
        server.daemon_threads = True
        self._port = server.server_address[1]
        self.server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Down: connections are refused until ``start`` again (same port)."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [body for _, body, _ in self.received]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.events


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if receiver.delay:
                time.sleep(receiver.delay)
            with receiver.lock:
                failing = receiver.fail_next > 0
                if failing:
                    receiver.fail_next -= 1
                else:
                    receiver.received.append((self.path, json.loads(body), dict(self.headers)))
            status = receiver.fail_status if failing else 201
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    return Handler

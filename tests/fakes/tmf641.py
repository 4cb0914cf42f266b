"""A small TMF641 Service Ordering server playing a provisioning system, with switchable flaws."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


class ProvisioningSystem:
    """Service orders by externalId; each one is created once however often it is sent."""

    def __init__(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        self.created: Counter[str] = Counter()  # side effects per externalId
        self.polls_left: Counter[str] = Counter()
        self.headers: list[dict[str, str]] = []  # of each POST
        self.queries: list[dict[str, str]] = []  # the headers of each status query (GET)
        self.delay = 0.0  # seconds before each answer to a POST
        self.refuse: list[int] = []  # status codes to answer next, doing nothing (e.g. 503)
        self.lose_answers = 0  # next N POSTs are carried out but the connection drops
        self.reject = 0  # next N POSTs are rejected with 400
        self.in_progress_polls = 0  # new orders stay inProgress for this many status queries
        self.garble = 0  # next N answers (POST or GET) are not TMF641; a POST is still done
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/tmf-api/serviceOrdering/v4"

    def start(self) -> ProvisioningSystem:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            key = str(body.get("externalId"))
            if key not in self.orders:
                self.created[key] += 1
                state = "inProgress" if self.in_progress_polls else "completed"
                self.orders[key] = dict(body, id=uuid.uuid4().hex, state=state)
                self.polls_left[key] = self.in_progress_polls
            return self.orders[key]

    def find(self, key: str) -> list[dict[str, Any]]:
        with self.lock:
            order = self.orders.get(key)
            if order is None:
                return []
            if order["state"] == "inProgress":
                self.polls_left[key] -= 1
                if self.polls_left[key] <= 0:
                    order["state"] = "completed"
                return [dict(order, state="inProgress")]
            return [order]


def _handler(system: ProvisioningSystem) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def _send(self, code: int, body: Any) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a slow-system test)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            system.headers.append(dict(self.headers))
            time.sleep(system.delay)
            if system.refuse:
                code = system.refuse.pop(0)
                self._send(code, {"code": str(code), "reason": "try later"})
                return
            if system.reject:
                system.reject -= 1
                self._send(400, {"code": "400", "reason": "Bad request", "message": "no port"})
                return
            order = system.create(body)
            if system.lose_answers:
                system.lose_answers -= 1
                self.close_connection = True
                self.connection.shutdown(2)  # done, but the answer never leaves
                return
            if system.garble:
                system.garble -= 1
                self._send(201, {"id": 42, "state": "finished"})  # done, said wrongly
                return
            self._send(201, order)

        def do_GET(self) -> None:
            system.queries.append(dict(self.headers))
            query = parse_qs(urlparse(self.path).query)
            if system.garble:
                system.garble -= 1
                self._send(200, {"serviceOrders": "somewhere"})
                return
            self._send(200, system.find(query.get("externalId", [""])[0]))

    return Handler

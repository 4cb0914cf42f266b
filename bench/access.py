"""What the access log and the request metrics cost per request, next to a bare ASGI app.

    python bench/access.py [--requests 20000] [--format json|text]

Calls an app that answers at once, bare and behind ``AccessLog`` (correlation id, one log line
written to /dev/null, request histogram, in-flight gauge), and prints microseconds per request
for each, and with ``TMF_LOG_LEVEL=WARNING`` (no access line).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time
from typing import Any

import openapi
from core.persistence.database import Database
from server import logs
from server.access import AccessLog
from server.gates import APIS
from server.metrics import Metrics

BASE = "/tmf-api/productOrderingManagement/v4"


async def bare(scope: dict[str, Any], _receive: Any, send: Any) -> None:
    """Answers like a routed retrieve: connexion's routing context, a 500-byte body."""
    routing = scope.get("extensions", {}).setdefault("connexion_routing", {})
    routing.update({"api_base_path": BASE, "operation_id": "retrieveProductOrder"})
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"x" * 500})


def request() -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": f"{BASE}/productOrder/42",
        "headers": [(b"host", b"bench"), (b"x-correlation-id", b"bench-1")],
        "client": ("127.0.0.1", 40000),
    }


async def per_request(app: Any, count: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(_message: Any) -> None:
        pass

    started = time.perf_counter()
    for _ in range(count):
        await app(request(), receive, send)
    return (time.perf_counter() - started) / count * 1e6


async def main(count: int, format: str) -> None:
    logs.configure("json" if format == "json" else "text", "INFO")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 (for the whole run)
    logged = AccessLog(
        bare, {api: openapi.load(api) for api in APIS}, Metrics(Database("sqlite://"), 3600)
    )
    for _ in range(2):  # the first round warms up
        baseline = await per_request(bare, count)
        full = await per_request(logged, count)
    logging.getLogger().setLevel("WARNING")
    quiet = await per_request(logged, count)
    print(f"bare app                        {baseline:7.1f} us/request")
    print(f"access log ({format}) + metrics    {full:7.1f} us/request  (+{full - baseline:.1f})")
    print(f"metrics only (level WARNING)    {quiet:7.1f} us/request  (+{quiet - baseline:.1f})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--format", choices=["json", "text"], default="json")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.format))

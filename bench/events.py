"""Event delivery benchmark: order events to 10 hub subscribers on a local receiver.

    python bench/events.py [--events 10000] [--subscribers 10] [--workers 1] [--paced-rate 100]

The outbox holds ``--events`` ProductOrderStateChangeEvents (orders of 10 events each, so the
order per resource holds back part of the work, as in life); ``--subscribers`` subscriptions
point at one receiver process (uvicorn, a path each). Two measurements:

1. capacity: ``--workers`` processes of ``tmf-adapter worker`` start with the backlog waiting;
   deliveries per second from their start to the last receipt.
2. lag: events are committed at ``--paced-rate`` per second for ``--paced-seconds``; p50/p99 of
   the time from commit (eventTime) to receipt.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from load import ensure_database, start_workers, stop_all

from core.events.callbacks import CallbackGuard
from core.events.hub import Hub
from core.events.model import resource_event
from core.persistence import migrate
from core.persistence.database import Database
from core.timeutil import format_utc

STATES = ["acknowledged", "inProgress", "held", "inProgress", "pending"] * 2


# -- the receiver (its own process) -------------------------------------------------------------


def receiver_app() -> Any:
    """A raw ASGI app: 201 to every POST, keeping receipt time and lag per event."""
    seen: list[tuple[str, float, float]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["method"] == "GET":
            payload = json.dumps(seen).encode()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": payload})
            return
        now = time.time()
        event = json.loads(body)
        at = datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00")).timestamp()
        seen.append((event["eventId"], now, now - at))
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app


def serve_receiver(port: int) -> None:
    import uvicorn

    uvicorn.run(receiver_app(), host="127.0.0.1", port=port, log_level="warning")


def received(port: int) -> list[tuple[str, float, float]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=30) as answer:
        return [tuple(r) for r in json.loads(answer.read())]  # type: ignore[misc]


# -- the run ------------------------------------------------------------------------------------


def prepare(url: str, port: int, subscribers: int) -> Database:
    """A new database each run: one emptied by DELETE keeps the bloat and plans of the last."""
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(
        sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin.dispose()
    ensure_database(url)
    db = Database(url)
    migrate.upgrade(db)
    hub = Hub(db, CallbackGuard("127.0.0.1"))
    for n in range(subscribers):
        hub.subscribe("tmf622", {"callback": f"http://127.0.0.1:{port}/s{n}"})
    return db


_numbers = itertools.count()
_run = uuid.uuid4().hex[:6]


def commit_events(db: Database, count: int) -> None:
    """``count`` state change events, 10 per order, committed 100 to a transaction."""
    for first in range(0, count, 100):
        with db.uow() as uow:
            now = format_utc(datetime.now(UTC))
            batch = []
            for n in (next(_numbers) for _ in range(min(100, count - first))):
                batch.append(
                    resource_event(
                        resource_kind="productOrder",
                        change="StateChange",
                        document={"id": f"order-{_run}-{n // 10}", "state": STATES[n % 10]},
                        event_id=str(uuid.uuid4()),
                        occurred_at=now,
                        correlation_id="bench",
                        domain="productOrderingManagement",
                    )
                )
            uow.outbox.add_many(batch)
            uow.commit()


def workers(url: str, count: int) -> list[subprocess.Popen[bytes]]:
    environment = {"DATABASE_URL": url, "TMF_CALLBACK_ALLOWLIST": "127.0.0.1"}
    return start_workers(count, environment, "--threads", "1")


def wait_for(port: int, count: int, timeout: float) -> list[tuple[str, float, float]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = received(port)
        if len(seen) >= count:
            return seen
        time.sleep(1)
    raise SystemExit(f"only {len(received(port))} of {count} deliveries arrived")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/tmf_bench_events"
    )
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--subscribers", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--paced-rate", type=float, default=100, help="events per second")
    parser.add_argument("--paced-seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=9400)
    parser.add_argument("--receiver", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        serve_receiver(args.port)
        return
    receiver = subprocess.Popen(
        [sys.executable, __file__, "--receiver", "--port", str(args.port)],
        start_new_session=True,
    )
    running: list[subprocess.Popen[bytes]] = []
    try:
        db = prepare(args.database_url, args.port, args.subscribers)
        commit_events(db, args.events)
        total = args.events * args.subscribers
        print(f"{args.events} events for {args.subscribers} subscribers; {args.workers} worker(s)")
        started = time.time()
        running = workers(args.database_url, args.workers)
        seen = wait_for(args.port, total, timeout=1800)
        times = sorted(t for _, t, _ in seen)
        span = times[-1] - started  # from the workers' start (their start-up included)
        print(
            f"capacity: {len(seen)} deliveries ({len({e for e, _, _ in seen})} events x "
            f"subscribers) in {span:.1f} s: {len(seen) / span:.0f} deliveries/s"
        )
        before = len(seen)
        start = time.monotonic()
        sent = 0
        while time.monotonic() - start < args.paced_seconds:
            due = int((time.monotonic() - start) * args.paced_rate) - sent
            if due > 0:
                commit_events(db, due)
                sent += due
            time.sleep(0.01)
        seen = wait_for(args.port, before + sent * args.subscribers, timeout=600)
        lags = [lag for _, _, lag in seen[before:]]
        print(
            f"lag at {args.paced_rate:g} events/s ({args.paced_rate * args.subscribers:g} "
            f"deliveries/s) for {args.paced_seconds:g} s ({len(lags)} deliveries): commit -> "
            f"receipt p50 {percentile(lags, 0.5) * 1000:.0f} ms, "
            f"p99 {percentile(lags, 0.99) * 1000:.0f} ms"
        )
    finally:
        stop_all(running)
        os.killpg(receiver.pid, signal.SIGTERM)
        receiver.wait(timeout=30)


if __name__ == "__main__":
    main()

"""A dispatcher killed with SIGKILL while delivering: every event still arrives, in order."""

from __future__ import annotations

import os
import pathlib
import random
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from core.events.callbacks import CallbackGuard
from core.events.hub import Hub
from core.persistence.database import Database
from tests.conftest import BACKENDS, private_database
from tests.fakes.receiver import Receiver
from tests.integration.test_event_delivery import order_events

WORKER = os.path.join(os.path.dirname(__file__), "delivery_worker.py")


@pytest.fixture(params=BACKENDS)
def private(
    request: pytest.FixtureRequest, tmp_path: pathlib.Path
) -> Iterator[tuple[Database, str]]:
    with private_database(request.param, tmp_path) as found:
        yield found


def start(db: Database, search_path: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, WORKER, db.url, search_path], start_new_session=True)


def kill(worker: subprocess.Popen[bytes]) -> None:
    os.killpg(worker.pid, 9)
    worker.wait(timeout=10)


def test_a_dispatcher_killed_mid_delivery_loses_nothing(private: tuple[Database, str]) -> None:
    db, search_path = private
    receiver = Receiver().start()
    receiver.delay = 0.05  # so kills land while requests are in flight
    Hub(db, CallbackGuard("127.0.0.1")).subscribe("tmf622", {"callback": receiver.url})
    sent = {
        order_id: order_events(db, order_id, [f"s{n}" for n in range(12)])
        for order_id in ("A", "B", "C", "D")
    }
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    worker = start(db, search_path)
    try:
        kills = 0
        while kills < 5 and len(receiver.received) < 48:
            seen = len(receiver.received)  # kill only once this worker is delivering
            deadline = time.monotonic() + 30
            while len(receiver.received) == seen and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.1))
            kill(worker)
            kills += 1
            worker = start(db, search_path)
        assert kills == 5, f"all delivered before five kills (seed {seed})"
        wanted = {e for ids in sent.values() for e in ids}
        deadline = time.monotonic() + 60
        while {e["eventId"] for e in receiver.events} != wanted:
            assert time.monotonic() < deadline, f"not all delivered (seed {seed})"
            time.sleep(0.1)
    finally:
        kill(worker)
        receiver.stop()
    bodies: dict[str, dict[str, object]] = {}
    for event in receiver.events:  # a duplicate is the same event: same id, same body
        assert bodies.setdefault(event["eventId"], event) == event
    for order_id, ids in sent.items():
        firsts = list(
            dict.fromkeys(
                e["eventId"]
                for e in receiver.events
                if e["event"]["productOrder"]["id"] == order_id
            )
        )
        assert firsts == ids, f"order of {order_id} broken (seed {seed})"

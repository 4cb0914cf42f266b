"""Workers killed with SIGKILL at random moments: no order lost, no side effect twice.

Real worker processes on a database of their own (the e2e apps of this test process run their
own workers on the shared one); on PostgreSQL two of them at once.
"""

from __future__ import annotations

import os
import pathlib
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from adapters.simulated import Ledger
from core.catalog import seeding
from core.catalog.service import CatalogService, CatalogSettings
from core.inventory import seeding as inventory_seeding
from core.ordering.service import OrderingService
from core.persistence.database import Database
from core.requests import RequestContext
from core.schema import ResourceSchemas
from tests.conftest import BACKENDS, ORDER_BASE, private_database
from tests.integration.test_fulfillment import assert_no_repeats
from tests.orders import add, order

WORKER = os.path.join(os.path.dirname(__file__), "fulfillment_worker.py")


@pytest.fixture(params=BACKENDS)
def private(
    request: pytest.FixtureRequest, tmp_path: pathlib.Path
) -> Iterator[tuple[Database, str]]:
    with private_database(request.param, tmp_path) as found:
        yield found


def start(db: Database, search_path: str, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, WORKER, db.url, search_path, name], start_new_session=True
    )


def kill(worker: subprocess.Popen[bytes]) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def test_workers_killed_at_random_lose_nothing_and_repeat_nothing(
    private: tuple[Database, str],
    schemas: ResourceSchemas,
    order_schemas: ResourceSchemas,
    ctx: RequestContext,
) -> None:
    db, search_path = private
    seeding.seed(CatalogService(db, schemas, CatalogSettings()), seeding.fixture("demo"), ctx)
    inventory_seeding.seed(db, inventory_seeding.fixture("demo"), "2026-02-01T09:00:00.000Z")
    ordering = OrderingService(db, order_schemas)
    order_ctx = RequestContext(ORDER_BASE, "crash")
    bodies = [
        order(
            "cust-carol", add("1", "po-mobile-s"), add("2", "po-tv-basic", channelPackage="basic")
        ),
        order("cust-carol", add("1", "po-fibre-300", installationAddress="1 Main St")),
    ]
    placed = [ordering.place(bodies[i % 2], order_ctx)[0].id for i in range(16)]
    ledger = Ledger(db.engine)
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    count = 2 if search_path else 1  # SQLite has one writer: one worker
    workers = [start(db, search_path, f"w{i}") for i in range(count)]
    try:
        for kills in range(8):  # kill one at a random moment, start another in its place
            time.sleep(rng.uniform(0.3, 1.5))
            victim = rng.randrange(count)
            kill(workers[victim])
            workers[victim] = start(db, search_path, f"w{victim}-{kills}")
        deadline = time.monotonic() + 120
        while True:
            states = {ordering.get(o).state for o in placed}
            if states == {"completed"}:
                break
            assert time.monotonic() < deadline, f"not finished (seed {seed}): {states}"
            time.sleep(0.25)
    finally:
        for worker in workers:
            kill(worker)
    assert_no_repeats(ledger)
    with db.uow(write=False) as uow:
        tasks = [t for o in placed for t in uow.tasks.of_order(o)]
    assert {t.status for t in tasks} == {"done"}, f"seed {seed}"
    effects = {(e.system, e.key) for e in ledger.effects()}
    assert effects == {(t.port, t.id) for t in tasks}  # each task's side effect, exactly once

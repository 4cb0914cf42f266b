"""Fulfillment benchmark: orders carried out by worker processes on PostgreSQL.

    python bench/fulfillment.py [--orders 10000] [--workers 2] [--paced-seconds 20]

Each order has two items of an offering that needs a contract, two services and billing
(4 tasks per item) plus the order's CRM check: 9 tasks. The simulated systems answer at once
(zero latency) and keep their memory in each worker (an in-memory ledger), so the figures are
the orchestrator's own. Two measurements:

1. capacity: ``--orders`` accepted orders are waiting when ``--workers`` processes of
   ``tmf-adapter worker`` start; orders completed per second, from the first release to the
   last completion (database timestamps).
2. latency: orders arrive at half that rate for ``--paced-seconds``; p50/p99 of the time from
   accepted (orderDate) to completed (completionDate).
"""

from __future__ import annotations

import argparse
import copy
import statistics
import subprocess
import time
from datetime import datetime

import sqlalchemy as sa
from load import ensure_database, start_workers, stop_all

from core.ordering.model import ProductOrder, Stamp
from core.persistence import migrate
from core.persistence.tables import metadata
from core.requests import RequestContext
from core.timeutil import format_utc
from server import cli
from server.container import Container, build_container
from server.settings import Settings

API = "http://127.0.0.1/tmf-api/productOrderingManagement/v4"
SPEC = {
    "name": "Bench line",
    "lifecycleStatus": "Active",
    "serviceSpecification": [{"id": "ss-bench-a"}, {"id": "ss-bench-b"}],
}
OFFERING = {
    "name": "Bench line",
    "isSellable": True,
    "lifecycleStatus": "Launched",
    "productSpecification": {"id": "ps-bench"},
    "productOfferingPrice": [{"id": "pop-mobile-s-monthly"}],
    "agreement": [{"id": "ag-bench", "name": "Bench contract"}],
}


def prepare(database_url: str) -> tuple[Container, ProductOrder]:
    """An empty database with the demo catalog, the bench offering and one placed order."""
    ensure_database(database_url)
    container = build_container(Settings(DATABASE_URL=database_url, TMF_RUN_WORKER=False))
    migrate.upgrade(container.db)
    with container.db.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table.name != "catalog_generation":
                connection.execute(table.delete())
    with container.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.exec_driver_sql("VACUUM ANALYZE")  # the rows of earlier runs are gone, not just hidden
    cli._seed(container, "demo", "http://127.0.0.1")
    ctx = RequestContext("http://127.0.0.1/tmf-api/productCatalogManagement/v4", "bench")
    container.catalog.create("productSpecification", SPEC, ctx, entity_id="ps-bench")
    container.catalog.create("productOffering", OFFERING, ctx, entity_id="po-bench")
    body = {
        "relatedParty": [{"id": "cust-bench", "role": "Customer", "@referredType": "Individual"}],
        "productOrderItem": [
            {"id": str(i), "action": "add", "productOffering": {"id": "po-bench"}} for i in (1, 2)
        ],
    }
    template, _ = container.ordering.place(body, RequestContext(API, "bench"))
    with container.db.uow() as uow:  # the template itself is not part of the run
        uow.orders.delete(template)
        uow.commit()
    return container, template


def accept(container: Container, template: ProductOrder, count: int, first: int) -> list[str]:
    """Store ``count`` copies of the template as accepted orders (as capture would)."""
    ids = []
    now = format_utc(container.ordering.clock.now())
    with container.db.uow() as uow:
        for n in range(first, first + count):
            document = copy.deepcopy(template.document)
            order_id = container.ordering.ids.new_id()
            document.update(id=order_id, href=f"{API}/productOrder/{order_id}", orderDate=now)
            document["relatedParty"][0]["id"] = f"cust-bench-{n}"
            order = ProductOrder(order_id, document, template.snapshot, correlation_id="bench")
            order.start("acknowledged", Stamp(now, "order accepted"))
            uow.orders.add(order, now)
            uow.timeline.add(order.timeline)
            ids.append(order_id)
        uow.commit()
    return ids


def workers(database_url: str, count: int) -> list[subprocess.Popen[bytes]]:
    environment = {
        "DATABASE_URL": database_url,
        "TMF_SIMULATOR_DATABASE_URL": "memory",
        "TMF_WORKER_POLL_SECONDS": "0.05",
    }
    return start_workers(count, environment)


def _at(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def finished(engine: sa.Engine, ids: list[str]) -> dict[str, tuple[str, str, str]]:
    """order id -> (state, orderDate, completionDate) of the orders that are final."""
    found = {}
    with engine.connect() as connection:
        for chunk in range(0, len(ids), 5000):
            rows = connection.execute(
                sa.text(
                    "SELECT order_id, state, document->>'orderDate', document->>'completionDate'"
                    " FROM product_order WHERE order_id = ANY(:ids)"
                    " AND state IN ('completed', 'failed', 'partial', 'held')"
                ),
                {"ids": ids[chunk : chunk + 5000]},
            )
            found.update({r[0]: (r[1], r[2], r[3]) for r in rows})
    return found


def wait_for(engine: sa.Engine, ids: list[str], timeout: float) -> dict[str, tuple[str, str, str]]:
    """Wait until every order of ``ids`` is final, polling a cheap count (the poll must not
    weigh on the database it measures), then read their times."""
    deadline = time.monotonic() + timeout
    count = sa.text(
        "SELECT count(*) FROM product_order WHERE order_id = ANY(:ids)"
        " AND state IN ('completed', 'failed', 'partial', 'held')"
    )
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(count, {"ids": ids}).scalar_one() == len(ids):
                break
        time.sleep(1)
    return finished(engine, ids)


def first_release(engine: sa.Engine, ids: list[str]) -> float:
    with engine.connect() as connection:
        at = connection.execute(
            sa.text(
                "SELECT min(at) FROM order_timeline WHERE item_id IS NULL"
                " AND to_state = 'inProgress' AND order_id = ANY(:ids)"
            ),
            {"ids": ids},
        ).scalar_one()
    return _at(str(at))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/tmf_bench_fulfillment",
    )
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--paced-seconds", type=float, default=20)
    args = parser.parse_args()
    container, template = prepare(args.database_url)
    engine = sa.create_engine(args.database_url)
    ids: list[str] = []
    for first in range(0, args.orders, 1000):
        ids += accept(container, template, min(1000, args.orders - first), first)
    print(f"{len(ids)} orders accepted (2 items, 9 tasks each); starting {args.workers} workers")
    running = workers(args.database_url, args.workers)
    try:
        done = wait_for(engine, ids, timeout=3600)
        states = statistics.multimode(s for s, _, _ in done.values())
        last = max(_at(c) for _, _, c in done.values() if c)
        rate = len(done) / (last - first_release(engine, ids))
        print(
            f"capacity: {len(done)} orders final ({states}) in "
            f"{last - first_release(engine, ids):.1f} s: {rate:.1f} orders/s, "
            f"{rate * 9:.0f} tasks/s"
        )
        pace = rate / 2
        paced: list[str] = []
        start = time.monotonic()
        while time.monotonic() - start < args.paced_seconds:
            due = int((time.monotonic() - start) * pace) - len(paced)
            if due > 0:
                paced += accept(container, template, due, args.orders + len(paced))
            time.sleep(0.02)
        done = wait_for(engine, paced, timeout=600)
        waits = sorted(_at(c) - _at(o) for _, o, c in done.values() if c)
        p50, p99 = waits[len(waits) // 2], waits[int(len(waits) * 0.99) - 1]
        print(
            f"latency at {pace:.0f} orders/s for {args.paced_seconds:g} s ({len(waits)} orders):"
            f" accepted -> completed p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
        )
    finally:
        stop_all(running)
        engine.dispose()
        container.db.dispose()


if __name__ == "__main__":
    main()

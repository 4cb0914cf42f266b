"""Ordering benchmark: the demo catalog in PostgreSQL, strict profile, load from wrk.

    python bench/orders.py [--duration 15] [--connections 16] [--workers 2]
                           [--large-customer 100000] [--quick]

Prints the baseline first: pgbench committing a durable 2 KB JSONB insert per transaction
from one client (its own table, dropped after), what the database can commit alone. Then
req/s, p50 and p99, each also as a share of that baseline (with the issue's target), for POST
productOrder (two items: a mobile line, and the TV pack bundle with its TV Basic child;
customers vary) with the fulfillment worker off, GET productOrder/{id}, and POST again with the
embedded worker on. Then the two lists (the first page of all orders, and the one filtered by
customer and state) on stores of 10k, 100k and 1M orders (``--quick`` stops at 100k): the store
is topped up with copies of the orders placed, spread over the same customers and states, and
analyzed, as autovacuum would. Then, with the fulfillment worker off so no installed base
grows, POST of one order whose items take part in a requires
rule (a mobile line, TV Basic, and TV Sports, which requires TV Basic) for a new customer each
time and for one customer with ``--large-customer`` installed products, in alternating runs,
with the ratio of their p50. Ends with the resident memory of the server's processes after
the first runs. Needs PostgreSQL (``--database-url``; created if missing), ``pgbench`` and
``wrk``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile

import sqlalchemy as sa
from load import (
    ensure_database,
    insert_baseline,
    median,
    resident_mb,
    serve,
    stop,
    wait_until_up,
    wrk,
)

from core.persistence import migrate
from core.persistence.tables import installed_product, metadata
from server import cli
from server.container import build_container
from server.settings import Settings

API = "/tmf-api/productOrderingManagement/v4"
CUSTOMERS = 1000
ORDER = {
    "relatedParty": [{"id": "CUSTOMER", "role": "Customer", "@referredType": "Individual"}],
    "productOrderItem": [
        {"id": "1", "action": "add", "productOffering": {"id": "po-mobile-s"}},
        {
            "id": "2",
            "action": "add",
            "productOffering": {"id": "po-tv-pack"},
            "productOrderItem": [
                {
                    "id": "2.1",
                    "action": "add",
                    "productOffering": {"id": "po-tv-basic"},
                    "product": {
                        "productCharacteristic": [{"name": "channelPackage", "value": "basic"}]
                    },
                }
            ],
        },
    ],
}


RULED = {
    "relatedParty": [{"id": "CUSTOMER", "role": "Customer", "@referredType": "Individual"}],
    "productOrderItem": [
        {"id": "1", "action": "add", "productOffering": {"id": "po-mobile-s"}},
        {
            "id": "2",
            "action": "add",
            "productOffering": {"id": "po-tv-basic"},
            "product": {"productCharacteristic": [{"name": "channelPackage", "value": "basic"}]},
        },
        {
            "id": "3",
            "action": "add",
            "productOffering": {"id": "po-tv-sports"},
            "product": {"productCharacteristic": [{"name": "channelPackage", "value": "sports"}]},
        },
    ],
}
LARGE = "cust-large"


def prepare(database_url: str) -> None:
    """An empty database with the demo catalog and demo customers."""
    ensure_database(database_url)
    container = build_container(Settings(DATABASE_URL=database_url))
    migrate.upgrade(container.db)
    with container.db.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table.name != "catalog_generation":
                connection.execute(table.delete())
    cli._seed(container, "demo", "http://127.0.0.1")
    container.db.dispose()


def install_base(database_url: str, count: int) -> None:
    """``count`` live products for the large customer: mobile lines, and one each of TV Basic,
    fibre 300 and the router (so the requires rule has something to find)."""
    rows = []
    offerings = ["po-tv-basic", "po-fibre-300", "po-router-rental"]
    for n in range(count):
        offering = offerings[n] if n < len(offerings) else "po-mobile-s"
        document = {
            "id": f"large-{n}",
            "status": "active",
            "productOffering": {"id": offering},
            "relatedParty": [{"id": LARGE, "role": "Customer", "@referredType": "Individual"}],
            "productCharacteristic": [{"name": "msisdn", "value": f"+3361{n:07d}"}],
        }
        rows.append(
            {
                "product_id": document["id"],
                "customer_id": LARGE,
                "status": "active",
                "offering_id": offering,
                "last_update": "2026-01-01T00:00:00.000Z",
                "row_version": 1,
                "document": document,
            }
        )
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        for start in range(0, len(rows), 10_000):
            connection.execute(sa.insert(installed_product), rows[start : start + 10_000])
        connection.exec_driver_sql("ANALYZE installed_product")
    engine.dispose()


def lua_post(template: dict = ORDER, customer: str | None = None) -> str:  # type: ignore[type-arg]
    """A wrk script that posts the order for ``customer``, else a random one of CUSTOMERS."""
    body = json.dumps(template, separators=(",", ":"))
    head, tail = body.split("CUSTOMER")
    who = json.dumps(customer) if customer else f"'cust-bench-' .. math.random({CUSTOMERS})"
    return (
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        "request = function()\n"
        f"  local body = {json.dumps(head)} .. {who} .. {json.dumps(tail)}\n"
        f'  return wrk.format(nil, "{API}/productOrder", nil, body)\n'
        "end\n"
    )


def lua_post_new() -> str:
    """The ruled order, each time for a customer never seen before."""
    body = json.dumps(RULED, separators=(",", ":"))
    head, tail = body.split("CUSTOMER")
    return (
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        "counter = 0\n"
        "setup = function(thread) thread:set('tag', tostring(math.random(1e9))) end\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        f"  local body = {json.dumps(head)} .. 'cust-new-' .. tag .. '-' .. counter .. "
        f"{json.dumps(tail)}\n"
        f'  return wrk.format(nil, "{API}/productOrder", nil, body)\n'
        "end\n"
    )


def lua_get(ids: list[str]) -> str:
    return (
        "ids = {" + ",".join(f'"{i}"' for i in ids) + "}\n"
        "request = function()\n"
        f'  return wrk.format("GET", "{API}/productOrder/" .. ids[math.random(#ids)])\n'
        "end\n"
    )


POST_OFF = "POST /productOrder (worker off)"
POST_ON = "POST /productOrder (embedded worker on)"
# The targets, as shares of the pgbench baseline of the same invocation.
TARGETS = {
    POST_OFF: 30,
    POST_ON: 20,
    "GET /productOrder/{id}": 50,
    "GET /productOrder?limit": 15,  # the first page
    "GET /productOrder?relatedParty": 15,  # filtered by customer and state
}
# A client 500 pages in (no target: shown so that a page's cost is seen to follow its depth in
# the index only, never the documents it skips).
DEEP = "offset=10000&limit=20"


def _meets(share: float, target: int) -> str:
    return "met" if share >= target else "missed"


def script(text: str) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(text)
    return handle.name


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/tmf_bench_orders"
    )
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8691)
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario; the median shown")
    parser.add_argument("--quick", action="store_true", help="lists at 10k and 100k orders only")
    parser.add_argument(
        "--large-customer",
        type=int,
        default=100_000,
        help="installed products of the large customer (0: skip that comparison)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed for the load (apt-get install wrk)")
    prepare(args.database_url)
    print("baseline: pgbench, one client, a durable 2 KB JSONB insert per transaction")
    baseline = insert_baseline(args.database_url, 20)
    origin = f"http://127.0.0.1:{args.port}"
    results = {}
    post = script(lua_post())
    server = serve(args.database_url, args.port, args.workers, TMF_RUN_WORKER="false")
    try:
        wait_until_up(f"{origin}{API}/productOrder?limit=1")
        wrk(origin, 3, args.connections, post)  # warm up
        results[POST_OFF] = median(
            [wrk(origin, args.duration, args.connections, post) for _ in range(args.runs)]
        )
        engine = sa.create_engine(args.database_url)
        with engine.connect() as connection:
            ids = [r[0] for r in connection.execute(sa.text("SELECT order_id FROM product_order"))]
            orders = len(ids)
        engine.dispose()
        get = script(lua_get(random.Random(1).sample(ids, min(len(ids), 2000))))
        wrk(origin, 3, args.connections, get)
        results["GET /productOrder/{id}"] = median(
            [wrk(origin, args.duration, args.connections, get) for _ in range(args.runs)]
        )
        memory = resident_mb(server)
    finally:
        stop(server)
    server = serve(args.database_url, args.port, args.workers)
    try:
        wait_until_up(f"{origin}{API}/productOrder?limit=1")
        wrk(origin, 3, args.connections, post)
        results[POST_ON] = median(
            [wrk(origin, args.duration, args.connections, post) for _ in range(args.runs)]
        )
    finally:
        stop(server)
    query = "relatedParty.id=cust-bench-7&state=acknowledged&limit=20"
    sizes = STORE_SIZES[:-1] if args.quick else STORE_SIZES
    results.update(store_sizes(args, origin, sizes, query))
    if args.large_customer:
        results.update(large_customer(args, origin))
    print(
        f"orders stored: {orders}, server workers: {args.workers}, "
        f"connections: {args.connections}, profile: strict"
    )
    print(
        f"baseline (pgbench insert): {baseline['req/s']:.0f} tps, p50 {baseline['50%']:.2f} ms, "
        f"p99 {baseline['99%']:.2f} ms"
    )
    for name, figures in results.items():
        print(name)
        share = 100 * figures["req/s"] / baseline["req/s"]
        target = next((t for prefix, t in TARGETS.items() if name.startswith(prefix)), None)
        verdict = "" if target is None else f" (target >= {target} %: {_meets(share, target)})"
        print(
            f"  {figures['req/s']:10.0f} req/s   p50 {figures['50%']:6.2f} ms   "
            f"p99 {figures['99%']:6.2f} ms   non-2xx {figures['non-2xx']:.0f}   "
            f"{share:.0f} % of the baseline{verdict}"
        )
    print("resident memory after the run, MB: " + ", ".join(f"{m:.0f}" for m in memory))
    if args.large_customer:
        print_ratio(results)


STORE_SIZES = (10_000, 100_000, 1_000_000)
_FILL = """
INSERT INTO product_order (order_id, state, customer_key, external_id, order_date, last_update,
    row_version, correlation_id, document, snapshot, traceparent)
SELECT 'fill-' || n, o.state, 'cust-bench-' || (1 + n % :customers), NULL, o.order_date,
    o.last_update, o.row_version, o.correlation_id,
    jsonb_set(jsonb_set(o.document, '{id}', to_jsonb('fill-' || n)), '{relatedParty,0,id}',
              to_jsonb('cust-bench-' || (1 + n % :customers))),
    o.snapshot, o.traceparent
FROM generate_series(:start, :stop - 1) AS n
JOIN (SELECT row_number() OVER (ORDER BY seq) - 1 AS k, * FROM product_order
      WHERE order_id NOT LIKE 'fill-%') AS o
  ON o.k = n % :placed
"""

_TRIM = """
DELETE FROM product_order
WHERE seq >= (SELECT seq FROM product_order ORDER BY seq OFFSET :size LIMIT 1)
"""


def fill(database_url: str, size: int) -> int:
    """Top the store up to ``size`` orders with copies of the placed ones (each copy for one of
    the bench customers, in its model's state), or trim it to the first ``size`` (the POST runs
    may have placed more), then ANALYZE; returns the orders stored."""
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text(_TRIM), {"size": size})
        stored = connection.execute(sa.text("SELECT count(*) FROM product_order")).scalar_one()
        placed = connection.execute(
            sa.text("SELECT count(*) FROM product_order WHERE order_id NOT LIKE 'fill-%'")
        ).scalar_one()
        for start in range(stored, size, 100_000):
            connection.execute(
                sa.text(_FILL),
                {
                    "start": start,
                    "stop": min(size, start + 100_000),
                    "customers": CUSTOMERS,
                    "placed": placed,
                },
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE product_order")
        total = int(connection.execute(sa.text("SELECT count(*) FROM product_order")).scalar_one())
    engine.dispose()
    return total


def store_sizes(
    args: argparse.Namespace, origin: str, sizes: tuple[int, ...], query: str
) -> dict[str, dict[str, float]]:
    """The first page of all orders and the filtered list, on each store size in turn (worker
    off: the copies are not orders to carry out)."""
    found = {}
    server = serve(args.database_url, args.port, args.workers, TMF_RUN_WORKER="false")
    try:
        wait_until_up(f"{origin}{API}/productOrder?limit=1")
        for size in sizes:
            stored = fill(args.database_url, size)
            pages = (("first page", "limit=20"), ("filtered", query), ("deep page", DEEP))
            for name, path in pages:
                url = f"{origin}{API}/productOrder?{path}"
                wrk(url, 3, args.connections)
                found[f"GET /productOrder?{path} ({name}, {stored:,} orders)"] = median(
                    [wrk(url, args.duration, args.connections) for _ in range(args.runs)]
                )
    finally:
        stop(server)
    return found


def large_customer(args: argparse.Namespace, origin: str) -> dict[str, dict[str, float]]:
    """POST for a new customer and for the large one, alternating runs, worker off."""
    install_base(args.database_url, args.large_customer)
    server = serve(args.database_url, args.port, args.workers, TMF_RUN_WORKER="false")
    scripts = {
        "new customer": script(lua_post_new()),
        f"customer with {args.large_customer:,} products": script(lua_post(RULED, LARGE)),
    }
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in scripts}
    try:
        wait_until_up(f"{origin}{API}/productOrder?limit=1")
        for path in scripts.values():
            wrk(origin, 3, args.connections, path)  # warm up
        for _ in range(args.runs):
            for name, path in scripts.items():
                runs[name].append(wrk(origin, args.duration, args.connections, path))
    finally:
        stop(server)
    found = {}
    for name, measured in runs.items():
        print(f"POST /productOrder (requires rule), {name}:")
        found[f"POST /productOrder (requires rule), {name}"] = median(measured)
    return found


def print_ratio(results: dict[str, dict[str, float]]) -> None:
    """The large customer's latencies over the new customer's (the target: p50 within 1.5x)."""
    new = results["POST /productOrder (requires rule), new customer"]
    (large,) = [v for k, v in results.items() if "products" in k]
    print(
        f"large customer / new customer: p50 {large['50%'] / new['50%']:.2f}x, "
        f"p99 {large['99%'] / new['99%']:.2f}x (target: p50 within 1.5x)"
    )


if __name__ == "__main__":
    main()

"""Ordering benchmark: the demo catalog in PostgreSQL, strict profile, load from wrk.

    python bench/orders.py [--duration 15] [--connections 16] [--workers 2]

Prints req/s, p50 and p99 for POST productOrder (two items: a mobile line, and the TV pack
bundle with its TV Basic child; customers vary), GET productOrder/{id}, and a list filtered
by customer and state. Needs PostgreSQL (``--database-url``; created if missing) and ``wrk``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile

import sqlalchemy as sa
from load import ensure_database, median, serve, stop, wait_until_up, wrk

from core.persistence import migrate
from core.persistence.tables import metadata
from server import cli
from server.app import build_container
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


def lua_post() -> str:
    """A wrk script that posts the order for a random one of CUSTOMERS customers."""
    body = json.dumps(ORDER, separators=(",", ":"))
    head, tail = body.split("CUSTOMER")
    return (
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        "request = function()\n"
        f"  local body = {json.dumps(head)} .. 'cust-bench-' .. math.random({CUSTOMERS}) .. "
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
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed for the load (apt-get install wrk)")
    prepare(args.database_url)
    server = serve(args.database_url, args.port, args.workers)
    origin = f"http://127.0.0.1:{args.port}"
    results = {}
    try:
        wait_until_up(f"{origin}{API}/productOrder?limit=1")
        post = script(lua_post())
        wrk(origin, 3, args.connections, post)  # warm up
        results["POST /productOrder"] = median(
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
        query = "relatedParty.id=cust-bench-7&state=acknowledged&limit=20"
        listed = f"{origin}{API}/productOrder?{query}"
        wrk(listed, 3, args.connections)
        results[f"GET /productOrder?{query}"] = median(
            [wrk(listed, args.duration, args.connections) for _ in range(args.runs)]
        )
    finally:
        stop(server)
    print(
        f"orders stored: {orders}, server workers: {args.workers}, "
        f"connections: {args.connections}, profile: strict"
    )
    for name, figures in results.items():
        print(name)
        print(
            f"  {figures['req/s']:10.0f} req/s   p50 {figures['50%']:6.2f} ms   "
            f"p99 {figures['99%']:6.2f} ms   non-2xx {figures['non-2xx']:.0f}"
        )


if __name__ == "__main__":
    main()

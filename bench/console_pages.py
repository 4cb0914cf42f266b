"""The console's pages on a large store, next to the TMF622 list they are built on.

Places a few hundred orders through the API (worker off), tops the store up to 10k, 100k and
1M orders (``--quick``: 10k and 100k) the way ``orders.py`` does, and loads with wrk, at each
size: ``GET productOrder?limit=20`` (the baseline, same run), the console's order list, the
same list searched by customer and state, and the overview (counts by state, the stuck). The
repair queue, approvals and deliveries pages are loaded once, at the largest size. Each figure
is printed with its ratio to the baseline of the same size.

    .venv/bin/python bench/console_pages.py [--quick] [--duration 10] [--runs 1]
"""

from __future__ import annotations

import argparse
import json
import random
import urllib.request

from load import median, serve, stop, wait_until_up, wrk
from orders import API, CUSTOMERS, ORDER, fill, prepare

PLACED = 300


def place(origin: str, count: int) -> None:
    """``count`` orders through TMF622, for random bench customers."""
    rng = random.Random(7)
    for _ in range(count):
        body = json.loads(
            json.dumps(ORDER).replace("CUSTOMER", f"cust-bench-{rng.randint(1, CUSTOMERS)}")
        )
        request = urllib.request.Request(
            f"{origin}{API}/productOrder",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 201


def load(url: str, args: argparse.Namespace) -> dict[str, float]:
    wrk(url, 3, args.connections)
    return median([wrk(url, args.duration, args.connections) for _ in range(args.runs)])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/tmf_bench_console"
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8693)
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median shown")
    parser.add_argument("--quick", action="store_true", help="10k and 100k orders only")
    args = parser.parse_args()
    sizes = (10_000, 100_000) if args.quick else (10_000, 100_000, 1_000_000)
    origin = f"http://127.0.0.1:{args.port}"
    prepare(args.database_url)
    server = serve(args.database_url, args.port, args.workers, TMF_RUN_WORKER="false")
    rows: list[tuple[str, dict[str, float], float]] = []
    try:
        wait_until_up(f"{origin}{API}/productOrder?limit=1")
        place(origin, PLACED)
        for size in sizes:
            stored = fill(args.database_url, size)
            baseline = load(f"{origin}{API}/productOrder?limit=20", args)
            rows.append((f"TMF622 GET productOrder?limit=20 ({stored:,})", baseline, 1.0))
            pages = {
                "console orders list": "/console/orders",
                "console orders, customer + state": "/console/orders?customer=cust-bench-7"
                "&state=acknowledged",
                "console overview": "/console",
            }
            if size == sizes[-1]:
                pages |= {
                    "console repair queue": "/console/fallout",
                    "console approvals": "/console/approvals",
                    "console deliveries": "/console/deliveries",
                }
            for name, path in pages.items():
                found = load(f"{origin}{path}", args)
                rows.append((f"{name} ({stored:,})", found, found["req/s"] / baseline["req/s"]))
    finally:
        stop(server)
    print(f"\n{'page (orders stored)':58} {'req/s':>8} {'p99 ms':>8} {'/ TMF list':>10} non-2xx")
    for name, figures, ratio in rows:
        print(
            f"{name:58} {figures['req/s']:8.0f} {figures['99%']:8.1f} {ratio:10.2f}"
            f" {figures['non-2xx']:.0f}"
        )


if __name__ == "__main__":
    main()

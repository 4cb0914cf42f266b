"""Catalog read benchmark: 100k offerings in PostgreSQL, load from a separate process (wrk).

    python bench/catalog.py [--offerings 100000] [--duration 10] [--runs 5] [--workers 2]
                            [--skip-load]

Prints req/s, p50 and p99 for GET by id and for the filtered list
``lifecycleStatus=Active&productOfferingPrice.priceType=recurring&limit=20``, each next to a
baseline measured in the same invocation without our code: pgbench running the statement the
server reads it with (the list's page with the catalog generation, as read before an answer is
kept; the read by id) straight against the same database with as many clients, its runs
alternating with ours so both see the machine as it is then. Needs PostgreSQL
(``--database-url``; the database is created if missing), ``pgbench`` and ``wrk``
(``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
import urllib.parse
from collections.abc import Callable

import sqlalchemy as sa
from load import ensure_database, median, pgbench, serve, stop, wait_until_up, wrk
from sqlalchemy.dialects import postgresql

import openapi
from core.catalog.model import CatalogEntity
from core.persistence import migrate
from core.persistence.database import Database
from core.persistence.repositories import CatalogRepository
from core.persistence.tables import catalog_entity, job, outbox
from core.query.parser import parse_query
from core.schema import ResourceSchemas

API = "/tmf-api/productCatalogManagement/v4"
LIST_QUERY = "lifecycleStatus=Active&productOfferingPrice.priceType=recurring&limit=20"
STATES = ["Active", "Active", "Launched", "In Design", "Retired"]
PRICE_TYPES = ["recurring", "recurring", "oneTime", "usage"]


def load(db: Database, offerings: int, seed: int = 7) -> list[str]:
    """Replace the catalog with ``offerings`` offerings, specs and prices; return offering ids."""
    rng = random.Random(seed)
    now = "2026-01-01T00:00:00.000Z"
    with db.engine.begin() as connection:
        for table in (catalog_entity, outbox, job):  # the generation counter row stays
            connection.execute(table.delete())
    specs = [
        CatalogEntity(
            "productSpecification",
            f"ps-{i}",
            "1.0",
            {
                "id": f"ps-{i}",
                "name": f"Spec {i}",
                "version": "1.0",
                "lifecycleStatus": "Active",
                "lastUpdate": now,
                "@type": "ProductSpecification",
                "productSpecCharacteristic": [{"name": "speed", "valueType": "integer"}],
            },
        )
        for i in range(1000)
    ]
    prices = [
        CatalogEntity(
            "productOfferingPrice",
            f"pop-{i}",
            "1.0",
            {
                "id": f"pop-{i}",
                "name": f"Price {i}",
                "version": "1.0",
                "lifecycleStatus": "Active",
                "lastUpdate": now,
                "@type": "ProductOfferingPrice",
                "priceType": rng.choice(PRICE_TYPES),
                "price": {"unit": "EUR", "value": rng.randint(1, 100)},
            },
        )
        for i in range(2000)
    ]
    with db.uow() as uow:
        uow.catalog.add_many(specs)
        uow.catalog.add_many(prices)
        uow.commit()
    ids = []
    batch: list[CatalogEntity] = []
    for i in range(offerings):
        offer_id = f"po-{i}"
        ids.append(offer_id)
        document = {
            "id": offer_id,
            "name": f"Offering {i:06d}",
            "version": "1.0",
            "lifecycleStatus": rng.choice(STATES),
            "isBundle": False,
            "isSellable": True,
            "lastUpdate": now,
            "@type": "ProductOffering",
            "description": "A benchmark offering with a realistic amount of attributes.",
            "validFor": {"startDateTime": now},
            "productSpecification": {"id": f"ps-{rng.randrange(1000)}"},
            "productOfferingPrice": [
                {
                    "name": "fee",
                    "priceType": rng.choice(PRICE_TYPES),
                    "price": {"taxIncludedAmount": {"unit": "EUR", "value": 10}},
                },
                {"id": f"pop-{rng.randrange(2000)}"},
            ],
            "channel": [{"id": "web"}],
            "category": [{"id": f"cat-{rng.randrange(50)}"}],
        }
        batch.append(CatalogEntity("productOffering", offer_id, "1.0", document))
        if len(batch) == 5000:
            with db.uow() as uow:
                uow.catalog.add_many(batch)
                uow.commit()
            batch = []
    with db.uow() as uow:
        uow.catalog.add_many(batch)
        uow.commit()
    # The delete above leaves dead tuples that index scans would still visit: vacuum them.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE catalog_entity")
    return ids


def baseline_scripts(offerings: int) -> dict[str, str]:
    """pgbench scripts: the list's statement as the server builds it, and the read by id."""
    schemas = ResourceSchemas(openapi.load("tmf620")["components"]["schemas"])
    query = parse_query(urllib.parse.parse_qsl(LIST_QUERY), schemas, "ProductOffering")
    page = CatalogRepository(None, "postgresql").page_statement("productOffering", query)  # type: ignore[arg-type]
    sql = page.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    by_id = (
        "SELECT kind, entity_id, version, row_version, is_current, document FROM catalog_entity"
        " WHERE kind = 'productOffering' AND entity_id = 'po-' || :n AND is_current;"
    )
    return {
        "list": " ".join(str(sql).split()) + ";\n",
        "id": f"\\set n random(0, {offerings - 1})\n{by_id}\n",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/tmf_bench"
    )
    parser.add_argument("--offerings", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument(
        "--warm-up", type=int, default=10, help="seconds of load before the measured runs"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8690)
    parser.add_argument(
        "--runs", type=int, default=5, help="runs per scenario; the median is shown"
    )
    parser.add_argument("--skip-load", action="store_true", help="reuse the data of the last run")
    args = parser.parse_args()
    for tool in ("wrk", "pgbench"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed for the load (apt-get install {tool})")

    ensure_database(args.database_url)
    db = Database(args.database_url)
    migrate.upgrade(db)
    started = time.monotonic()
    if args.skip_load:
        with db.engine.connect() as connection:
            ids = [
                r[0]
                for r in connection.execute(
                    sa.text(
                        "SELECT entity_id FROM catalog_entity"
                        " WHERE kind='productOffering' AND is_current"
                    )
                )
            ]
    else:
        ids = load(db, args.offerings)
        print(f"loaded {args.offerings} offerings in {time.monotonic() - started:.1f}s")
    db.dispose()

    scripts = baseline_scripts(len(ids))
    server = serve(args.database_url, args.port, args.workers)
    origin = f"http://127.0.0.1:{args.port}"
    root = f"{origin}{API}"
    listed = f"{root}/productOffering?{LIST_QUERY}"
    figures: dict[str, dict[str, float]] = {}
    try:
        wait_until_up(f"{root}/catalog?limit=1")
        sample = random.Random(1).sample(ids, min(len(ids), 2000))
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write("ids = {" + ",".join(f'"{i}"' for i in sample) + "}\n")
            lua.write(
                'request = function()\n  return wrk.format("GET", "'
                + API
                + '/productOffering/" .. ids[math.random(#ids)])\nend\n'
            )
        ours: dict[str, Callable[[int], dict[str, float]]] = {
            "id": lambda seconds: wrk(origin, seconds, args.connections, lua.name),
            "list": lambda seconds: wrk(listed, seconds, args.connections),
        }
        for name, measure in ours.items():
            # The baseline's runs alternate with ours, so both see the machine as it is then.
            def baseline(seconds: int, name: str = name) -> dict[str, float]:
                return pgbench(args.database_url, scripts[name], seconds, args.connections)

            baseline(args.warm_up), measure(args.warm_up)
            print(f"{name}: pgbench, then ours, {args.runs} times")
            pairs = [(baseline(args.duration), measure(args.duration)) for _ in range(args.runs)]
            figures[f"baseline {name}"] = median([b for b, _ in pairs])
            figures[name] = median([o for _, o in pairs])
    finally:
        stop(server)
    print(f"offerings: {len(ids)}, server workers: {args.workers}, connections: {args.connections}")
    for name, label in (
        ("id", "GET /productOffering/{id}"),
        ("list", f"GET /productOffering?{LIST_QUERY}"),
    ):
        mine, base = figures[name], figures[f"baseline {name}"]
        print(label)
        print(
            f"  ours     {mine['req/s']:8.0f} req/s   p50 {mine['50%']:6.2f} ms   "
            f"p99 {mine['99%']:6.2f} ms   non-2xx {mine['non-2xx']:.0f}"
        )
        print(
            f"  pgbench  {base['req/s']:8.0f} tps     p50 {base['50%']:6.2f} ms   "
            f"p99 {base['99%']:6.2f} ms   (ours / pgbench: "
            f"{mine['req/s'] / base['req/s']:.2f} in throughput)"
        )


if __name__ == "__main__":
    main()

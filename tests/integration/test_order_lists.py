"""Order lists on a large store: relatedParty.id read by the customer index only where that
selects the same orders, and totals past the exact limit estimated, marked, never wrong."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from core.ordering.model import names_other_parties
from core.ordering.service import OrderingService
from core.persistence import migrate
from core.persistence.database import Database
from core.persistence.tables import Document
from core.requests import RequestContext
from tests.conftest import PG_URL, private_database
from tests.orders import add, order, party

AGENT = {"id": "cust-carol", "role": "SalesAgent", "@referredType": "Individual"}


def ids(ordering: OrderingService, **params: str) -> set[str]:
    page = ordering.get_all(list(params.items()))
    assert page.exact and page.total == len(page.items)
    return {o.id for o in page.items}


def test_a_party_filter_finds_every_order_that_names_the_party(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    carols = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)[0].id
    davids = ordering.place(order("cust-dave", add("1", "po-mobile-s")), order_ctx)[0].id
    # Only the customer index answers while no order names Carol as another kind of party.
    assert ids(ordering, **{"relatedParty.id": "cust-carol"}) == {carols}
    assert ids(ordering, **{"relatedParty.id[ne]": "cust-carol"}) == {davids}
    body = order(None, add("1", "po-mobile-s"), relatedParty=[*party("cust-dave"), AGENT])
    sold = ordering.place(body, order_ctx)[0].id
    assert ids(ordering, **{"relatedParty.id": "cust-carol"}) == {carols, sold}
    assert ids(ordering, **{"relatedParty.id[ne]": "cust-carol"}) == {davids}
    assert ids(ordering, **{"relatedParty.id": "cust-dave"}) == {davids, sold}
    assert ids(ordering, **{"relatedParty.id": "cust-carol,cust-dave"}) == {carols, davids, sold}
    assert ids(ordering, **{"relatedParty.id": "cust-carol", "state": "acknowledged"}) == {
        carols,
        sold,
    }
    assert ids(ordering, **{"relatedParty.id": "nobody"}) == set()


def test_the_flag_follows_the_rule() -> None:
    assert not names_other_parties(order("c", add("1", "x")))
    assert not names_other_parties(order(None, add("1", "x")))
    assert names_other_parties(order(None, add("1", "x"), relatedParty=[*party("c"), AGENT]))
    assert names_other_parties({"relatedParty": [{"id": "a", "role": "Agent"}]})
    assert names_other_parties({"relatedParty": [*party("c"), *party("d")]})
    assert names_other_parties({"relatedParty": [{"id": 7, "role": "Customer"}]})
    assert not names_other_parties({"relatedParty": [*party("c"), {"role": "Agent"}]})


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"] if PG_URL else ["sqlite"])
def test_orders_stored_before_the_flag_are_flagged_by_the_upgrade(
    backend: str, tmp_path: Any
) -> None:
    with private_database(backend, tmp_path) as (db, _):
        migrate.downgrade(db, "0014")
        rows = [
            ("plain", order("c", add("1", "x"))),
            ("sold", order(None, add("1", "x"), relatedParty=[*party("c"), AGENT])),
        ]
        # The table as revision 0014 had it (no flag column).
        old = sa.table(
            "product_order",
            *(sa.column(c) for c in ("order_id", "state", "customer_key", "order_date")),
            *(sa.column(c) for c in ("last_update", "row_version")),
            sa.column("document", Document),
        )
        at = "2026-01-01T00:00:00.000Z"
        with db.engine.begin() as connection:
            for order_id, document in rows:
                values = {"order_id": order_id, "state": "acknowledged", "customer_key": "c"}
                values |= {"order_date": at, "last_update": at, "row_version": 1}
                connection.execute(sa.insert(old).values(**values, document=document))
        migrate.upgrade(db)
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT order_id, other_parties FROM product_order"))
            flags = {order_id: bool(flag) for order_id, flag in rows}
        assert flags == {"plain": False, "sold": True}


def _place_many(ordering: OrderingService, ctx: RequestContext, count: int) -> list[str]:
    return [
        ordering.place(order("cust-carol", add("1", "po-mobile-s")), ctx)[0].id
        for _ in range(count)
    ]


def test_totals_past_the_exact_limit_are_estimated_and_marked(
    shop_db: Database, order_schemas: Any, order_ctx: RequestContext
) -> None:
    with capped(shop_db, order_schemas, 3) as ordering:
        placed = _place_many(ordering, order_ctx, 6)
        first = ordering.get_all([("limit", "2")])
        assert [o.id for o in first.items] == placed[:2]
        if ordering.db.dialect == "postgresql":
            # Past the limit no scan counts: the planner's figure, at least one past the limit.
            assert not first.exact and first.total >= 4
        else:
            assert first.exact and first.total == 6  # SQLite counts, it has no estimate
        last = ordering.get_all([("limit", "4"), ("offset", "4")])
        assert [o.id for o in last.items] == placed[4:] and (last.total, last.exact) == (6, True)
        small = ordering.get_all([("limit", "2"), ("state", "completed")])
        assert (small.total, small.exact, small.items) == (0, True, [])
        beyond = ordering.get_all([("limit", "2"), ("offset", "10")])
        assert beyond.items == [] and beyond.total >= 4


@contextlib.contextmanager
def capped(db: Database, order_schemas: Any, cap: int) -> Iterator[OrderingService]:
    """Ordering on the same store (on PostgreSQL, the test's own schema), its list totals
    exact up to ``cap`` only."""
    options: dict[str, Any] = {}
    if db.dialect == "postgresql":
        with db.engine.connect() as connection:
            path = connection.exec_driver_sql("SHOW search_path").scalar_one()
        options["connect_args"] = {"options": f"-csearch_path={path}"}
    narrow = Database(db.url, exact_total_up_to=cap, **options)
    try:
        yield OrderingService(narrow, order_schemas)
    finally:
        narrow.dispose()


def test_a_kept_estimate_answers_only_the_same_statement_with_the_same_values(
    shop_db: Database, order_schemas: Any, order_ctx: RequestContext
) -> None:
    """The planner is asked again for another value or another IN list (order counts)."""
    if shop_db.dialect != "postgresql":
        return  # SQLite counts; it is never asked
    with capped(shop_db, order_schemas, 1) as ordering:
        _place_many(ordering, order_ctx, 3)
        asked: list[str] = []
        sa.event.listen(
            ordering.db.engine,
            "before_cursor_execute",
            lambda _c, _k, statement, *_: asked.append(statement),
        )
        for value in ("cust-carol", "cust-carol", "cust-carol,x", "cust-carol,x", "x,cust-carol"):
            ordering.get_all([("limit", "1"), ("relatedParty.id", value)])
        for value in ("acknowledged", "acknowledged,held", "acknowledged"):
            ordering.get_all([("limit", "1"), ("state", value)])
        plans = [s for s in asked if s.startswith("EXPLAIN")]
        # Eight lists, five distinct (statement, values): each of those asked once.
        assert len(plans) == 5


def test_an_estimated_total_of_a_filtered_list_of_many_values(
    shop_db: Database, order_schemas: Any, order_ctx: RequestContext
) -> None:
    """Filters of several values (IN lists) and a partner's customers are estimated too."""
    with capped(shop_db, order_schemas, 2) as ordering:
        placed = _place_many(ordering, order_ctx, 5)
        partner = RequestContext(order_ctx.base_url, "c", party_ids=frozenset({"cust-carol", "x"}))
        params = [
            ("limit", "2"),
            ("relatedParty.id", "cust-carol,cust-dave"),
            ("state", "acknowledged,held"),
        ]
        for _ in range(2):  # the second is answered from the kept estimate
            page = ordering.get_all(params, partner)
            assert [o.id for o in page.items] == placed[:2] and page.total >= 3
            assert page.exact is (ordering.db.dialect != "postgresql")

"""The operator's backlog gauges: right on each back end, and read through indexes only."""

from __future__ import annotations

import pathlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from adapters.simulated import Behaviour, Simulation
from core import monitoring
from core.fulfillment.orchestrator import Orchestrator
from core.ordering.service import OrderingService
from core.persistence.database import Database
from core.persistence.work_tables import approval_case, event_delivery
from core.requests import RequestContext
from tests.conftest import PG_URL, private_database
from tests.orders import add, order


class Later:
    """The clock two hours on: what was just done is now old."""

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(hours=2)


def test_backlogs_count_open_work_only(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    simulation: Simulation,
    order_ctx: RequestContext,
    shop_db: Database,
) -> None:
    done, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    orchestrator.run_until_idle()
    assert ordering.get(done.id).state == "completed"
    simulation.set("billing", Behaviour(permanent_rate=1.0))
    held, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    orchestrator.run_until_idle()
    waiting, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    with shop_db.engine.begin() as connection:
        connection.execute(
            sa.insert(event_delivery),
            [
                _delivery(1, "dead", "2026-01-01T00:00:00.000Z"),
                _delivery(2, "pending", "2026-01-02T00:00:00.000Z"),
                _delivery(3, "delivered", "2025-01-01T00:00:00.000Z"),
            ],
        )
        connection.execute(
            sa.insert(approval_case),
            [
                _case("late", "open", "2026-01-01T00:00:00.000Z"),
                _case("fresh", "open", "2999-01-01T00:00:00.000Z"),
                _case("done", "approved", "2026-01-01T00:00:00.000Z"),
            ],
        )

    now = monitoring.read(shop_db, 3600, broker=False)
    assert ordering.get(held.id).state == "held" and ordering.get(waiting.id).state
    assert now.orders.get("completed") is None  # finished work is never counted
    assert now.orders["held"] == 1 and now.orders["acknowledged"] == 1
    assert now.stuck == {"held": 0, "acknowledged": 0}
    assert now.repair_queue == 1 and 0 <= now.repair_oldest_seconds < 60
    assert now.tasks["held"] == 1 and now.tasks.get("done") is None
    assert now.outbox_unsent > 0 and now.outbox_unpublished is None
    assert now.deliveries == {"dead": 1, "pending": 1}
    assert now.deliveries_oldest_seconds > 3600  # the pending one (dead letters aside)
    assert (now.approvals_open, now.approvals_overdue) == (2, 1)

    later = monitoring.read(shop_db, 3600, broker=True, clock=Later())
    assert later.stuck == {"held": 1, "acknowledged": 1}
    assert later.repair_oldest_seconds >= 7200 - 60
    assert later.outbox_unpublished == later.outbox_unsent  # nothing was published
    assert (later.outbox_unpublished_seconds or 0) >= 7200 - 60

    glance = monitoring.overview(shop_db, 3600)
    assert (glance.orders, glance.stuck) == ({"held": 1, "acknowledged": 1}, now.stuck)
    assert (glance.repair_queue, glance.dead_letters) == (1, 1)
    assert (glance.approvals_open, glance.approvals_overdue) == (2, 1)
    assert monitoring.overview(shop_db, 3600, clock=Later()).stuck == later.stuck


def test_the_overview_counts_no_further_than_its_cap(
    ordering: OrderingService, order_ctx: RequestContext, shop_db: Database
) -> None:
    for _ in range(3):
        ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)
    assert monitoring.overview(shop_db, 3600, cap=3).orders == {"acknowledged": 3}
    capped = monitoring.overview(shop_db, 3600, cap=2, clock=Later())
    assert capped.orders == {"acknowledged": 3} == {"acknowledged": capped.cap + 1}
    assert capped.stuck == {"acknowledged": 3}
    assert monitoring.read(shop_db, 3600, broker=False).orders == {"acknowledged": 3}


def _delivery(n: int, status: str, created_at: str) -> dict[str, object]:
    return {
        "subscription_id": "sub-1",
        "outbox_seq": n,
        "event_id": f"event-{n}",
        "event_type": "ProductOrderCreateEvent",
        "stream": f"productOrder/{n}",
        "status": status,
        "attempts": 1,
        "due_at": created_at,
        "created_at": created_at,
    }


def _case(order_id: str, status: str, due_at: str) -> dict[str, object]:
    return {
        "case_id": f"case-{order_id}",
        "order_id": order_id,
        "status": status,
        "due_at": due_at,
        "row_version": 1,
        "document": {},
    }


OPEN_WORK = ("ix_outbox_unsent", "ix_outbox_unpublished", "ix_event_delivery_owed")


@pytest.mark.skipif(not PG_URL, reason="needs TMF_TEST_DATABASE_URL (set by .ci/run)")
def test_each_backlog_is_read_through_an_index(tmp_path: pathlib.Path) -> None:
    """With sequential scans priced out, a query no index can answer still scans the table:
    none of the gauges' does, so none reads finished work."""
    with private_database("postgresql", tmp_path) as (db, _):
        statements: list[tuple[str, object]] = []

        def seen(_c: object, _cur: object, statement: str, parameters: object, *_: object) -> None:
            statements.append((statement, parameters))

        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            monitoring.read(db, 3600, broker=True)
            monitoring.overview(db, 3600)  # one statement: a capped count per subquery
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)
        queries = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(queries) == 7
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SET enable_seqscan = off")
            for query, parameters in queries:
                rows = connection.exec_driver_sql(f"EXPLAIN {query}", parameters)  # type: ignore[arg-type]
                plan = "\n".join(row[0] for row in rows)
                assert "Seq Scan" not in plan, (query, plan)
                # An index walked whole is a full count too: a condition, or an index of
                # open work only.
                assert "Index Cond" in plan or any(i in plan for i in OPEN_WORK), (query, plan)
                # The overview's capped counts: every one of them by a condition or open work.
                walks = plan.count("Index Cond") + sum(plan.count(f" on {i}") for i in OPEN_WORK)
                assert walks >= plan.count("Limit"), (query, plan)

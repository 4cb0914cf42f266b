"""Retention: old transport records go in batches; orders and their evidence stay."""

from __future__ import annotations

import pathlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from adapters.simulated import Behaviour, Simulation
from core import retention
from core.errors import InvalidRequest
from core.fulfillment.orchestrator import Orchestrator
from core.ordering.service import OrderingService
from core.persistence.database import Database
from core.requests import RequestContext
from core.timeutil import format_utc
from tests.orders import add, order

KEPT = ("product_order", "order_timeline", "fulfillment_task", "approval_case", "installed_product")


class DaysLater:
    def __init__(self, days: float) -> None:
        self.days = days

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(days=self.days)


def counts(db: Database, *tables: str) -> dict[str, int]:
    with db.engine.connect() as connection:
        return {
            t: int(connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() or 0)
            for t in tables
        }


def scene(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    simulation: Simulation,
    ctx: RequestContext,
    db: Database,
) -> tuple[str, str, int]:
    """A completed order, a held one, a dead letter, a delivered delivery, an unsent event."""
    done, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), ctx, "key-1")
    orchestrator.run_until_idle()
    simulation.set("billing", Behaviour(permanent_rate=1.0))
    held, _ = ordering.place(order("cust-carol", add("1", "po-mobile-s")), ctx, "key-2")
    orchestrator.run_until_idle()
    now = format_utc(datetime.now(UTC))
    with db.engine.begin() as connection:
        seqs = [
            int(s)
            for s in connection.exec_driver_sql("SELECT seq FROM outbox ORDER BY seq").scalars()
        ]
        # every event fanned out but the newest; the first is still owed to a dead subscriber
        connection.exec_driver_sql(
            "UPDATE outbox SET sent_at = occurred_at WHERE seq < ?"
            if db.dialect == "sqlite"
            else "UPDATE outbox SET sent_at = occurred_at WHERE seq < %s",
            (seqs[-1],),
        )
        for n, (outbox_seq, status) in enumerate(((seqs[0], "dead"), (seqs[1], "delivered"))):
            connection.execute(
                sa.text(
                    "INSERT INTO event_delivery (subscription_id, outbox_seq, event_id, "
                    "event_type, stream, status, attempts, due_at, created_at, delivered_at) "
                    "VALUES ('sub', :o, :e, 'X', :s, :st, 1, :t, :t, :d)"
                ),
                {
                    "o": outbox_seq,
                    "e": f"e{n}",
                    "s": f"productOrder/{n}",
                    "st": status,
                    "t": now,
                    "d": now if status == "delivered" else None,
                },
            )
        connection.execute(
            sa.text(
                "INSERT INTO inbox (event_id, source, received_at) VALUES ('n1', 'tmf641', :t)"
            ),
            {"t": now},
        )
    return done.id, held.id, seqs[0]


def test_old_transport_records_go_and_the_evidence_stays(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    simulation: Simulation,
    order_ctx: RequestContext,
    shop_db: Database,
) -> None:
    done, held, owed = scene(ordering, orchestrator, simulation, order_ctx, shop_db)
    before = counts(shop_db, *KEPT, "outbox", "task_attempt")
    assert retention.prune(shop_db, timedelta(days=30), broker=False) == dict.fromkeys(
        ("outbox", "event_delivery", "inbox", "idempotency_key", "task_attempt"), 0
    )  # nothing is that old yet

    batches: list[tuple[str, int]] = []
    removed = retention.prune(
        shop_db,
        timedelta(days=1),
        broker=False,
        clock=DaysLater(2),
        batch=2,
        on_batch=lambda table, n: batches.append((table, n)),
    )
    after = counts(shop_db, *KEPT, "outbox", "task_attempt")
    assert {t: after[t] for t in KEPT} == {t: before[t] for t in KEPT}  # evidence untouched
    assert removed["event_delivery"] == 1 and removed["inbox"] == 1
    assert removed["idempotency_key"] == 2
    assert removed["outbox"] == before["outbox"] - 2  # the owed one and the unsent one stay
    assert all(n <= 2 for _, n in batches) and len(batches) > len(removed)  # in batches
    with shop_db.engine.connect() as connection:
        kept_events = set(connection.exec_driver_sql("SELECT seq FROM outbox").scalars())
        left = set(connection.exec_driver_sql("SELECT order_id FROM task_attempt").scalars())
        statuses = set(connection.exec_driver_sql("SELECT status FROM event_delivery").scalars())
    assert owed in kept_events and len(kept_events) == 2
    assert left == {held}  # the calls of the open order stay; the finished one's go
    assert removed["task_attempt"] == before["task_attempt"] - after["task_attempt"] > 0
    assert statuses == {"dead"}
    assert ordering.get(done).state == "completed" and ordering.get(done).document


def test_with_a_broker_an_unpublished_event_stays(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    simulation: Simulation,
    order_ctx: RequestContext,
    shop_db: Database,
) -> None:
    scene(ordering, orchestrator, simulation, order_ctx, shop_db)
    removed = retention.prune(shop_db, timedelta(days=1), broker=True, clock=DaysLater(2))
    assert removed["outbox"] == 0  # fanned out, but never published to NATS


@pytest.mark.parametrize("age", ["30", "10m", "0d", "1w", "-1d"])
def test_an_age_is_a_number_and_a_unit_of_at_least_an_hour(age: str) -> None:
    with pytest.raises(InvalidRequest):
        retention.parse_age(age)
    assert retention.parse_age("30d") == timedelta(days=30)


def test_the_command_prunes_and_refuses_a_bad_age(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.cli import cli

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/tmf.db")
    assert CliRunner().invoke(cli, ["migrate"]).exit_code == 0
    answer = CliRunner().invoke(cli, ["prune", "--older-than", "30d", "--batch", "10"])
    assert answer.exit_code == 0, answer.output
    assert "outbox\t0" in answer.output and "task_attempt\t0" in answer.output
    refused = CliRunner().invoke(cli, ["prune", "--older-than", "5m"])
    assert refused.exit_code == 2 and "at least an hour" in refused.output


def test_the_worker_prunes_when_an_age_is_set(shop_db: Database) -> None:
    from pydantic import ValidationError

    from server.container import build_container, event_loops
    from server.settings import Settings

    with pytest.raises(ValidationError, match="at least an hour"):
        Settings(TMF_PRUNE_OLDER_THAN="5m")
    settings = Settings(DATABASE_URL=shop_db.url, TMF_PRUNE_OLDER_THAN="1h")
    loops = {loop.name: loop for loop in event_loops(build_container(settings, shop_db))}
    assert loops["tmf-retention"].poll_seconds == 3600
    assert loops["tmf-retention"].step() is False  # a round, then it waits for the next
    assert "tmf-retention" not in {
        loop.name
        for loop in event_loops(build_container(Settings(DATABASE_URL=shop_db.url), shop_db))
    }

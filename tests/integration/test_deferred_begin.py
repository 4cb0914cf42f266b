"""A PostgreSQL write unit opens its transaction at its first write: its reads before that run
alone, a unit whose only write is one statement commits it without BEGIN and COMMIT, and
whatever it writes otherwise is one transaction, exactly as before."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from psycopg.pq import TransactionStatus
from sqlalchemy import event

from core.errors import Conflict
from core.ordering.model import ProductOrder, TimelineEntry
from core.persistence.compiled import CompiledRead
from core.persistence.database import Database
from core.persistence.tables import catalog_generation
from core.persistence.uow import UnitOfWork
from tests.conftest import PG_URL, empty, private_database

NOW = "2026-12-04T09:00:00.000Z"
ONLY_POSTGRESQL = ["postgresql"] if PG_URL else []


@pytest.fixture(params=ONLY_POSTGRESQL)
def pg(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[Database]:
    with private_database(request.param, tmp_path) as (found, _):
        empty(found)
        yield found


def _order(order_id: str, external_id: str) -> ProductOrder:
    document = {
        "id": order_id,
        "state": "acknowledged",
        "orderDate": NOW,
        "externalId": external_id,
        "relatedParty": [{"id": "cust-d", "role": "Customer"}],
    }
    return ProductOrder(order_id, document)


def _status(uow: UnitOfWork) -> TransactionStatus:
    driver: Any = uow._open.connection.driver_connection
    return TransactionStatus(driver.info.transaction_status)


def _statuses_after_statements(db: Database) -> list[tuple[str, TransactionStatus]]:
    """(first words, transaction status right after) of each statement SQLAlchemy sends."""
    seen: list[tuple[str, TransactionStatus]] = []

    @event.listens_for(db.engine, "after_cursor_execute")
    def _after(connection: sa.Connection, *args: Any) -> None:
        driver: Any = connection.connection.driver_connection
        seen.append((str(args[1])[:20], TransactionStatus(driver.info.transaction_status)))

    return seen


def test_reads_before_the_first_write_hold_no_transaction(pg: Database) -> None:
    generation = CompiledRead.of(sa.select(catalog_generation.c.value), pg.engine.dialect)
    assert generation is not None
    with pg.uow() as uow:
        assert uow.newest_policy_version() is None
        generation.rows(uow._open)
        assert _status(uow) == TransactionStatus.IDLE  # no snapshot, no locks held
        assert uow.orders.get("nothing") is None  # through SQLAlchemy: may lock, so it begins
        assert _status(uow) == TransactionStatus.INTRANS


def test_a_unit_whose_only_write_is_one_statement_sends_it_alone(pg: Database) -> None:
    seen = _statuses_after_statements(pg)
    with pg.uow() as uow:
        uow.newest_policy_version()
        uow.orders.add(_order("o-1", "ext-1"), NOW)
        uow.timeline.add([TimelineEntry("o-1", None, NOW, None, "acknowledged")])
        uow.commit()
        assert seen[-1] == ("WITH i0 AS (INSERT I", TransactionStatus.IDLE)  # committed by itself
        assert uow._open.connection.driver_connection.autocommit is False  # as usual again
    with pg.uow(write=False) as uow:
        assert uow.orders.get("o-1") is not None
        assert [e.to_state for e in uow.timeline.of("o-1")] == ["acknowledged"]


def test_a_unit_that_writes_twice_is_one_transaction(pg: Database) -> None:
    seen = _statuses_after_statements(pg)
    with pg.uow() as uow:
        uow.orders.add(_order("o-1", "ext-1"), NOW)
        uow.commit()
    seen.clear()
    with pytest.raises(Conflict), pg.uow() as uow:
        uow.orders.add(_order("o-2", "ext-2"), NOW)
        uow.policies.add("v-1", {"version": "v-1"}, None, NOW)  # a savepoint: runs at once
        uow.orders.add(_order("o-3", "ext-1"), NOW)  # the customer's externalId again
        uow.commit()
    assert seen and all(status == TransactionStatus.INTRANS for _, status in seen)
    with pg.uow(write=False) as uow:
        assert uow.orders.get("o-2") is None  # nothing of the unit that failed is kept
        assert uow.newest_policy_version() is None


def test_what_a_unit_writes_after_it_committed_is_a_transaction_again(pg: Database) -> None:
    with pg.uow() as uow:
        uow.orders.add(_order("o-1", "ext-1"), NOW)
        uow.commit()  # its one statement committed alone
        uow.policies.add("v-1", {"version": "v-1"}, None, NOW)
    # Left without committing: the policy is rolled back, not committed by autocommit.
    with pg.uow(write=False) as uow:
        assert uow.orders.get("o-1") is not None
        assert uow.newest_policy_version() is None


def test_a_stricter_server_default_keeps_every_read_in_the_transaction(pg: Database) -> None:
    options = "-c default_transaction_isolation=serializable"
    strict = Database(str(PG_URL), connect_args={"options": options})
    try:
        read = CompiledRead.of(sa.select(sa.literal(1)), strict.engine.dialect)
        assert read is not None
        with strict.uow() as uow:
            read.rows(uow._open)
            assert _status(uow) == TransactionStatus.INTRANS
    finally:
        strict.dispose()


def test_the_policy_version_and_the_catalog_generation_are_one_read(pg: Database) -> None:
    def bump() -> None:
        with pg.uow() as other:
            other.catalog.bump_generation()
            other.commit()

    bump()
    with pg.uow(write=False) as uow:
        before = uow.catalog.generation()
    assert before is not None
    with pg.uow(write=False) as uow:  # each read sees what is committed when it runs
        assert uow.newest_policy_version() is None
        bump()  # committed by another unit between the read and the question
        assert uow.catalog.generation() == before  # answered from the read with the policy
        assert uow.catalog.generation() == before + 1  # asked again: read again

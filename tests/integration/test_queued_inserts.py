"""A unit of work's queued inserts: sent before anything reads, in order, exactly as
SQLAlchemy would have written them, with the conflicts their inserts would have raised."""

from __future__ import annotations

import copy
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.errors import Conflict
from core.events.model import DomainEvent
from core.ordering.model import ProductOrder, TimelineEntry
from core.ordering.service import OrderingService
from core.persistence.compiled import CompiledRead
from core.persistence.database import Database
from core.persistence.ordering import _order_values
from core.persistence.tables import order_timeline, outbox, product_order
from core.requests import RequestContext
from tests.orders import add, order

NOW = "2026-12-04T09:00:00.000Z"


def _order(order_id: str, external_id: str | None = None, **extra: object) -> ProductOrder:
    document: dict[str, object] = {
        "id": order_id,
        "state": "acknowledged",
        "orderDate": NOW,
        "relatedParty": [{"id": "cust-q", "role": "Customer"}],
        **extra,
    }
    if external_id is not None:
        document["externalId"] = external_id
    return ProductOrder(order_id, document)


def _event(event_id: str) -> DomainEvent:
    return DomainEvent(
        event_id, "ProductOrderCreateEvent", "productOrder", "o-1", NOW, None, {"id": event_id}
    )


def _entry(order_id: str, to_state: str) -> TimelineEntry:
    return TimelineEntry(order_id, None, NOW, None, to_state)


def test_a_read_in_the_same_unit_sees_what_was_queued_before_it(db: Database) -> None:
    with db.uow() as uow:
        uow.orders.add(_order("o-1"), NOW)
        uow.timeline.add([_entry("o-1", "acknowledged")])
        found = uow.orders.get("o-1")  # a statement through SQLAlchemy
        assert found is not None and found.document["state"] == "acknowledged"
        assert [e.to_state for e in uow.timeline.of("o-1")] == ["acknowledged"]
        uow.timeline.add([_entry("o-1", "inProgress")])
        count = CompiledRead.of(
            sa.select(sa.func.count()).select_from(order_timeline), db.engine.dialect
        )
        assert count is not None
        assert count.rows(uow._open)[0][0] == 2  # a compiled read on the driver's cursor too
        uow.commit()
    with db.uow(write=False) as uow:
        assert [e.to_state for e in uow.timeline.of("o-1")] == ["acknowledged", "inProgress"]


def test_rows_of_one_table_keep_their_order_across_other_tables(db: Database) -> None:
    with db.uow() as uow:
        uow.outbox.add(_event("e-1"))
        uow.timeline.add([_entry("o-1", "acknowledged")])
        uow.outbox.add_many([_event("e-2"), _event("e-3")])
        uow.timeline.add([_entry("o-1", "inProgress")])
        uow.outbox.add(_event("e-4"))
        uow.commit()
    with db.engine.connect() as connection:
        events = connection.execute(sa.select(outbox.c.event_id).order_by(outbox.c.seq))
        timeline = connection.execute(
            sa.select(order_timeline.c.to_state).order_by(order_timeline.c.seq)
        )
        assert [e for (e,) in events] == ["e-1", "e-2", "e-3", "e-4"]
        assert [s for (s,) in timeline] == ["acknowledged", "inProgress"]


def test_nothing_queued_is_written_when_the_unit_rolls_back(db: Database) -> None:
    with db.uow() as uow:
        uow.orders.add(_order("o-gone"), NOW)
        uow.outbox.add(_event("e-gone"))
    for _ in range(3):  # the pooled connections hold no queue of the unit that rolled back
        with db.uow() as uow:
            uow.timeline.add([_entry("o-kept", "acknowledged")])
            uow.commit()
    with db.engine.connect() as connection:
        for table, expected in ((product_order, 0), (outbox, 0), (order_timeline, 3)):
            count = sa.select(sa.func.count()).select_from(table)
            assert connection.execute(count).scalar() == expected


def test_a_broken_constraint_raises_the_conflict_of_the_insert_that_broke_it(
    db: Database,
) -> None:
    with db.uow() as uow:
        uow.orders.add(_order("o-1", external_id="ext-1"), NOW)
        uow.commit()
    with pytest.raises(Conflict, match="externalId 'ext-1'"), db.uow() as uow:
        uow.timeline.add([_entry("o-2", "acknowledged")])
        uow.orders.add(_order("o-2", external_id="ext-2"), NOW)
        uow.orders.add(_order("o-3", external_id="ext-1"), NOW)  # the customer's again
        uow.commit()
    with pytest.raises(Conflict, match="Idempotency-Key 'k-1'"), db.uow() as uow:
        uow.idempotency.add("productOrder", "k-1", "h", "o-1", NOW)
        uow.idempotency.add("productOrder", "k-1", "h", "o-9", NOW)
        uow.commit()
    with db.uow(write=False) as uow:
        assert uow.orders.get("o-2") is None  # nothing of a unit that failed is kept
        assert uow.timeline.of("o-2") == []


def test_a_savepoint_begins_after_the_inserts_queued_before_it(db: Database) -> None:
    """A queued insert that breaks a constraint raises its own error at the savepoint, never
    the conflict the savepoint's insert stands for (here: a policy version that exists)."""
    with db.uow() as uow:
        uow.outbox.add(_event("e-1"))
        uow.commit()
    with pytest.raises(IntegrityError), db.uow() as uow:
        uow.outbox.add(_event("e-1"))  # an event id is unique; the outbox names no conflict
        uow.policies.add("v-1", {"version": "v-1"}, None, NOW)
    with db.uow(write=False) as uow:
        assert uow.newest_policy_version() is None


def test_values_are_stored_as_sqlalchemy_stores_them(db: Database) -> None:
    """JSON null for a missing snapshot, integers past 64 bits and exact decimals intact, and
    every column equal to the same order inserted through SQLAlchemy."""
    extra = {"note": [{"text": "ünïcode ✓"}], "big": 2**70, "ratio": 0.1, "flag": False}
    queued = _order("o-queued", **extra)
    with db.uow() as uow:
        uow.orders.add(queued, NOW)
        uow.commit()
    with db.engine.begin() as connection:
        connection.execute(sa.insert(product_order), [_values_of(_order("o-plain", **extra))])
    columns = [c for c in product_order.c if c.name not in ("seq", "order_id")]
    null_snapshot = (
        sa.func.jsonb_typeof(product_order.c.snapshot) == "null"
        if db.dialect == "postgresql"
        else sa.func.json_type(product_order.c.snapshot) == "null"
    )
    with db.engine.connect() as connection:
        rows = {
            r.order_id: r
            for r in connection.execute(
                sa.select(product_order.c.order_id, *columns, null_snapshot.label("json_null"))
            )
        }
    assert rows["o-queued"].document == rows["o-plain"].document | {"id": "o-queued"}
    assert rows["o-queued"].document["big"] == 2**70
    assert rows["o-queued"].json_null and rows["o-plain"].json_null
    for column in columns:
        if column.name != "document":
            assert getattr(rows["o-queued"], column.name) == getattr(rows["o-plain"], column.name)


def _values_of(order: ProductOrder) -> dict[str, object]:
    return _order_values(order, NOW)


@pytest.mark.parametrize(
    ("extra", "key", "refusal"),
    [
        ({}, "key-race", "Idempotency-Key 'key-race' is being used by a concurrent request"),
        ({"externalId": "ext-race"}, None, "externalId 'ext-race' is already used"),
    ],
    ids=["idempotency-key", "external-id"],
)
def test_racing_placements_make_one_order_and_the_loser_its_conflict(
    ordering: OrderingService,
    order_ctx: RequestContext,
    extra: dict[str, str],
    key: str | None,
    refusal: str,
) -> None:
    """Both placements pass every rule; their queued rows meet at commit, where the database
    lets one in and the other gets the conflict its insert stands for (or, for a key whose
    order committed first, that order replayed)."""
    body = order("cust-carol", add("1", "po-mobile-s"), **extra)
    start = threading.Barrier(2)
    placed: list[tuple[str, bool]] = []
    refused: list[str] = []

    def place() -> None:
        start.wait()
        try:
            found, new = ordering.place(copy.deepcopy(body), order_ctx, idempotency_key=key)
            placed.append((found.id, new))
        except Conflict as conflict:
            refused.append(str(conflict))

    threads = [threading.Thread(target=place) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with ordering.db.engine.connect() as connection:
        stored = connection.execute(sa.select(product_order.c.order_id)).scalars().all()
        events = connection.execute(sa.select(sa.func.count()).select_from(outbox)).scalar()
    assert len(stored) == 1 and events == 1  # one order, one Create event, nothing half-written
    assert [new for _, new in placed].count(True) == 1
    assert all(order_id == stored[0] for order_id, _ in placed)  # a replay names the same order
    assert all(refusal in message for message in refused)
    assert len(placed) + len(refused) == 2

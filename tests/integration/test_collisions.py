"""Changes cannot collide: while an open order modifies or deletes a product, another order that
changes it is a 409 naming the open order; racing orders meet in the database."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from core.errors import Conflict, InvalidRequest
from core.fulfillment.orchestrator import Orchestrator
from core.inventory.model import InstalledProduct
from core.ordering.cancellation import CancellationService
from core.ordering.service import OrderingService
from core.persistence.tables import order_offering_change
from core.requests import RequestContext
from tests.orders import add, change, order

LINE = "prod-alice-mobile"


def modify(**values: object) -> dict:  # type: ignore[type-arg]
    return order("cust-alice", change("1", "modify", LINE, **values))


def leave() -> dict:  # type: ignore[type-arg]
    return order("cust-alice", change("1", "delete", LINE))


def test_a_product_an_open_order_changes_cannot_be_changed_again(
    ordering: OrderingService, orchestrator: Orchestrator, order_ctx: RequestContext
) -> None:
    first, _ = ordering.place(modify(roaming=True), order_ctx)
    with pytest.raises(Conflict) as refused:
        ordering.place(leave(), order_ctx)
    assert refused.value.reason == "Product in use by another order"
    assert f"productOrder {first.id!r} (modify in item '1', acknowledged)" in refused.value.message
    same = order("cust-alice", change("1", "noChange", LINE))
    assert ordering.place(same, order_ctx)[0].state == "acknowledged"  # changes nothing
    orchestrator.run_until_idle()
    assert ordering.get(first.id).state == "completed"
    second, _ = ordering.place(leave(), order_ctx)  # the claim ended with the order
    assert second.state == "acknowledged"


def test_a_cancelled_order_frees_its_products(
    ordering: OrderingService, cancellation: CancellationService, order_ctx: RequestContext
) -> None:
    first, _ = ordering.place(leave(), order_ctx)
    with pytest.raises(Conflict):
        ordering.place(modify(roaming=True), order_ctx)
    cancellation.cancel({"productOrder": {"id": first.id}}, order_ctx)
    assert ordering.get(first.id).state == "cancelled"
    assert ordering.place(modify(roaming=True), order_ctx)[0].state == "acknowledged"


def test_a_changed_order_keeps_its_claim_or_lets_it_go(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    first, _ = ordering.place(modify(roaming=True), order_ctx)
    again = modify(roaming=False)["productOrderItem"]
    ordering.patch(first.id, {"productOrderItem": again}, "merge", order_ctx)  # no self-collision
    with pytest.raises(Conflict):
        ordering.place(leave(), order_ctx)
    elsewhere = [add("1", "po-mobile-s")]
    ordering.patch(first.id, {"productOrderItem": elsewhere}, "merge", order_ctx)
    assert ordering.place(leave(), order_ctx)[0].state == "acknowledged"


def test_racing_orders_for_one_product_let_exactly_one_in(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    racers = 6
    start = threading.Barrier(racers)
    outcomes: list[str] = []

    def race(n: int) -> None:
        body = leave() if n % 2 else modify(roaming=bool(n % 3))
        start.wait()
        try:
            ordering.place(body, order_ctx)
            outcomes.append("accepted")
        except Conflict as error:
            assert "is being changed by open productOrder" in error.message, error.message
            outcomes.append("refused")

    threads = [threading.Thread(target=race, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted", *["refused"] * (racers - 1)]
    with ordering.db.uow(write=False) as uow:
        assert uow.orders.count_by_state() == {"acknowledged": 1}


def pending_rows(ordering: OrderingService, order_id: str) -> int:
    with ordering.db.engine.connect() as connection:
        query = sa.select(sa.func.count()).where(order_offering_change.c.order_id == order_id)
        return int(connection.execute(query).scalar_one())


def carol(*items: dict) -> dict:  # type: ignore[type-arg]
    return order("cust-carol", *items)


def test_excludes_see_what_open_orders_will_add(
    ordering: OrderingService, cancellation: CancellationService, order_ctx: RequestContext
) -> None:
    router = {"id": "c-router", "status": "active", "productOffering": {"id": "po-router-rental"}}
    with ordering.db.uow() as uow:  # fibre 1000 requires a router: she has one
        uow.inventory.add(InstalledProduct("c-router", "cust-carol", router), "2026-01-01T00:00Z")
        uow.commit()
    first, _ = ordering.place(carol(add("1", "po-fibre-300", installationAddress="x")), order_ctx)
    upgrade = carol(add("1", "po-fibre-1000", installationAddress="x"))
    with pytest.raises(InvalidRequest) as refused:
        ordering.place(upgrade, order_ctx)
    assert (
        f"excluded by 'po-fibre-300', which item '1' of open productOrder {first.id!r} adds"
        in str(refused.value.problems)
    )
    cancellation.cancel({"productOrder": {"id": first.id}}, order_ctx)
    assert ordering.place(upgrade, order_ctx)[0].state == "acknowledged"


def test_requires_is_not_met_by_what_an_open_order_only_promises(
    ordering: OrderingService, orchestrator: Orchestrator, order_ctx: RequestContext
) -> None:
    basic, _ = ordering.place(carol(add("1", "po-tv-basic", channelPackage="basic")), order_ctx)
    sports = carol(add("1", "po-tv-sports", channelPackage="sports"))
    with pytest.raises(InvalidRequest) as refused:
        ordering.place(sports, order_ctx)
    assert f"open productOrder {basic.id!r} adds it but is not final" in str(refused.value.problems)
    assert pending_rows(ordering, basic.id) == 1
    orchestrator.run_until_idle()
    assert ordering.get(basic.id).state == "completed"
    assert pending_rows(ordering, basic.id) == 0  # what ended is forgotten: the table stays small
    assert ordering.place(sports, order_ctx)[0].state == "acknowledged"


def test_requires_and_deletes_see_what_open_orders_will_remove_or_add(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    bob = "cust-bob"
    leaving, _ = ordering.place(order(bob, change("1", "delete", "prod-bob-tv")), order_ctx)
    sports = order(bob, add("1", "po-tv-sports", channelPackage="sports"))
    with pytest.raises(InvalidRequest) as refused:
        ordering.place(sports, order_ctx)
    assert f"open productOrder {leaving.id!r} removes product 'prod-bob-tv'" in str(
        refused.value.problems
    )
    ordering.delete(leaving.id, order_ctx)
    added, _ = ordering.place(sports, order_ctx)  # TV Basic stays: TV Sports may come
    with pytest.raises(InvalidRequest) as broken:
        ordering.place(order(bob, change("1", "delete", "prod-bob-tv")), order_ctx)
    assert (
        f"breaks 'po-tv-sports' (item '1' of open productOrder {added.id!r} adds), which "
        "requires it" in str(broken.value.problems)
    )

"""Changes cannot collide: while an open order modifies or deletes a product, another order that
changes it is a 409 naming the open order; racing orders meet in the database."""

from __future__ import annotations

import threading

import pytest

from core.errors import Conflict
from core.fulfillment.orchestrator import Orchestrator
from core.ordering.cancellation import CancellationService
from core.ordering.service import OrderingService
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

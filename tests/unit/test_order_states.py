"""The v4 order, item and cancellation state tables, every pair tried."""

from __future__ import annotations

import itertools

import pytest

from core.errors import Conflict
from core.ordering import states
from core.ordering.model import CancelRequest, ProductOrder, Stamp

ORDER_STATES = sorted(states.ORDER_TRANSITIONS)
ITEM_STATES = sorted(states.ITEM_TRANSITIONS)
CANCEL_STATES = sorted(states.CANCEL_TRANSITIONS)
STAMP = Stamp("2026-01-05T10:00:00.000Z", "test", "tester", "corr")

# The table, written out once more by hand: a change to the code's table must change this too.
EXPECTED_ORDER_MOVES = {
    ("acknowledged", "inProgress"),
    ("acknowledged", "rejected"),
    ("acknowledged", "pending"),
    ("acknowledged", "held"),
    ("acknowledged", "assessingCancellation"),
    ("pending", "acknowledged"),
    ("pending", "inProgress"),
    ("pending", "rejected"),
    ("pending", "assessingCancellation"),
    ("held", "inProgress"),
    ("held", "failed"),
    ("held", "assessingCancellation"),
    ("inProgress", "completed"),
    ("inProgress", "partial"),
    ("inProgress", "failed"),
    ("inProgress", "held"),
    ("inProgress", "pending"),
    ("inProgress", "assessingCancellation"),
    ("assessingCancellation", "pendingCancellation"),
    ("assessingCancellation", "acknowledged"),
    ("assessingCancellation", "pending"),
    ("assessingCancellation", "held"),
    ("assessingCancellation", "inProgress"),
    ("pendingCancellation", "cancelled"),
}


def order_in(state: str) -> ProductOrder:
    document = {"id": "o1", "state": state, "productOrderItem": [{"id": "1", "state": state}]}
    return ProductOrder("o1", document)


def test_the_state_sets_are_the_standard_enums() -> None:
    assert set(ORDER_STATES) == {
        "acknowledged", "rejected", "pending", "held", "inProgress", "cancelled", "completed",
        "failed", "partial", "assessingCancellation", "pendingCancellation",
    }  # fmt: skip
    assert set(ITEM_STATES) == set(ORDER_STATES) - {"partial"}
    assert set(CANCEL_STATES) == {"acknowledged", "terminatedWithError", "inProgress", "done"}


@pytest.mark.parametrize(("old", "new"), list(itertools.product(ORDER_STATES, ORDER_STATES)))
def test_every_order_move_is_allowed_exactly_when_the_table_says(old: str, new: str) -> None:
    order = order_in(old)
    if (old, new) in EXPECTED_ORDER_MOVES:
        order.move(new, STAMP)
        assert order.state == new
        assert order.timeline[-1].from_state == old and order.timeline[-1].to_state == new
        assert order.state_changes[-1]["state"] == new
    else:
        with pytest.raises(Conflict, match=f"cannot move from '{old}' to '{new}'"):
            order.move(new, STAMP)
        assert order.state == old and not order.timeline


@pytest.mark.parametrize(("old", "new"), list(itertools.product(ITEM_STATES, ITEM_STATES)))
def test_every_item_move_follows_the_order_table_without_partial(old: str, new: str) -> None:
    order = order_in(old)
    if (old, new) in EXPECTED_ORDER_MOVES and new != "partial":
        order.move_item("1", new, STAMP)
        assert order.item("1")["state"] == new
        assert order.timeline[-1].item_id == "1"
    else:
        with pytest.raises(Conflict):
            order.move_item("1", new, STAMP)
        assert order.item("1")["state"] == old


@pytest.mark.parametrize(("old", "new"), list(itertools.product(CANCEL_STATES, CANCEL_STATES)))
def test_every_cancellation_move(old: str, new: str) -> None:
    allowed = {
        ("acknowledged", "inProgress"),
        ("acknowledged", "terminatedWithError"),
        ("inProgress", "done"),
        ("inProgress", "terminatedWithError"),
    }
    request = CancelRequest("c1", "o1", {"id": "c1", "state": old})
    if (old, new) in allowed:
        request.move(new)
        assert request.state == new
    else:
        with pytest.raises(Conflict):
            request.move(new)


def test_final_states_have_no_way_out() -> None:
    assert {"rejected", "cancelled", "completed", "failed", "partial"} == states.ORDER_FINAL

"""What other open orders of a customer change: a few adds of each offering asked for (the
first met in the customer index, however many open orders add it) and the removes of the
products asked for; never a closed order's, another customer's, or the order's own."""

from __future__ import annotations

from core.ordering.model import OfferingChange, ProductOrder
from core.persistence.database import Database

NOW = "2026-12-04T09:00:00.000Z"


def _place(
    db: Database, order_id: str, customer: str, state: str, *changes: tuple[str, ...]
) -> None:
    document = {
        "id": order_id,
        "state": state,
        "orderDate": NOW,
        "relatedParty": [{"id": customer, "role": "Customer"}],
    }
    with db.uow() as uow:
        uow.orders.add(ProductOrder(order_id, document), NOW)
        uow.offering_changes.add(
            order_id,
            customer,
            [OfferingChange(order_id, str(n), *change) for n, change in enumerate(changes)],
        )
        uow.commit()


def test_a_few_adds_of_each_open_order_are_found_however_many_there_are(db: Database) -> None:
    for n in range(30):
        _place(db, f"x-{n:02}", "cust-big", "acknowledged", ("add", "po-x"))
    for n in range(3):
        _place(db, f"y-{n}", "cust-big", "inProgress", ("add", "po-y"))
    _place(db, "done", "cust-big", "completed", ("add", "po-z"))
    _place(db, "other", "cust-small", "acknowledged", ("add", "po-z"))
    with db.uow(write=False) as uow:
        changes = uow.offering_changes
        found = changes.pending("cust-big", {"po-x"}, set(), None, adds_shown=4)
        assert len(found) == 4 and {c.offering_id for c in found} == {"po-x"}
        both = changes.pending("cust-big", {"po-x", "po-y"}, set(), None, adds_shown=40)
        assert len(both) == 33  # every open one when fewer than shown
        assert changes.pending("cust-big", {"po-z"}, set(), None) == []  # closed, or not hers
        mine = changes.pending("cust-big", {"po-y"}, set(), "y-0", adds_shown=40)
        assert sorted(c.order_id for c in mine) == ["y-1", "y-2"]  # besides its own


def test_removes_are_found_by_product_in_open_orders_only(db: Database) -> None:
    _place(db, "r-1", "cust-r", "acknowledged", ("remove", "po-x", "p-1"), ("add", "po-y"))
    _place(db, "r-2", "cust-r", "completed", ("remove", "po-x", "p-2"))
    _place(db, "r-3", "cust-s", "acknowledged", ("remove", "po-x", "p-3"))
    with db.uow(write=False) as uow:
        found = uow.offering_changes.pending("cust-r", set(), {"p-1", "p-2", "p-3"}, None)
    assert [(c.order_id, c.effect, c.product_id) for c in found] == [("r-1", "remove", "p-1")]

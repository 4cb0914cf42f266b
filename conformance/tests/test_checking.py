"""What the checks count as the same resource read twice."""

from __future__ import annotations

from conformance.checking import holds

CREATED = {
    "id": "o-1",
    "state": "acknowledged",
    "productOrderItem": [{"id": "1", "product": {"name": "Mobile"}, "quantity": 1}],
}


def test_a_later_read_may_add_to_what_was_answered_and_move_its_state() -> None:
    later = {
        "id": "o-1",
        "state": "inProgress",
        "productOrderItem": [
            {"id": "1", "product": {"id": "p-9", "name": "Mobile"}, "quantity": 1.0}
        ],
        "startDate": "2026-12-02T10:00:00Z",
    }
    assert holds(later, CREATED)


def test_a_later_read_may_not_change_drop_or_reorder_what_was_answered() -> None:
    changed = {**CREATED, "productOrderItem": [{"id": "1", "product": {"name": "Other"}}]}
    dropped = {"id": "o-1", "state": "acknowledged"}
    extra_item = {**CREATED, "productOrderItem": [*CREATED["productOrderItem"], {"id": "2"}]}
    assert not holds(changed, CREATED)
    assert not holds(dropped, CREATED)
    assert not holds(extra_item, CREATED)
    assert not holds([CREATED], CREATED)

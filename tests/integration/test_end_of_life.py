"""End of life is enforced from the lifecycle policy: a product whose offering is Obsolete may
be deleted (or moved to another offering), never modified where it is; Retired (stop-sell)
products stay modifiable."""

from __future__ import annotations

import pytest

from core.catalog.lifecycle import DEFAULT_LIFECYCLE, LifecyclePolicy
from core.catalog.service import CatalogService, CatalogSettings
from core.errors import InvalidRequest
from core.ordering.service import OrderingService
from core.ordering.support import OrderingSettings
from core.persistence.database import Database
from core.requests import RequestContext
from core.schema import ResourceSchemas
from tests.orders import change, order


def move(
    db: Database, schemas: ResourceSchemas, ctx: RequestContext, *states: str, policy=None
) -> None:  # type: ignore[no-untyped-def]
    catalog = CatalogService(
        db, schemas, CatalogSettings(strict=True, lifecycle=policy or DEFAULT_LIFECYCLE)
    )
    for state in states:
        catalog.patch("productOffering", "po-mobile-s", {"lifecycleStatus": state}, "merge", ctx)


def modify_roaming() -> dict:  # type: ignore[type-arg]
    return order("cust-alice", change("1", "modify", "prod-alice-mobile", roaming=True))


def test_a_retired_offerings_products_stay_modifiable(
    ordering: OrderingService, shop_db: Database, schemas: ResourceSchemas, ctx: RequestContext
) -> None:
    move(shop_db, schemas, ctx, "Retired")
    assert ordering.place(modify_roaming(), ctx)[0].state == "acknowledged"


def test_an_obsolete_offerings_products_cannot_be_modified_but_can_leave(
    ordering: OrderingService, shop_db: Database, schemas: ResourceSchemas, ctx: RequestContext
) -> None:
    move(shop_db, schemas, ctx, "Retired", "Obsolete")
    with pytest.raises(InvalidRequest) as refused:
        ordering.place(modify_roaming(), ctx)
    (problem,) = refused.value.problems
    assert "'po-mobile-s', which is Obsolete (end of life)" in problem
    assert "prod-alice-mobile" in problem and "item '1'" in problem
    leave = order("cust-alice", change("1", "delete", "prod-alice-mobile"))
    left = ordering.place(leave, ctx)[0]
    assert left.state == "acknowledged"
    ordering.delete(left.id, ctx)  # withdrawn: the product is free for the next order
    same = order("cust-alice", change("1", "noChange", "prod-alice-mobile"))
    assert ordering.place(same, ctx)[0].state == "acknowledged"
    moved = change("1", "modify", "prod-alice-mobile")
    moved["productOffering"] = {"id": "po-mobile-l"}
    assert ordering.place(order("cust-alice", moved), ctx)[0].state == "acknowledged"


def test_which_states_are_end_of_life_is_the_policy_files(
    shop_db: Database,
    schemas: ResourceSchemas,
    order_schemas: ResourceSchemas,
    ctx: RequestContext,
) -> None:
    """An operator whose policy calls Retired end of life refuses modifies already there."""
    data = {
        "states": list(DEFAULT_LIFECYCLE.states),
        "transitions": {k: sorted(v) for k, v in DEFAULT_LIFECYCLE.transitions.items()},
        "released": sorted(DEFAULT_LIFECYCLE.released),
        "sellable": sorted(DEFAULT_LIFECYCLE.sellable),
        "end_of_life": ["Retired", "Obsolete"],
    }
    policy = LifecyclePolicy.from_mapping(data)
    move(shop_db, schemas, ctx, "Retired", policy=policy)
    strict = OrderingService(shop_db, order_schemas, OrderingSettings(lifecycle=policy))
    with pytest.raises(InvalidRequest, match="Retired \\(end of life\\)"):
        strict.place(modify_roaming(), ctx)
    lenient = OrderingService(
        shop_db, order_schemas, OrderingSettings(strict=False, lifecycle=policy)
    )
    assert lenient.place(modify_roaming(), ctx)[0].state == "acknowledged"


def test_a_policy_cannot_sell_what_is_end_of_life() -> None:
    with pytest.raises(ValueError, match="both sellable and end_of_life"):
        LifecyclePolicy.from_mapping({"states": ["A"], "sellable": ["A"], "end_of_life": ["A"]})

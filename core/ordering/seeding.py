"""Demo orders, so a newcomer's console has orders to look at: placed through the ordering
service with every rule (an order the demo catalog refuses fails the seed loudly)."""

from __future__ import annotations

from typing import Any

from core import fixtures
from core.ordering.service import OrderingService
from core.requests import RequestContext


def fixture(name: str = "demo") -> list[dict[str, Any]]:
    """The order bodies of a named fixture file in ``core/ordering/fixtures``."""
    return fixtures.load("core.ordering.fixtures", name)


def seed(ordering: OrderingService, orders: list[dict[str, Any]], ctx: RequestContext) -> int:
    """Place the orders not placed yet (keyed by their externalId); returns how many were."""
    placed = 0
    for body in orders:
        _, new = ordering.place(body, ctx, idempotency_key=f"seed/{body['externalId']}")
        placed += new
    return placed

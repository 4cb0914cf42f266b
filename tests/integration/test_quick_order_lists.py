"""An order list read quickly once is answered on the event loop the next time: the same
page, total and headers as the thread's answer, read afresh (never a cached answer), one
per caller's scope, and never when its total would need a statement of its own."""

from __future__ import annotations

import json

from core.ordering.service import OrderingService
from core.ordering.support import Page
from core.requests import RequestContext
from tests.orders import add, order

PREFIX = "http://test.example/tmf-api/productOrderingManagement/v4/productOrder/"
SNAPSHOT = "pricingSnapshot"


def _pages(
    ordering: OrderingService, ctx: RequestContext | None = None, **params: str
) -> tuple[Page[str], Page[str] | None]:
    """The page as the thread reads it, then as the event loop would (None: not quick)."""
    query = ordering.list_query(list(params.items()))
    page = ordering.rendered_page(query, ctx, PREFIX, SNAPSHOT)
    return page, ordering.quick_rendered_page(query, ctx, PREFIX, SNAPSHOT)


def _ids(page: Page[str]) -> list[str]:
    return [json.loads(text)["id"] for text in page.items]


def test_a_page_read_once_is_read_again_quickly_and_afresh(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    first = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)[0]
    query = ordering.list_query([("limit", "20")])
    assert ordering.quick_rendered_page(query, None, PREFIX, SNAPSHOT) is None  # never read
    page, quick = _pages(ordering, limit="20")
    assert quick is not None
    assert (quick.items, quick.total, quick.exact) == (page.items, page.total, page.exact)
    assert json.loads(quick.items[0])["href"] == PREFIX + first.id
    second = ordering.place(order("cust-dave", add("1", "po-mobile-s")), order_ctx)[0]
    again = ordering.quick_rendered_page(query, None, PREFIX, SNAPSHOT)
    assert again is not None and again.total == 2  # the rows are read each time
    assert set(_ids(again)) == {first.id, second.id}


def test_filtered_and_scoped_pages_are_each_their_own(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    carols = ordering.place(order("cust-carol", add("1", "po-mobile-s")), order_ctx)[0].id
    ordering.place(order("cust-dave", add("1", "po-mobile-s")), order_ctx)
    filters = {"relatedParty.id": "cust-carol", "state": "acknowledged"}
    page, quick = _pages(ordering, **filters)
    assert quick is not None and _ids(quick) == _ids(page) == [carols]
    partner = RequestContext(order_ctx.base_url, "c", party_ids=frozenset({"cust-dave"}))
    query = ordering.list_query(list(filters.items()))
    assert ordering.quick_rendered_page(query, partner, PREFIX, SNAPSHOT) is None  # its own
    scoped, quick_scoped = _pages(ordering, partner, **filters)
    assert scoped.items == [] and quick_scoped is not None and quick_scoped.items == []


def test_a_total_past_the_exact_limit_is_quick_only_while_its_estimate_is_known(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    placed = [
        ordering.place(order(f"cust-{n}", add("1", "po-mobile-s")), order_ctx)[0].id
        for n in range(4)
    ]
    db = ordering.db
    cap, db.exact_total_up_to = db.exact_total_up_to, 2
    try:
        page, quick = _pages(ordering, limit="2")
        assert quick is not None
        assert (quick.items, quick.total, quick.exact) == (page.items, page.total, page.exact)
        assert page.exact is (db.dialect != "postgresql")  # SQLite counts: always exact
        middle, quick_middle = _pages(ordering, limit="2", offset="1")
        assert quick_middle is not None and quick_middle.total == middle.total >= 3
        last, quick_last = _pages(ordering, limit="2", offset="3")  # short: the total is known
        assert quick_last is not None and quick_last.exact and quick_last.total == 4
        assert set(_ids(page) + _ids(middle) + _ids(last)) == set(placed)
        past, quick_past = _pages(ordering, limit="2", offset="9")
        assert past.items == [] and quick_past is None  # its total needs a count of its own
    finally:
        db.exact_total_up_to = cap

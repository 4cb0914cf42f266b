"""The orders pages: counts by state with the stuck first, a searchable list (TMF630 queries,
as a client would send them), and an order's whole story."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from console.pages import Pages, number
from console.views import NODE_W, age, task_graph, time_line
from core import monitoring
from core.approval import evidence as approval_evidence
from core.approval.service import ApprovalService
from core.fulfillment import evidence
from core.ordering.model import customer_of
from core.ordering.service import OrderingService
from core.ordering.states import ORDER_TRANSITIONS
from core.persistence.database import Database
from core.pricing.snapshot import fingerprint
from core.timeutil import parse_datetime
from tmf622 import BASE_PATH as ORDERING_PATH

PAGE = 20
# The list's search fields and the TMF630 filter each one sends.
SEARCH = {
    "customer": "relatedParty.id",
    "externalId": "externalId",
    "state": "state",
    "offering": "productOrderItem.productOffering.id",
    "from": "orderDate.gte",
    "to": "orderDate.lte",
}


class OrderPages:
    def __init__(
        self,
        pages: Pages,
        db: Database,
        ordering: OrderingService,
        approvals: ApprovalService,
        stuck_after_seconds: float,
        broker: bool,
    ) -> None:
        self.pages = pages
        self.db = db
        self.ordering = ordering
        self.approvals = approvals
        self.stuck_after = stuck_after_seconds
        self.broker = broker

    async def dashboard(self, request: Request) -> Response:
        found = await self.pages.call(monitoring.overview, self.db, self.stuck_after)
        states = sorted(
            found.orders.items(), key=lambda s: (-found.stuck.get(s[0], 0), -s[1], s[0])
        )
        return self.pages.render(
            request,
            "dashboard.html",
            snapshot=found,
            states=states,
            stuck_after_minutes=int(self.stuck_after // 60),
        )

    async def listing(self, request: Request) -> Response:
        asked = {name: request.query_params.get(name, "").strip() for name in SEARCH}
        offset = number(request.query_params.get("offset"))
        params = [(SEARCH[name], _bound(name, value)) for name, value in asked.items() if value]
        params += [("sort", "-orderDate"), ("offset", str(offset)), ("limit", str(PAGE))]
        ctx = self.pages.viewer(request).context(request, ORDERING_PATH)
        page = await self.pages.call(self.ordering.get_all, params, ctx)
        return self.pages.render(
            request,
            "orders.html",
            orders=[_summary(o.document) for o in page.items],
            total=page.total,
            exact=page.exact,
            offset=offset,
            page_size=PAGE,
            asked=asked,
            states=sorted(ORDER_TRANSITIONS),
        )

    async def order(self, request: Request) -> Response:
        order_id = request.path_params["id"]
        ctx = self.pages.viewer(request).context(request, ORDERING_PATH)
        order = await self.pages.call(self.ordering.get, order_id, ctx)
        story = await self.pages.call(evidence.timeline, self.db, order_id)
        case = await self.pages.call(self.approvals.of_order, order_id)
        snapshot = order.snapshot or {}
        now = parse_datetime(self.ordering.now())
        return self.pages.render(
            request,
            "order.html",
            order=_summary(order.document),
            document=order.document,
            items=list(_items(order.document.get("productOrderItem") or [], 0)),
            snapshot=snapshot,
            verified=bool(snapshot) and fingerprint(snapshot) == snapshot.get("fingerprint"),
            moments=time_line(story),
            graph=task_graph(story["tasks"]),
            node_width=NODE_W,
            tasks=story["tasks"],
            case=case,
            deleted=story["deleted"],
            age=lambda at: age(at, now),
        )

    async def evidence(self, request: Request) -> Response:
        order_id = request.path_params["id"]
        found = await self.pages.call(
            approval_evidence.package, self.db, order_id, self.ordering.now()
        )
        content = await self.pages.call(approval_evidence.zipped, found)
        headers = {"Content-Disposition": f'attachment; filename="evidence-{order_id}.zip"'}
        return Response(content, media_type="application/zip", headers=headers)


def _summary(document: dict[str, Any]) -> dict[str, Any]:
    """What a row of the list shows of an order."""
    totals = [
        f"{t.get('priceType')}: {_money(t.get('price') or {})}"
        for t in document.get("orderTotalPrice") or []
    ]
    return {
        "id": document["id"],
        "externalId": document.get("externalId"),
        "state": document.get("state"),
        "customer": customer_of(document),
        "orderDate": document.get("orderDate"),
        "category": document.get("category"),
        "items": len(document.get("productOrderItem") or []),
        "totals": totals,
    }


def _bound(name: str, value: str) -> str:
    """A date from the date picker as the first or last instant of that day."""
    if name in ("from", "to") and "T" not in value:
        return value + ("T23:59:59.999Z" if name == "to" else "T00:00:00.000Z")
    return value


def _items(items: list[dict[str, Any]], depth: int) -> Any:
    """Items and their bundled children, depth first, with their prices."""
    for item in items:
        offering = item.get("productOffering") or {}
        yield {
            "depth": depth,
            "id": item.get("id"),
            "action": item.get("action"),
            "state": item.get("state"),
            "offering": offering.get("name") or offering.get("id"),
            "prices": [
                {
                    "type": p.get("priceType"),
                    "name": p.get("name"),
                    "amount": _money(p.get("price") or {}),
                    "alterations": [
                        f"{a.get('name') or 'alteration'}: {_money(a.get('price') or {})}"
                        for a in p.get("priceAlteration") or []
                    ],
                }
                for p in item.get("itemPrice") or []
            ],
        }
        yield from _items(item.get("productOrderItem") or [], depth + 1)


def _money(price: dict[str, Any]) -> str:
    amount = price.get("taxIncludedAmount") or price.get("dutyFreeAmount") or {}
    if isinstance(amount, dict) and "value" in amount:
        return f"{amount['value']} {amount.get('unit', '')}".strip()
    if "percentage" in price:
        return f"{price['percentage']} %"
    return ""

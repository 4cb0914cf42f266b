"""The pages that watch what leaves and what is offered: hub subscribers with their delivery
health and dead letters to replay; the catalog's offerings by lifecycle status and their
versions side by side."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from console.pages import Pages, number, redirect, text
from console.views import changes
from core.catalog.service import CatalogService
from core.events.hub import Hub
from core.events.queue import DeliveryQueue

PAGE = 50


class WatchPages:
    def __init__(
        self, pages: Pages, hub: Hub, deliveries: DeliveryQueue, catalog: CatalogService
    ) -> None:
        self.pages = pages
        self.hub = hub
        self.deliveries = deliveries
        self.catalog = catalog

    async def deliveries_page(self, request: Request) -> Response:
        offset = number(request.query_params.get("offset"))
        subscriptions = await self.pages.call(self.hub.all)
        health = await self.pages.call(self.deliveries.health, [s.id for s in subscriptions])
        dead, total = await self.pages.call(self.deliveries.page, "dead", None, PAGE, offset)
        return self.pages.render(
            request,
            "deliveries.html",
            subscriptions=[(s.view(), health[s.id]) for s in subscriptions],
            dead=[d.view() for d in dead],
            total=total,
            offset=offset,
            page_size=PAGE,
        )

    async def replay(self, request: Request) -> Response:
        form = await self.pages.form(request)
        actor = self.pages.viewer(request).actor
        delivery = await self.pages.call(
            self.deliveries.replay, request.path_params["id"], actor, text(form, "reason")
        )
        return redirect("/deliveries", f"delivery {delivery.seq} is {delivery.status} again")

    async def replay_all(self, request: Request) -> Response:
        form = await self.pages.form(request)
        actor = self.pages.viewer(request).actor
        count = await self.pages.call(
            self.deliveries.replay_all,
            text(form, "subscriptionId") or None,
            actor,
            text(form, "reason"),
        )
        return redirect("/deliveries", f"{count} dead letter(s) sent again")

    async def offerings(self, request: Request) -> Response:
        status = request.query_params.get("lifecycleStatus", "")
        offset = number(request.query_params.get("offset"))
        params = [("fields", "name,lifecycleStatus,version,lastUpdate,isBundle")]
        if status:
            params.append(("lifecycleStatus", status))
        params += [("sort", "name"), ("offset", str(offset)), ("limit", str(PAGE))]
        page = await self.pages.call(self.catalog.get_all, "productOffering", params)
        counts = await self.pages.call(self.catalog.count_by_status, "productOffering")
        return self.pages.render(
            request,
            "catalog.html",
            offerings=page.entities,
            total=page.total,
            counts=sorted(counts.items(), key=lambda c: (c[0] is None, str(c[0]))),
            status=status,
            offset=offset,
            page_size=PAGE,
        )

    async def offering(self, request: Request) -> Response:
        versions = await self.pages.call(
            self.catalog.versions, "productOffering", request.path_params["id"]
        )
        names = [v.version for v in versions]
        older = request.query_params.get("from") or (names[-2] if len(names) > 1 else names[-1])
        newer = request.query_params.get("to") or names[-1]
        pick = {v.version: v for v in versions}
        left, right = pick.get(older, versions[0]), pick.get(newer, versions[-1])
        return self.pages.render(
            request,
            "offering.html",
            versions=versions,
            left=left,
            right=right,
            changes=changes(left.document, right.document),
        )

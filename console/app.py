"""The console's routes on the server's app: every page guarded (errors shown as pages), the
static assets shipped in the package, and the name a user works under when auth is off."""

from __future__ import annotations

import mimetypes
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from console import BASE_PATH, ROUTES, csrf
from console.identity import AS_COOKIE, format_as
from console.orders import OrderPages
from console.pages import HERE, Pages, redirect, text
from console.watch import WatchPages
from console.work import WorkPages
from core.errors import InvalidRequest, NotFound
from server.container import Container

ASSETS = {p.name: p for p in (HERE / "static").iterdir() if p.is_file()}


def add_console(app: Any, container: Container) -> None:
    """Mount ``/console`` on the connexion app, on the container's use cases."""
    settings = container.settings
    pages = Pages(settings.auth, settings.trust_actor_headers)
    orders = OrderPages(
        pages,
        container.db,
        container.ordering,
        container.approvals,
        settings.stuck_after_seconds,
        container.relay is not None,
    )
    work = WorkPages(pages, container.fallout, container.approvals)
    watch = WatchPages(pages, container.hub, container.deliveries, container.catalog)

    async def identity(request: Request) -> Response:
        """With authentication off, the name (and roles) the user acts under, in a cookie."""
        if settings.auth != "off":
            raise NotFound("page", request.url.path)
        form = await pages.form(request)
        actor = text(form, "actor")
        if len(actor) > 128 or any(not c.isprintable() for c in actor):
            raise InvalidRequest("a name of at most 128 printable characters")
        back = text(form, "back")
        target = back if back.startswith(BASE_PATH) and "//" not in back else BASE_PATH
        response = redirect(target.removeprefix(BASE_PATH), f"working as {actor or 'nobody'}")
        if actor:
            response.set_cookie(
                AS_COOKIE,
                format_as(actor, text(form, "roles")),
                httponly=True,
                samesite="lax",
                secure=csrf.secure_cookies(request),
                path=BASE_PATH,
            )
        else:
            response.delete_cookie(AS_COOKIE, path=BASE_PATH)
        return response

    async def asset(request: Request) -> Response:
        found = ASSETS.get(request.path_params["name"])
        if found is None:
            raise NotFound("asset", request.path_params["name"])
        kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        return Response(
            found.read_bytes(), media_type=kind, headers={"Cache-Control": "max-age=3600"}
        )

    handlers = {
        ("GET", ""): orders.dashboard,
        ("GET", "/orders"): orders.listing,
        ("GET", "/orders/{id}"): orders.order,
        ("GET", "/orders/{id}/evidence"): orders.evidence,
        ("GET", "/fallout"): work.repair_queue,
        ("POST", "/fallout/{id}/{action}"): work.repair,
        ("GET", "/approvals"): work.cases,
        ("GET", "/approvals/{id}"): work.case,
        ("POST", "/approvals/{id}/decision"): work.decide,
        ("POST", "/approvals/{id}/delegation"): work.delegate,
        ("GET", "/deliveries"): watch.deliveries_page,
        ("POST", "/deliveries/replay"): watch.replay_all,
        ("POST", "/deliveries/{id}/replay"): watch.replay,
        ("GET", "/catalog"): watch.offerings,
        ("GET", "/catalog/{id}"): watch.offering,
        ("POST", "/identity"): identity,
        ("GET", "/static/{name}"): asset,
    }
    assert {(m, BASE_PATH + p) for m, p in handlers} == {(m, p) for m, p, _ in ROUTES}
    for method, path, _scope in ROUTES:
        handler = handlers[(method, path.removeprefix(BASE_PATH))]
        app.add_url_rule(path, f"console {method} {path}", pages.guarded(handler), methods=[method])

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
from console.session import SessionCookies
from console.signin import SignIn
from console.watch import WatchPages
from console.work import WorkPages
from core.errors import InvalidRequest, NotFound
from server.auth.tokens import TokenVerifier
from server.container import Container
from server.settings import Settings

ASSETS = {p.name: p for p in (HERE / "static").iterdir() if p.is_file()}


def console_sign_in(settings: Settings, verifier: TokenVerifier | None) -> SignIn | None:
    """The console's OpenID Connect sign-in, when a client id is configured (TMF_AUTH=jwt)."""
    if not settings.console_client_id or verifier is None:
        return None
    assert settings.console_session_secret
    cookies = SessionCookies(settings.console_session_secret, settings.console_session_seconds)
    return SignIn(settings, verifier, cookies)


def add_console(app: Any, container: Container, sign_in: SignIn | None = None) -> None:
    """Mount ``/console`` on the connexion app, on the container's use cases."""
    settings = container.settings
    pages = Pages(settings.auth, settings.trust_actor_headers, sign_in is not None)
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

    async def login(request: Request) -> Response:
        if sign_in is None:
            raise NotFound("page", request.url.path)
        if "signed_out" in request.query_params:
            return pages.render(request, "signed_out.html")
        return await sign_in.login(request)

    async def callback(request: Request) -> Response:
        if sign_in is None:
            raise NotFound("page", request.url.path)
        return await sign_in.callback(request)

    async def logout(request: Request) -> Response:
        if sign_in is None:
            raise NotFound("page", request.url.path)
        await pages.form(request, needs=None)  # signing out needs no scope, only its own form
        return await sign_in.logout(request)

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
        ("GET", "/login"): login,
        ("GET", "/callback"): callback,
        ("POST", "/logout"): logout,
        ("GET", "/static/{name}"): asset,
    }
    assert {(m, BASE_PATH + p) for m, p in handlers} == {(m, p) for m, p, _ in ROUTES}
    for method, path, _scope in ROUTES:
        handler = handlers[(method, path.removeprefix(BASE_PATH))]
        app.add_url_rule(path, f"console {method} {path}", pages.guarded(handler), methods=[method])

"""What every console page shares: templates, the viewer, CSRF on forms, the error page, and
use cases called off the event loop."""

from __future__ import annotations

import functools
import logging
import pathlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from console import BASE_PATH, csrf
from console.identity import Viewer, viewer
from core.errors import DomainError, Forbidden
from server.errors import status_of

log = logging.getLogger("tmf.console")
HERE = pathlib.Path(__file__).parent
T = TypeVar("T")
Handler = Callable[[Request], Awaitable[Response]]
# The console's pages load nothing from elsewhere and may not be framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class Refused(Exception):
    """A form post that fails the CSRF check: 403 before any use case runs."""


class Pages:
    """Renders templates for one app; ``trust_named_roles`` in development mode only."""

    def __init__(self, auth: str, trust_named_roles: bool, signs_in: bool = False) -> None:
        self.auth = auth
        self.trust_named_roles = trust_named_roles
        self.signs_in = signs_in  # the console has its OpenID Connect sign-in
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals["base"] = BASE_PATH
        self.templates.filters["query"] = _query

    def viewer(self, request: Request) -> Viewer:
        return viewer(request, self.trust_named_roles)

    def render(
        self, request: Request, template: str, http_status: int = 200, **values: Any
    ) -> Response:
        token, new = csrf.token_of(request)
        html = self.templates.get_template(template).render(
            viewer=self.viewer(request),
            auth=self.auth,
            development=self.trust_named_roles,
            signs_in=self.signs_in,
            csrf_field=csrf.FIELD,
            csrf_token=token,
            notice=request.query_params.get("notice"),
            path=request.url.path,
            **values,
        )
        response = HTMLResponse(html, http_status, headers=SECURITY_HEADERS)
        if new:
            csrf.remember(response, token, csrf.secure_cookies(request))
        return response

    async def form(self, request: Request, needs: str | None = "admin:write") -> FormData:
        """The posted form once it passes the CSRF check and the user has ``needs``."""
        found = await request.form()
        sent = found.get(csrf.FIELD)
        problem = csrf.refusal(request, sent if isinstance(sent, str) else None)
        if problem is not None:
            raise Refused(problem)
        if needs is not None and not self.viewer(request).may(needs):
            raise Forbidden(f"this action needs the scope {needs!r}", "Forbidden")
        return found

    @staticmethod
    async def call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A use case, in a worker thread (they block on the database)."""
        return await run_in_threadpool(function, *args, **kwargs)

    def guarded(self, handler: Handler) -> Handler:
        """The handler, with a core error or a refused form shown as an error page."""

        @functools.wraps(handler)
        async def page(request: Request) -> Response:
            try:
                return await handler(request)
            except DomainError as error:
                return self.render(
                    request,
                    "error.html",
                    status_of(error),
                    reason=error.reason,
                    message=error.message,
                    status=status_of(error),
                )
            except Refused as refused:
                log.warning("console form refused: %s", refused)
                return self.render(
                    request,
                    "error.html",
                    403,
                    reason="Form refused",
                    message=str(refused),
                    status=403,
                )

        return page


def redirect(path: str, notice: str | None = None) -> Response:
    """After a form: see the result (303, so a reload does not post again)."""
    target = f"{BASE_PATH}{path}" + (f"?{urlencode({'notice': notice})}" if notice else "")
    return RedirectResponse(target, 303)


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def number(value: str | None) -> int:
    """A paging offset from the query string (0 when it is not a plain number)."""
    return int(value) if value and value.isdigit() and len(value) < 10 else 0


def _query(values: dict[str, Any], **changes: Any) -> str:
    """A query string of ``values`` with ``changes`` (empty values left out)."""
    merged = {**values, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})

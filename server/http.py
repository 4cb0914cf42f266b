"""Small HTTP helpers shared by the API packages: JSON answers, request context, list headers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from connexion import request
from starlette.responses import Response

from core.requests import RequestContext
from server.access import request_correlation_id
from server.auth.gate import PRINCIPAL
from server.auth.tokens import Principal
from server.threads import REQUEST_THREADS

JSON = "application/json;charset=utf-8"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """UTF-8 JSON, not ASCII-escaped, with the correlation id echoed."""
    return encoded_response(encode_json(body), status, headers)


def encoded_response(
    content: bytes, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """JSON encoded already (an answer rendered before), with the correlation id echoed."""
    all_headers = {"X-Correlation-ID": correlation_id(), **(headers or {})}
    return Response(content, status_code=status, media_type=JSON, headers=all_headers)


def encode_json(body: Any) -> bytes:
    """orjson for speed; the standard encoder for what orjson refuses (integers past 64 bits)."""
    try:
        return orjson.dumps(body)
    except TypeError:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def empty_response(status: int = 204) -> Response:
    return Response(status_code=status, headers={"X-Correlation-ID": correlation_id()})


def correlation_id() -> str:
    """The caller's X-Correlation-ID, or one generated once for this request."""
    return request_correlation_id(request.scope)


def base_url(public_base_url: str | None, api_base_path: str) -> str:
    """Absolute base of this API for hrefs: the configured public URL or what the client used."""
    if public_base_url:
        return public_base_url.rstrip("/") + api_base_path
    url = request.url
    return f"{url.scheme}://{url.netloc}{api_base_path}"


def context(
    public_base_url: str | None, api_base_path: str, trust_actor_headers: bool = False
) -> RequestContext:
    """Where the request came from and who sent it: the verified token's principal when
    authentication is on; else, in development mode only, ``X-Actor-Id`` and
    ``X-Actor-Roles`` (comma separated) as they are; else nobody."""
    principal: Principal | None = request.scope.get(PRINCIPAL)
    base = base_url(public_base_url, api_base_path)
    if principal is not None:
        return RequestContext(
            base,
            correlation_id(),
            actor=principal.actor,
            roles=principal.roles,
            party_ids=principal.party_ids,
        )
    actor, roles = None, frozenset[str]()
    if trust_actor_headers:
        actor = request.headers.get("x-actor-id") or None
        given = request.headers.get("x-actor-roles") or ""
        roles = frozenset(r.strip() for r in given.split(",") if r.strip())
    return RequestContext(base, correlation_id(), actor=actor, roles=roles)


def query_pairs() -> list[tuple[str, str]]:
    """Every query parameter in order, repeated names kept."""
    return list(request.query_params.multi_items())


def patch_format() -> str:
    """``json`` for RFC 6902 bodies, ``merge`` for merge patch and plain JSON."""
    content_type = request.headers.get("content-type", "")
    return "json" if "json-patch+json" in content_type else "merge"


ESTIMATED = "X-Total-Count-Estimated"  # ours: "true" when X-Total-Count is an estimate


def list_headers(total: int, returned: int, exact: bool = True) -> tuple[int, dict[str, str]]:
    """TMF630: 200 when the page holds every match, 206 when it is partial."""
    status = 200 if exact and returned == total else 206
    headers = {"X-Total-Count": str(total), "X-Result-Count": str(returned)}
    if not exact:
        headers[ESTIMATED] = "true"
    return status, headers


VERBS = ("list", "create", "retrieve", "patch", "delete")


def operation_handler(
    target: object, operation_id: str, kinds: Iterable[str]
) -> Callable[..., Response] | None:
    """Bind ``patchProductOffering`` to ``target.patch("productOffering", ...)``, if it has one."""
    for verb in VERBS:
        kind = operation_id[len(verb) :]
        kind = kind[:1].lower() + kind[1:]
        if operation_id.startswith(verb) and kind in kinds and hasattr(target, verb):
            quick = getattr(target, f"quick_{verb}", None)
            return _bind(getattr(target, verb), kind, operation_id, quick)
    return None


READS = ("retrieve",)


def _bind(
    method: Callable[..., Response],
    kind: str,
    operation_id: str,
    quick: Callable[..., Response | None] | None = None,
) -> Callable[..., Any]:
    """Connexion passes only the arguments a handler names: here the path id and the body.

    Reads by id run on the event loop: they are short and never wait on a lock, and the thread
    hop costs more than the query. A list runs there too when ``quick`` answers it (a request
    seen to be quick before); otherwise it runs, like writes, on the process's request threads
    (``server.threads``): a count or a SQLite writer waiting for the lock must not hold up the
    loop.
    """
    if operation_id.startswith(READS):

        async def read(id: str | None = None) -> Response:
            return method(kind, id=id)

        read.__name__ = operation_id
        return read

    if quick is not None:

        async def listing() -> Response:
            answer = quick(kind)
            if answer is None:
                answer = await REQUEST_THREADS.run(method, kind)
            return answer

        listing.__name__ = operation_id
        return listing

    async def write(id: str | None = None, body: Any = None) -> Response:
        return await REQUEST_THREADS.run(method, kind, id=id, body=body)

    write.__name__ = operation_id
    return write

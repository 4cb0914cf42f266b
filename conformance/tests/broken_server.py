"""A small TMF620 category server with switchable flaws: proof that each check catches its flaw.

Used only in tests, and by hand: ``python -m conformance.tests.broken_server --flaw all`` serves
every flaw at http://127.0.0.1:8700 and prints the tmf-conformance command that finds them.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import jsonpatch
import jsonschema
import uvicorn
import yaml
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

import openapi

BASE = "/tmf-api/productCatalogManagement/v4"
FLAWS = {
    "wrong_total_count": "X-Total-Count is one more than the truth",
    "filter_ignored": "attribute filters are ignored",
    "patch_replaces": "PATCH replaces the resource instead of merging into it",
    "no_location": "201 Created comes without a Location header",
    "crash_on_bad_input": "invalid input gives a 500",
    "list_wrapped": "lists come wrapped in an object",
    "fields_ignored": "fields= is ignored",
    "sort_ignored": "sort= is ignored",
    "offset_ignored": "offset= is ignored, so pages overlap",
    "delete_keeps": "DELETE answers 204 but keeps the resource",
    "plain_errors": "errors are plain text, not TMF Error objects",
    "bad_timestamps": "lastUpdate is not RFC 3339",
    "accepts_anything": "bodies are not validated: invalid input is accepted",
    "created_200": "a create answers 200, which the document does not list",
    "count_not_a_number": "X-Result-Count is a word, not a number",
    "retrieve_renames": "a GET answers another name than the one created",
}
PAGE = 100


def category_document() -> dict[str, Any]:
    """Our TMF620 document cut down to the category operations this server serves."""
    document = dict(openapi.load("tmf620"))
    document["paths"] = {p: v for p, v in document["paths"].items() if p.startswith("/category")}
    return document


def write_document(folder: pathlib.Path) -> pathlib.Path:
    path = folder / "category-only.yaml"
    path.write_text(yaml.safe_dump(category_document(), sort_keys=False), encoding="utf-8")
    return path


class BrokenCategoryServer:
    """Categories in memory, served as TMF620 would, except for the flaws switched on."""

    def __init__(self, flaws: set[str]) -> None:
        unknown = flaws - set(FLAWS)
        if unknown:
            raise ValueError(f"unknown flaws {sorted(unknown)}")
        self.flaws = flaws
        self.store: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        document = category_document()
        self.create_schema = self._validator(document, "Category_Create")
        self.update_schema = self._validator(document, "Category_Update")
        self.app = Starlette(
            routes=[
                Route(f"{BASE}/category", self.listing, methods=["GET"]),
                Route(f"{BASE}/category", self.create, methods=["POST"]),
                Route(f"{BASE}/category/{{id}}", self.retrieve, methods=["GET"]),
                Route(f"{BASE}/category/{{id}}", self.patch, methods=["PATCH"]),
                Route(f"{BASE}/category/{{id}}", self.delete, methods=["DELETE"]),
            ],
            exception_handlers={HTTPException: self._http_error},
        )

    @staticmethod
    def _validator(document: dict[str, Any], name: str) -> jsonschema.Validator:
        schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        return jsonschema.Draft7Validator(
            schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
        )

    # -- handlers -------------------------------------------------------------------------------

    async def listing(self, request: Request) -> Response:
        query = dict(request.query_params)
        try:
            offset = _count(query.pop("offset", "0"), "offset")
            limit = _count(query.pop("limit", str(PAGE)), "limit")
        except ValueError as error:
            return self.error(400, "invalidQuery", str(error))
        fields = query.pop("fields", None)
        sort = query.pop("sort", None)
        with self.lock:
            found = list(self.store.values())
        if "filter_ignored" not in self.flaws:
            for name, wanted in query.items():
                found = [r for r in found if str(_plain(r.get(name))) in wanted.split(",")]
        if sort and "sort_ignored" not in self.flaws:
            for key in reversed(sort.split(",")):
                found.sort(key=_sort_key(key.lstrip("-")), reverse=key.startswith("-"))
        total = len(found)
        start = 0 if "offset_ignored" in self.flaws else offset
        page = [self.project(r, fields) for r in found[start : start + limit]]
        shown_total = total + 1 if "wrong_total_count" in self.flaws else total
        status = 206 if len(page) < shown_total else 200
        result = "some" if "count_not_a_number" in self.flaws else str(len(page))
        headers = {"X-Total-Count": str(shown_total), "X-Result-Count": result}
        body: Any = {"items": page} if "list_wrapped" in self.flaws else page
        return JSONResponse(body, status_code=status, headers=headers)

    async def create(self, request: Request) -> Response:
        body = await self.body(request, self.create_schema)
        if isinstance(body, Response):
            return body
        identifier = str(uuid.uuid4())
        href = f"{str(request.base_url).rstrip('/')}{BASE}/category/{identifier}"
        resource = {**body, "id": identifier, "href": href, "@type": body.get("@type", "Category")}
        resource.setdefault("lifecycleStatus", "In Study")
        resource.setdefault("version", "1.0")
        self.touch(resource)
        with self.lock:
            self.store[identifier] = resource
        headers = {} if "no_location" in self.flaws else {"Location": href}
        status = 200 if "created_200" in self.flaws else 201
        return JSONResponse(resource, status_code=status, headers=headers)

    async def retrieve(self, request: Request) -> Response:
        resource = self.store.get(request.path_params["id"])
        if resource is None:
            return self.error(404, "notFound", "no such category")
        if "retrieve_renames" in self.flaws:
            resource = {**resource, "name": f"{resource.get('name')} (renamed)"}
        return JSONResponse(self.project(resource, request.query_params.get("fields")))

    async def patch(self, request: Request) -> Response:
        identifier = request.path_params["id"]
        resource = self.store.get(identifier)
        if resource is None:
            return self.error(404, "notFound", "no such category")
        media = request.headers.get("content-type", "").split(";")[0].strip()
        if media == "application/json-patch+json":
            try:
                operations = json.loads(await request.body())
                changed = jsonpatch.apply_patch(resource, operations)
            except Exception as error:  # any unusable JSON Patch is the client's error
                return self.bad_input(f"unusable JSON Patch: {error.__class__.__name__}")
            problem = self.problem(self.update_schema, _without_server_fields(changed))
            if problem:
                return self.bad_input(problem)
        else:
            patch = await self.body(request, self.update_schema)
            if isinstance(patch, Response):
                return patch
            if "patch_replaces" in self.flaws:
                changed = {k: v for k, v in patch.items() if v is not None}
            else:
                changed = _merge(resource, patch)
        changed.update(id=identifier, href=resource["href"])
        changed.setdefault("@type", "Category")
        self.touch(changed)
        with self.lock:
            self.store[identifier] = changed
        return JSONResponse(changed)

    async def delete(self, request: Request) -> Response:
        identifier = request.path_params["id"]
        with self.lock:
            if identifier not in self.store:
                return self.error(404, "notFound", "no such category")
            if "delete_keeps" not in self.flaws:
                del self.store[identifier]
        return Response(status_code=204)

    # -- helpers --------------------------------------------------------------------------------

    async def body(self, request: Request, validator: jsonschema.Validator) -> Any:
        """The JSON body if it is valid, else the error Response to answer."""
        try:
            body = json.loads(await request.body())
        except ValueError:
            return self.bad_input("the body is not JSON")
        problem = None if "accepts_anything" in self.flaws else self.problem(validator, body)
        if problem:
            return self.bad_input(problem)
        if not isinstance(body, dict):
            return self.bad_input("the body must be a JSON object")
        return body

    @staticmethod
    def problem(validator: jsonschema.Validator, body: Any) -> str | None:
        error = jsonschema.exceptions.best_match(validator.iter_errors(body))
        return (
            None
            if error is None
            else f"{'/'.join(map(str, error.absolute_path)) or 'body'}: {error.message}"
        )

    def project(self, resource: dict[str, Any], fields: str | None) -> dict[str, Any]:
        if not fields or "fields_ignored" in self.flaws:
            return resource
        keep = {"id", "href"} | {f.strip().split(".")[0] for f in fields.split(",")}
        return {k: v for k, v in resource.items() if k in keep}

    def touch(self, resource: dict[str, Any]) -> None:
        now = datetime.now(UTC)
        if "bad_timestamps" in self.flaws:
            resource["lastUpdate"] = now.strftime("%d/%m/%Y %H:%M")
        else:
            resource["lastUpdate"] = now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    def bad_input(self, message: str) -> Response:
        if "crash_on_bad_input" in self.flaws:
            return self.error(500, "internalError", message)
        return self.error(400, "invalidBody", message)

    def error(self, status: int, code: str, message: str) -> Response:
        if "plain_errors" in self.flaws:
            return PlainTextResponse(message, status_code=status)
        body = {
            "code": code,
            "reason": message,
            "message": message,
            "status": str(status),
            "@type": "Error",
        }
        return JSONResponse(body, status_code=status)

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        return self.error(status, "httpError", str(getattr(exc, "detail", exc)))


def _count(value: str, name: str) -> int:
    if not value.isdigit():
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(value)


def _sort_key(name: str) -> Callable[[dict[str, Any]], tuple[bool, str]]:
    """Order by an attribute's text, resources without it last."""
    return lambda resource: (resource.get(name) is None, str(resource.get(name)))


def _plain(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, dict | list) else value


def _merge(target: Any, patch: Any) -> Any:
    """RFC 7386 merge patch."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _merge(merged.get(key), value)
    return merged


def _without_server_fields(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k not in ("id", "href")}


class Running:
    """The broken server on a real port in a background thread (for tests)."""

    def __init__(self, flaws: set[str], port: int = 0) -> None:
        self.server = BrokenCategoryServer(flaws)
        config = uvicorn.Config(self.server.app, host="127.0.0.1", port=port, log_level="warning")
        self.uvicorn = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.uvicorn.run, daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        while not self.uvicorn.started:
            time.sleep(0.01)
        return self

    @property
    def url(self) -> str:
        port = self.uvicorn.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.uvicorn.should_exit = True
        self.thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--flaw", action="append", default=[], help=f"one of {', '.join(FLAWS)}, or all"
    )
    parser.add_argument("--port", type=int, default=8700)
    args = parser.parse_args()
    flaws = set(FLAWS) if "all" in args.flaw else set(args.flaw)
    spec = write_document(pathlib.Path(tempfile.mkdtemp(prefix="broken-tmf-")))
    print(f"flaws: {', '.join(sorted(flaws)) or 'none'}")
    print(
        f"check it: tmf-conformance run --api tmf620 --url http://127.0.0.1:{args.port} "
        f"--spec {spec}"
    )
    uvicorn.run(
        BrokenCategoryServer(flaws).app, host="127.0.0.1", port=args.port, log_level="warning"
    )


if __name__ == "__main__":
    main()

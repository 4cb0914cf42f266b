"""TMF620 importJob and exportJob handlers, and the route that serves export files."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from adapters.files import EXPORT_ROUTE, LocalCatalogFiles
from core.catalog.jobs import JOB_KINDS, CatalogJobs
from core.query import project
from server import http
from server.background import JobRunner
from server.errors import error_response
from tmf620 import BASE_PATH


class JobHandlers:
    """list/create/retrieve/delete for both job kinds."""

    def __init__(self, jobs: CatalogJobs, runner: JobRunner, public_base_url: str | None) -> None:
        self.jobs = jobs
        self.runner = runner
        self.public_base_url = public_base_url

    def resolve(self, operation_id: str) -> Callable[..., Response] | None:
        return http.operation_handler(self, operation_id, JOB_KINDS)

    def _required(self, kind: str) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
        return functools.partial(self.jobs.catalog.schemas.required, JOB_KINDS[kind])

    def list(self, kind: str, **_: Any) -> Response:
        page = self.jobs.get_all(kind, http.query_pairs())
        keep = self._required(kind)
        body = [project(j.document, page.query.fields, keep) for j in page.jobs]
        status, headers = http.list_headers(page.total, len(body), page.exact)
        return http.json_response(body, status, headers)

    def create(self, kind: str, body: Any = None, **_: Any) -> Response:
        ctx = http.context(self.public_base_url, BASE_PATH)
        origin = ctx.base_url[: -len(BASE_PATH)]
        job = self.jobs.create(kind, body, ctx, f"{origin}{EXPORT_ROUTE.rstrip('/')}")
        self.runner.wake()
        return http.json_response(job.document, 201, {"Location": str(job.document["href"])})

    def retrieve(self, kind: str, id: str, **_: Any) -> Response:
        job = self.jobs.get(kind, id)
        query = self.jobs.list_query(kind, [(k, v) for k, v in http.query_pairs() if k == "fields"])
        return http.json_response(project(job.document, query.fields, self._required(kind)))

    def delete(self, kind: str, id: str, **_: Any) -> Response:
        self.jobs.delete(kind, id)
        return http.empty_response(204)


def export_file_route(files: LocalCatalogFiles) -> Callable[[Request], Response]:
    """Serves ``/files/export/{name}``: the file an exportJob's ``url`` points to."""

    def serve(request: Request) -> Response:
        path = files.export_path(request.path_params["name"])
        if path is None:
            response = error_response(404, "notFound", "Not found", "No such export file")
            return Response(response.body, 404, media_type="application/json")
        return FileResponse(path, media_type="application/json")

    return serve

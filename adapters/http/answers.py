"""Answers of other systems checked against their OpenAPI documents (openapi-core): a malformed
answer becomes a named problem the adapter classifies, never an exception deep in our code."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field
from functools import cache

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters

DOCUMENTS = pathlib.Path(__file__).parent / "documents"


@dataclass
class _Request:
    """The request as openapi-core reads it: its path relative to the system's base URL."""

    path: str
    method: str
    host_url: str = "http://system"
    content_type: str = "application/json"
    body: bytes | None = None
    parameters: RequestParameters = field(default_factory=RequestParameters)


@dataclass
class _Response:
    status_code: int
    content_type: str
    headers: dict[str, str]
    data: bytes | None


class AnswerContract:
    """One partner API's document; ``problem`` says what is wrong with an answer, if anything."""

    def __init__(self, document: str, base_path: str) -> None:
        self.openapi = _load(document)
        self.base_path = base_path.rstrip("/")

    def problem(self, response: httpx.Response) -> str | None:
        """None when the answer matches the document; else the first thing that does not."""
        path = response.request.url.path
        if path.startswith(self.base_path):
            path = path[len(self.base_path) :] or "/"
        request = _Request(path, response.request.method.lower())
        answer = _Response(
            response.status_code,
            response.headers.get("content-type", "").lower(),
            dict(response.headers),
            response.content,
        )
        try:
            self.openapi.validate_response(request, answer)
        except Exception as error:  # openapi-core's errors name what failed; any is a problem
            return _describe(error)
        return None


@cache
def _load(document: str) -> OpenAPI:
    return OpenAPI.from_dict(yaml.safe_load((DOCUMENTS / document).read_text()))


def _describe(error: Exception) -> str:
    """What is wrong, short: the first schema error when openapi-core names one."""
    cause = error.__cause__ or error.__context__
    for detail in getattr(cause, "schema_errors", ()) or ():
        return str(getattr(detail, "message", detail))[:300]
    return (str(error) or type(error).__name__)[:300]

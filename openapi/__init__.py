"""Our OpenAPI documents (package data) and the tools that derive and read them."""

from __future__ import annotations

import functools
import pathlib
from typing import Any

import yaml

DIRECTORY = pathlib.Path(__file__).parent


# Our operations API is ours alone (no TM Forum counterpart), at its own version.
FILES = {"admin": "admin-v1.yaml"}


def spec_path(api: str) -> pathlib.Path:
    """Path of our document for an API, e.g. ``tmf620`` -> ``tmf620-v4.yaml``."""
    return DIRECTORY / FILES.get(api, f"{api}-v4.yaml")


@functools.cache
def load(api: str) -> dict[str, Any]:
    """The parsed document, read once per process."""
    document: dict[str, Any] = yaml.safe_load(spec_path(api).read_text(encoding="utf-8"))
    return document


# What the served documents add when authentication is on (a documented difference from the
# standard's, which declare no security).
BEARER_SCHEME = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def secured(api: str) -> dict[str, Any]:
    """The document as served with ``TMF_AUTH=jwt``: every operation behind a bearer token."""
    document = load(api)
    components = {**document.get("components", {}), "securitySchemes": {"bearer": BEARER_SCHEME}}
    return {**document, "components": components, "security": [{"bearer": []}]}

"""Fixture files shipped inside a package (the demo catalog, customers and orders)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load(package: str, name: str) -> list[dict[str, Any]]:
    """The JSON list in ``<package>/<name>.json``, read from the installed package."""
    text = resources.files(package).joinpath(f"{name}.json").read_text("utf-8")
    entries: list[dict[str, Any]] = json.loads(text)
    return entries

"""Catalog files on the local disk, and over HTTP from hosts an operator allows."""

from __future__ import annotations

import os
import pathlib
import tempfile
from urllib.parse import unquote, urlparse

import httpx

from core.errors import InvalidRequest

MAX_BYTES = 50 * 1024 * 1024
EXPORT_ROUTE = "/files/export/"


class LocalCatalogFiles:
    """Reads imports from the import directory, our own exports or allowed hosts; writes exports."""

    def __init__(
        self, import_dir: str, export_dir: str, allowed_hosts: set[str] | None = None
    ) -> None:
        self.import_dir = pathlib.Path(import_dir).resolve()
        self.export_dir = pathlib.Path(export_dir).resolve()
        self.allowed_hosts = allowed_hosts or set()

    def read(self, url: str) -> bytes:
        parsed = urlparse(url)
        if parsed.scheme in ("http", "https") and parsed.path.startswith(EXPORT_ROUTE):
            return self._read_inside(self.export_dir, parsed.path[len(EXPORT_ROUTE) :])
        if parsed.scheme in ("http", "https"):
            return self._fetch(url, parsed.hostname or "")
        if parsed.scheme == "file":
            return self._read_inside(self.import_dir, unquote(parsed.path))
        if parsed.scheme == "":
            return self._read_inside(self.import_dir, url)
        raise InvalidRequest(
            f"url scheme {parsed.scheme!r} is not supported; use file, http or https"
        )

    def write(self, name: str, content: bytes) -> None:
        target = self._inside(self.export_dir, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, target)

    def export_path(self, name: str) -> pathlib.Path | None:
        """The file of an export, if it exists (for serving it)."""
        try:
            path = self._inside(self.export_dir, name)
        except InvalidRequest:
            return None
        return path if path.is_file() else None

    def _inside(self, root: pathlib.Path, name: str) -> pathlib.Path:
        given = pathlib.Path(name)
        path = (given if given.is_absolute() else root / given).resolve()
        if not path.is_relative_to(root):
            raise InvalidRequest(f"{name!r} is outside the allowed directory {root}")
        return path

    def _read_inside(self, root: pathlib.Path, name: str) -> bytes:
        path = self._inside(root, name)
        if not path.is_file():
            raise InvalidRequest(f"no file {path.name!r} in {root}")
        if path.stat().st_size > MAX_BYTES:
            raise InvalidRequest(f"{path.name} is larger than {MAX_BYTES} bytes")
        return path.read_bytes()

    def _fetch(self, url: str, host: str) -> bytes:
        if host not in self.allowed_hosts:
            raise InvalidRequest(
                f"host {host!r} is not in TMF_IMPORT_ALLOWED_HOSTS; only allowed hosts are read"
            )
        try:
            response = httpx.get(url, timeout=10.0, follow_redirects=False)
        except httpx.HTTPError as error:
            raise InvalidRequest(f"cannot fetch {url}: {error}") from None
        if response.status_code != 200:
            raise InvalidRequest(f"fetching {url} answered {response.status_code}")
        if len(response.content) > MAX_BYTES:
            raise InvalidRequest(f"{url} is larger than {MAX_BYTES} bytes")
        return response.content

"""Ports: what the core needs from the outside world, as protocols the adapters implement."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Source of the current time, injectable so tests can fix it."""

    def now(self) -> datetime: ...


class IdGenerator(Protocol):
    """Source of new resource and event identifiers."""

    def new_id(self) -> str: ...


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class UuidGenerator:
    """Random UUID4 identifiers: unguessable and unique across replicas."""

    def new_id(self) -> str:
        return str(uuid.uuid4())


class CatalogFiles(Protocol):
    """Where catalog files are read from (import) and written to (export)."""

    def read(self, url: str) -> bytes:
        """The bytes at ``url``; InvalidRequest when it may not or cannot be read."""
        ...

    def write(self, name: str, content: bytes) -> None:
        """Store an export file under ``name`` (replacing any earlier one)."""
        ...

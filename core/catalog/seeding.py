"""Load the demo and ugly catalogs: through the use cases (demo) or raw, as legacy data (ugly)."""

from __future__ import annotations

from typing import Any

from core import fixtures
from core.catalog.kinds import KINDS
from core.catalog.model import CatalogEntity
from core.catalog.service import CatalogService
from core.requests import RequestContext
from core.timeutil import format_utc

FIXTURES = ("demo", "ugly")


def fixture(name: str) -> list[dict[str, Any]]:
    """Entries ``{kind, id, document}`` of a fixture catalog, in an order that resolves."""
    if name not in FIXTURES:
        raise ValueError(f"unknown fixture {name!r}; choose from {FIXTURES}")
    return fixtures.load("core.catalog.fixtures", name)


def seed(service: CatalogService, entries: list[dict[str, Any]], ctx: RequestContext) -> int:
    """Create each entry that does not exist yet, with every rule applied; returns how many."""
    created = 0
    for entry in entries:
        with service.db.uow(write=False) as uow:
            exists = uow.catalog.get(entry["kind"], entry["id"]) is not None
        if not exists:
            service.create(entry["kind"], entry["document"], ctx, entity_id=entry["id"])
            created += 1
    return created


def load_raw(service: CatalogService, entries: list[dict[str, Any]], ctx: RequestContext) -> None:
    """Store entries as they are, skipping every rule: how legacy data arrives. Tests only."""
    now = format_utc(service.clock.now())
    with service.db.uow() as uow:
        for entry in entries:
            kind = KINDS[entry["kind"]]
            document = dict(entry["document"], id=entry["id"], lastUpdate=now)
            document.setdefault("version", "1.0")
            document.setdefault("@type", kind.schema)
            document["href"] = f"{ctx.base_url}/{kind.name}/{entry['id']}"
            uow.catalog.add(CatalogEntity(kind.name, entry["id"], document["version"], document))
        uow.commit()

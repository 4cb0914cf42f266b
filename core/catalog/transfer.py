"""Catalog files: export current entities, import a file all-or-nothing with every rule applied.

A catalog file is a JSON array of ``{"kind": ..., "id": ..., "document": {...}}`` entries, the
same format as the fixtures, so an export can be imported elsewhere as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.catalog.integrity import reference_ids
from core.catalog.kinds import KINDS
from core.catalog.service import CatalogService
from core.errors import DomainError, InvalidRequest
from core.query import Query
from core.requests import RequestContext

IGNORED_ON_COMPARE = ("lastUpdate", "href")


@dataclass
class ImportResult:
    created: int = 0
    changed: int = 0
    unchanged: int = 0


def export_entries(service: CatalogService, kinds: list[str], query: Query) -> list[dict[str, Any]]:
    """Every current entity of ``kinds`` matching ``query`` (paging ignored), as file entries."""
    with service.db.uow(write=False, snapshot=True) as uow:  # one consistent picture
        return [
            {"kind": kind, "id": e.id, "document": e.document}
            for kind in kinds
            for e in uow.catalog.all(kind, query)
        ]


def parse_entries(data: Any) -> list[dict[str, Any]]:
    """Check the shape of a catalog file; every malformed entry is named."""
    if not isinstance(data, list):
        raise InvalidRequest("a catalog file is a JSON array of {kind, id, document} entries")
    problems = []
    for index, entry in enumerate(data):
        where = f"entry {index}"
        if not isinstance(entry, dict) or not isinstance(entry.get("document"), dict):
            problems.append(f"{where}: needs an object 'document'")
        elif entry.get("kind") not in KINDS:
            problems.append(f"{where}: kind {entry.get('kind')!r} is not one of {sorted(KINDS)}")
        elif not isinstance(entry.get("id") or entry["document"].get("id"), str):
            problems.append(f"{where}: needs a string 'id'")
    if problems:
        raise InvalidRequest(problems, "Invalid catalog file")
    return [
        {"kind": e["kind"], "id": e.get("id") or e["document"]["id"], "document": e["document"]}
        for e in data
    ]


def import_entries(
    service: CatalogService, entries: list[dict[str, Any]], ctx: RequestContext
) -> ImportResult:
    """Create or change every entry in one unit of work; any problem anywhere applies nothing."""
    result = ImportResult()
    problems: list[str] = []
    with service.db.uow() as uow:
        for entry in _dependency_order(entries):
            kind = KINDS[entry["kind"]]
            label = f"{kind.name} {entry['id']}"
            body = {k: v for k, v in entry["document"].items() if k not in ("id", "href")}
            try:
                current = uow.catalog.get(kind.name, entry["id"])
                if current is None:
                    service.create_in(uow, kind, body, ctx, entry["id"])
                    result.created += 1
                elif _same(current.document, entry["document"]):
                    result.unchanged += 1
                else:
                    document = dict(body, id=current.id, href=current.document.get("href"))
                    document["lastUpdate"] = current.document.get("lastUpdate")
                    service.change_in(uow, kind, current, document, ctx)
                    result.changed += 1
            except DomainError as error:
                problems.extend(f"{label}: {p}" for p in _problems(error))
        if problems:
            raise InvalidRequest(problems, "Import refused; nothing was applied")
        uow.commit()
    return result


def _problems(error: DomainError) -> list[str]:
    return error.problems if isinstance(error, InvalidRequest) else [error.message]


def _same(stored: dict[str, Any], incoming: dict[str, Any]) -> bool:
    def strip(doc: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in doc.items() if k not in IGNORED_ON_COMPARE}

    return strip(stored) == strip(incoming)


def _dependency_order(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries ordered so that what an entry refers to (in the same file) comes first."""
    by_key = {(e["kind"], e["id"]): e for e in entries}
    ordered: list[dict[str, Any]] = []
    state: dict[tuple[str, str], str] = {}

    def visit(key: tuple[str, str]) -> None:
        if state.get(key):
            return  # done, or on the stack (a cycle: integrity reports it)
        state[key] = "visiting"
        entry = by_key[key]
        for reference in KINDS[entry["kind"]].references:
            for target in reference_ids(entry["document"], reference):
                if (reference.target, target) in by_key:
                    visit((reference.target, target))
        state[key] = "done"
        ordered.append(entry)

    for key in by_key:
        visit(key)
    return ordered

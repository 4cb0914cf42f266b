"""Catalog history that outlives a delete: archived versions, and the orders that used versions
not yet released when they were captured."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from core.catalog.model import CatalogEntity
from core.persistence.dialects import insert_for
from core.persistence.tables import catalog_entity, catalog_entity_archive, catalog_use
from core.requests import Deletion

_T, _A, _U = catalog_entity, catalog_entity_archive, catalog_use

# One catalog version as a snapshot names it: (kind, entity id, version).
VersionKey = tuple[str, str, str]


@dataclass(frozen=True)
class ArchivedVersion:
    """A version of a deleted entity, as it was stored, with when and by whom it was deleted."""

    entity: CatalogEntity
    deleted: Deletion


class CatalogHistory:
    def __init__(self, connection: sa.Connection) -> None:
        self._db = connection

    def archive(self, kind: str, entity_id: str, deletion: Deletion) -> None:
        """Copy every stored version of the entity into the archive (the caller then deletes
        them from the catalog in the same transaction)."""
        copied = sa.select(
            _T.c.kind,
            _T.c.entity_id,
            _T.c.version,
            _T.c.lifecycle_status,
            _T.c.row_version,
            _T.c.document,
            _T.c.changed_by,
            sa.literal(deletion.at, sa.String(24)),
            sa.literal(deletion.by, sa.String(255)),
        ).where(_T.c.kind == kind, _T.c.entity_id == entity_id)
        columns = [
            "kind",
            "entity_id",
            "version",
            "lifecycle_status",
            "row_version",
            "document",
            "changed_by",
            "deleted_at",
            "deleted_by",
        ]
        self._db.execute(sa.insert(_A).from_select(columns, copied.order_by(_T.c.seq)))

    def archived(self, kind: str, entity_id: str, version: str) -> ArchivedVersion | None:
        """The last archived copy of one version (an id given again after a delete may have
        been archived twice)."""
        row = self._db.execute(
            sa.select(_A)
            .where(_A.c.kind == kind, _A.c.entity_id == entity_id, _A.c.version == version)
            .order_by(_A.c.seq.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        entity = CatalogEntity(
            row.kind, row.entity_id, row.version, row.document, row.row_version, False
        )
        return ArchivedVersion(entity, Deletion(row.deleted_at, row.deleted_by))

    def record_uses(self, order_id: str, versions: Iterable[VersionKey]) -> None:
        """Remember that ``order_id`` was priced against these (unreleased) versions."""
        rows = [
            {"kind": kind, "entity_id": entity_id, "version": version, "order_id": order_id}
            for kind, entity_id, version in sorted(set(versions))
        ]
        if not rows:
            return
        self._db.execute(insert_for(self._db, _U).on_conflict_do_nothing(), rows)

    def orders_using(self, kind: str, entity_id: str, limit: int) -> list[str]:
        """Orders whose snapshot names a version of this entity (up to ``limit``)."""
        rows = self._db.execute(
            sa.select(_U.c.order_id)
            .where(_U.c.kind == kind, _U.c.entity_id == entity_id)
            .distinct()
            .order_by(_U.c.order_id)
            .limit(limit)
        )
        return [r.order_id for r in rows]

"""Repositories: domain objects in and out of the tables, list queries through the compiler."""

from __future__ import annotations

import builtins
import functools
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.catalog.model import CatalogEntity
from core.errors import Conflict
from core.persistence.catalog_cache import EntityCache
from core.persistence.compiled import CompiledReads
from core.persistence.counts import CountCache
from core.persistence.inserts import flush_queued
from core.persistence.tables import catalog_entity, catalog_generation
from core.query.ast import Condition, Query
from core.query.sql import QueryCompiler

_T = catalog_entity
_COLUMNS: dict[tuple[str, ...], sa.Column[Any]] = {
    ("id",): _T.c.entity_id,
    ("version",): _T.c.version,
    ("lifecycleStatus",): _T.c.lifecycle_status,
    ("name",): _T.c.name,
    ("lastUpdate",): _T.c.last_update,
}


# Reads by id are the hot path: statements built once, only the columns an entity needs.
_ENTITY_COLUMNS = (
    _T.c.kind,
    _T.c.entity_id,
    _T.c.version,
    _T.c.row_version,
    _T.c.is_current,
    _T.c.document,
)
_GET_CURRENT = sa.select(*_ENTITY_COLUMNS).where(
    _T.c.kind == sa.bindparam("kind"), _T.c.entity_id == sa.bindparam("entity_id"), _T.c.is_current
)
GENERATION = sa.select(catalog_generation.c.value).where(catalog_generation.c.id == 1)
GENERATION_KEY = ("catalog-generation",)  # the compiled generation read, among page reads
_GET_VERSION = sa.select(*_ENTITY_COLUMNS).where(
    _T.c.kind == sa.bindparam("kind"),
    _T.c.entity_id == sa.bindparam("entity_id"),
    _T.c.version == sa.bindparam("version"),
)


def _page_key(kind: str, query: Query) -> tuple[Any, ...]:
    """What identifies a page read (the projection is applied after reading)."""
    return ("catalog", kind, query.conditions, query.sort, query.offset, query.limit)


def _row_values(entity: CatalogEntity) -> dict[str, Any]:
    start, end = entity.valid_for
    return {
        "kind": entity.kind,
        "entity_id": entity.id,
        "version": entity.version,
        "is_current": entity.is_current,
        "lifecycle_status": entity.lifecycle_status,
        "name": entity.name,
        "last_update": entity.last_update,
        "valid_from": start,
        "valid_to": end,
        "row_version": entity.row_version,
        "document": entity.document,
        "changed_by": entity.changed_by,
    }


_GEN = len(_ENTITY_COLUMNS)  # where a page read by ``page_statement`` has the generation


def _entity(row: Sequence[Any]) -> CatalogEntity:
    """From a row of ``_ENTITY_COLUMNS``, by position: compiled reads give plain tuples."""
    kind, entity_id, version, row_version, is_current, document = row[:_GEN]
    return CatalogEntity(kind, entity_id, version, document, row_version, is_current)


class Listed(NamedTuple):
    """One page, the number of matches, and the catalog generation both were read at (None
    when the catalog has no generation counter)."""

    entities: list[CatalogEntity]
    total: int
    generation: int | None


class CatalogRepository:
    """Versions of catalog entities; at most one current version per (kind, id)."""

    def __init__(
        self,
        connection: sa.Connection,
        dialect: str,
        counts: CountCache | None = None,
        reads: CompiledReads | None = None,
        entities: EntityCache | None = None,
    ) -> None:
        self._db = connection
        self._compiler = QueryCompiler(dialect, _T.c.document, _COLUMNS)
        self._counts = counts
        self._reads = reads
        self._entities = entities
        self.changed = False  # set by every write; the unit of work bumps the generation
        self._generation: tuple[int | None] | None = None  # read with another row, if it was

    def bump_generation(self) -> None:
        """Record that the catalog changed (called once per committing unit of work)."""
        self._db.execute(
            sa.update(catalog_generation)
            .where(catalog_generation.c.id == 1)
            .values(value=catalog_generation.c.value + 1)
        )

    def _total(self, kind: str, query: Query, where: list[Any]) -> tuple[int, int | None]:
        """How many match, and the generation; the total is reused from the cache while the
        catalog generation is unchanged."""
        count = sa.select(sa.func.count()).select_from(_T).where(*where)
        if self._counts is None:
            return int(self._db.execute(count).scalar_one()), None
        generation = self.generation()
        if generation is None:  # no counter row: count every time rather than guess
            return int(self._db.execute(count).scalar_one()), None
        key = (kind, query.conditions)
        total = self._counts.get(key, generation)
        if total is None:
            total = int(self._db.execute(count).scalar_one())
            self._counts.put(key, generation, total)
        return total, generation

    def know_generation(self, generation: int | None) -> None:
        """Keep the generation read together with another fact for this unit's next ask."""
        self._generation = (generation,)

    def generation(self) -> int | None:
        """The catalog's change counter (None without its row): what caches are keyed by."""
        if self._generation is not None:  # asked once: read committed would not promise more
            (known,) = self._generation
            self._generation = None
            return known
        read = self._reads.get(GENERATION_KEY, lambda: GENERATION) if self._reads else None
        if read is not None:
            rows = read.rows(self._db)
            return int(rows[0][0]) if rows else None
        value = self._db.execute(GENERATION).scalar_one_or_none()
        return None if value is None else int(value)

    def related_offerings(self) -> builtins.list[tuple[str, Any]]:
        """(id, productOfferingRelationship) of each current offering that has any."""
        relationships = _T.c.document["productOfferingRelationship"]
        if self._db.dialect.name == "postgresql":
            has = sa.func.jsonb_typeof(relationships) == "array"
        else:
            has = sa.func.json_type(_T.c.document, "$.productOfferingRelationship") == "array"
        rows = self._db.execute(
            sa.select(_T.c.entity_id, _T.c.document).where(
                _T.c.kind == "productOffering", _T.c.is_current, has
            )
        )
        return [(r.entity_id, r.document["productOfferingRelationship"]) for r in rows]

    def get(self, kind: str, entity_id: str, version: str | None = None) -> CatalogEntity | None:
        """The current version, or the named one."""
        if version is None:
            row = self._db.execute(_GET_CURRENT, {"kind": kind, "entity_id": entity_id}).first()
        else:
            params = {"kind": kind, "entity_id": entity_id, "version": version}
            row = self._db.execute(_GET_VERSION, params).first()
        return _entity(row) if row else None

    def count_by_status(self, kind: str) -> dict[str | None, int]:
        """Current entities of ``kind`` by lifecycle status (read by its index)."""
        rows = self._db.execute(
            sa.select(_T.c.lifecycle_status, sa.func.count())
            .where(_T.c.kind == kind, _T.c.is_current)
            .group_by(_T.c.lifecycle_status)
        )
        return {status: int(n) for status, n in rows}

    def versions(self, kind: str, entity_id: str) -> list[CatalogEntity]:
        rows = self._db.execute(
            sa.select(*_ENTITY_COLUMNS)
            .where(_T.c.kind == kind, _T.c.entity_id == entity_id)
            .order_by(_T.c.seq)
        )
        return [_entity(r) for r in rows]

    def add(self, entity: CatalogEntity) -> None:
        """Insert a new version; a duplicate (kind, id, version) is a Conflict."""
        self.changed = True
        flush_queued(self._db)  # what was queued first is not this savepoint's error
        try:
            with self._db.begin_nested():
                self._db.execute(sa.insert(_T).values(**_row_values(entity)))
        except IntegrityError:
            raise Conflict(
                f"{entity.kind} {entity.id!r} already has a version {entity.version!r}"
            ) from None

    def add_many(self, entities: list[CatalogEntity]) -> None:
        """Insert many versions in one statement (bulk loads; no rule is checked here)."""
        if entities:
            self.changed = True
            self._db.execute(sa.insert(_T), [_row_values(e) for e in entities])

    def update(self, old: CatalogEntity, new: CatalogEntity) -> None:
        """Rewrite one version in place unless it changed since ``old`` was read (Conflict)."""
        self._rewrite(old, _row_values(new))

    def supersede(self, entity: CatalogEntity) -> None:
        """Mark the current version as no longer current, guarded by its row version."""
        self._rewrite(entity, {"is_current": False})

    def _rewrite(self, version: CatalogEntity, values: dict[str, Any]) -> None:
        """Update one version row if it is still as it was read; otherwise a Conflict."""
        self.changed = True
        result = self._db.execute(
            sa.update(_T)
            .where(
                _T.c.kind == version.kind,
                _T.c.entity_id == version.id,
                _T.c.version == version.version,
                _T.c.row_version == version.row_version,
                _T.c.is_current == version.is_current,
            )
            .values(**values)
        )
        if result.rowcount != 1:
            raise Conflict(f"{version.kind} {version.id!r} was changed by another request; retry")

    def delete(self, kind: str, entity_id: str, expected_row_version: int) -> None:
        """Delete every version, if the current one is unchanged since it was read."""
        self.changed = True
        guard = self._db.execute(
            sa.delete(_T).where(
                _T.c.kind == kind,
                _T.c.entity_id == entity_id,
                _T.c.is_current,
                _T.c.row_version == expected_row_version,
            )
        )
        if guard.rowcount != 1:
            raise Conflict(f"{kind} {entity_id!r} was changed by another request; retry")
        self._db.execute(sa.delete(_T).where(_T.c.kind == kind, _T.c.entity_id == entity_id))

    def existing_ids(self, kind: str, ids: set[str]) -> set[str]:
        """Which of ``ids`` exist (current version) for ``kind``."""
        if not ids:
            return set()
        rows = self._db.execute(
            sa.select(_T.c.entity_id).where(
                _T.c.kind == kind, _T.c.is_current, _T.c.entity_id.in_(sorted(ids))
            )
        )
        return {r.entity_id for r in rows}

    def current_by_ids(
        self, kind: str, ids: set[str], generation: int | None = None
    ) -> dict[str, CatalogEntity]:
        return self.current_of({kind: ids}, generation)[kind]

    def current_of(
        self, wanted: dict[str, set[str]], generation: int | None = None
    ) -> dict[str, dict[str, CatalogEntity]]:
        """Current versions of several kinds in one statement: ``{kind: {id: entity}}``. Given
        the ``generation`` the caller read, those kept at it come from memory, and the rest are
        kept at the generation their own statement saw."""
        found: dict[str, dict[str, CatalogEntity]] = {kind: {} for kind in wanted}
        kept = self._entities if generation is not None else None
        missing: dict[str, list[str]] = {}
        for kind, ids in wanted.items():
            for entity_id in sorted(ids):
                entity = None
                if kept is not None and generation is not None:
                    entity = kept.get(kind, entity_id, generation)
                if entity is None:
                    missing.setdefault(kind, []).append(entity_id)
                else:
                    found[kind][entity_id] = entity
        if not missing:
            return found
        clauses = [sa.and_(_T.c.kind == k, _T.c.entity_id.in_(ids)) for k, ids in missing.items()]
        statement = sa.select(*_ENTITY_COLUMNS).where(_T.c.is_current, sa.or_(*clauses))
        if kept is not None:
            statement = statement.add_columns(GENERATION.scalar_subquery().label("gen"))
        for row in self._db.execute(statement):
            entity = found[row.kind][row.entity_id] = _entity(row)
            if kept is not None and row[_GEN] is not None:
                kept.put(entity, int(row[_GEN]))
        return found

    def matching(self, kind: str, conditions: tuple[Condition, ...], limit: int = 10) -> list[str]:
        """Ids of current entities of ``kind`` meeting all ``conditions`` (e.g. who refers to X)."""
        rows = self._db.execute(
            sa.select(_T.c.entity_id)
            .where(_T.c.kind == kind, _T.c.is_current, *self._compiler.where(conditions))
            .order_by(_T.c.seq)
            .limit(limit)
        )
        return [r.entity_id for r in rows]

    def list(self, kind: str, query: Query) -> Listed:
        """One page of entities matching ``query`` and the total number of matches.

        Run it in a snapshot unit of work: the total and the page must see the same data.
        """
        where = self._where(kind, query)
        total, generation = self._total(kind, query, where)
        if query.limit == 0 or query.offset >= total:
            return Listed([], total, generation)
        rows = self._db.execute(self._page(query, where))
        return Listed([_entity(r) for r in rows], total, generation)

    def cached_list(self, kind: str, query: Query) -> Listed | None:
        """The page in one statement when its total is cached for the current generation.

        The generation is read by the same statement as the page, so page and total agree
        without a transaction; None when the total is not cached (then use ``list``).
        """
        if self._counts is None or query.limit == 0:
            return None
        build = functools.partial(self.page_statement, kind, query)
        read = self._reads.get(_page_key(kind, query), build) if self._reads else None
        rows: Sequence[Any] = read.rows(self._db) if read else self._db.execute(build()).all()
        return self._counted(kind, query, rows)

    def quick_list(self, kind: str, query: Query) -> Listed | None:
        """As ``cached_list``, but only for a request whose page was quick the last time it
        was read (None otherwise, and nothing is read): fit to run on an event loop."""
        if self._counts is None or self._reads is None or query.limit == 0:
            return None
        read = self._reads.peek(_page_key(kind, query))
        if read is None or not read.quick:
            return None
        return self._counted(kind, query, read.rows(self._db))

    def page_statement(self, kind: str, query: Query) -> sa.Select[Any]:
        """The page with the catalog generation, read by the same statement: what a list runs
        when its total is known (the benchmark's baseline runs it too)."""
        generation = GENERATION.scalar_subquery().label("gen")
        return self._page(query, self._where(kind, query)).add_columns(generation)

    def _counted(self, kind: str, query: Query, rows: Sequence[Any]) -> Listed | None:
        assert self._counts is not None
        if not rows:
            return None
        generation = int(rows[0][_GEN])
        total = self._counts.get((kind, query.conditions), generation)
        if total is None:
            return None
        return Listed([_entity(r) for r in rows], total, generation)

    def all(self, kind: str, query: Query, batch: int = 500) -> Iterator[CatalogEntity]:
        """Every match of ``query`` in its order, read a batch at a time (paging ignored)."""
        where = self._where(kind, query)
        offset = 0
        while True:
            page = Query(query.conditions, query.sort, None, offset, batch)
            rows = self._db.execute(self._page(page, where)).all()
            yield from (_entity(r) for r in rows)
            if len(rows) < batch:
                return
            offset += batch

    def _where(self, kind: str, query: Query) -> builtins.list[Any]:
        where: list[Any] = [_T.c.kind == kind, *self._compiler.where(query.conditions)]
        if query.condition_on("version") is None:
            where.append(_T.c.is_current)
        return where

    def _page(self, query: Query, where: builtins.list[Any]) -> sa.Select[Any]:
        order = [*self._compiler.order_by(query.sort), _T.c.seq]
        return (
            sa.select(*_ENTITY_COLUMNS)
            .where(*where)
            .order_by(*order)
            .offset(query.offset)
            .limit(query.limit)
        )

"""Approval cases in their table: one per order, changed only by the version that was read."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from core.approval.case import ApprovalCase
from core.errors import Conflict
from core.persistence.compiled import CompiledReads
from core.persistence.inserts import Inserts, flush_queued
from core.persistence.repositories import GENERATION
from core.persistence.work_tables import approval_case as _A
from core.persistence.work_tables import approval_policy as _P

_NEWEST = sa.select(_P.c.version).order_by(_P.c.seq.desc()).limit(1)
# The policy in force, read with the catalog generation order capture asks next: one statement.
_WITH_GENERATION = sa.select(
    _NEWEST.scalar_subquery().label("version"), GENERATION.scalar_subquery().label("generation")
)
_WITH_GENERATION_KEY = ("approval-policy-newest", "catalog-generation")


class ApprovalRepository:
    """Cases by id and by order; a concurrent change of the same case is a 409, never lost."""

    def __init__(self, connection: sa.Connection, inserts: Inserts) -> None:
        self._db = connection
        self._inserts = inserts

    def add(self, case: ApprovalCase) -> None:
        self._inserts.add(_A, [self._values(case)])

    def get(self, case_id: str) -> ApprovalCase | None:
        return self._one(_A.c.case_id == case_id)

    def of_order(self, order_id: str) -> ApprovalCase | None:
        return self._one(_A.c.order_id == order_id)

    def _one(self, condition: sa.ColumnElement[bool]) -> ApprovalCase | None:
        row = self._db.execute(sa.select(_A.c.document, _A.c.row_version).where(condition)).first()
        return ApprovalCase.from_document(row.document, row.row_version) if row else None

    def listing(
        self, status: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[ApprovalCase]:
        # Due first, the soonest (and the overdue) first; those with no due time last, on both
        # back ends (SQLite puts NULL first).
        query = sa.select(_A.c.document, _A.c.row_version).order_by(
            _A.c.due_at.is_(None), _A.c.due_at, _A.c.case_id
        )
        if status:
            query = query.where(_A.c.status == status)
        rows = self._db.execute(query.limit(limit).offset(offset)).all()
        return [ApprovalCase.from_document(r.document, r.row_version) for r in rows]

    def update(self, case: ApprovalCase) -> None:
        """Store the case unless another decision changed it since it was read (409)."""
        result = self._db.execute(
            sa.update(_A)
            .where(_A.c.case_id == case.id, _A.c.row_version == case.row_version)
            .values(**{**self._values(case), "row_version": case.row_version + 1})
        )
        if result.rowcount != 1:
            raise Conflict(
                f"approval case {case.id!r} was decided by another request meanwhile",
                "Decided meanwhile",
            )
        case.row_version += 1

    @staticmethod
    def _values(case: ApprovalCase) -> dict[str, object]:
        return {
            "case_id": case.id,
            "order_id": case.order_id,
            "status": case.status,
            "due_at": case.due_at,
            "row_version": case.row_version,
            "document": case.to_document(),
        }


class PolicyRepository:
    """Approval policies by version; the newest stored one is in force."""

    def __init__(self, connection: sa.Connection, reads: CompiledReads | None = None) -> None:
        self._db = connection
        self._reads = reads

    def newest_version_and_generation(self) -> tuple[str | None, int | None]:
        """The newest version and the catalog's generation, read together."""
        reads = self._reads
        read = reads.get(_WITH_GENERATION_KEY, lambda: _WITH_GENERATION) if reads else None
        if read is not None:
            version, generation = read.rows(self._db)[0]
        else:
            version, generation = self._db.execute(_WITH_GENERATION).one()
        return (
            None if version is None else str(version),
            None if generation is None else int(generation),
        )

    def document(self, version: str) -> dict[str, object] | None:
        found = self._db.execute(sa.select(_P.c.document).where(_P.c.version == version)).scalar()
        return dict(found) if found is not None else None

    def add(self, version: str, document: dict[str, object], actor: str | None, now: str) -> None:
        """Store a new version (409 when that version exists: versions are never rewritten)."""
        flush_queued(self._db)  # what was queued first is not this savepoint's error
        try:
            with self._db.begin_nested():
                self._db.execute(
                    sa.insert(_P).values(
                        version=version, document=document, actor=actor, created_at=now
                    )
                )
        except IntegrityError:
            raise Conflict(
                f"approval policy version {version!r} exists; give a new version"
            ) from None

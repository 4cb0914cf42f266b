"""The job repository: import and export jobs, claimed by workers under a lease."""

from __future__ import annotations

import sqlalchemy as sa

from core.catalog.model import Job
from core.errors import Conflict
from core.persistence.listing import Found, list_page
from core.persistence.tables import job
from core.query.ast import Query
from core.query.sql import QueryCompiler


class JobRepository:
    """Import and export jobs."""

    def __init__(self, connection: sa.Connection, dialect: str) -> None:
        self._db = connection
        self._compiler = QueryCompiler(
            dialect, job.c.document, {("id",): job.c.job_id, ("status",): job.c.status}
        )

    def add(self, item: Job) -> None:
        self._db.execute(
            sa.insert(job).values(
                kind=item.kind,
                job_id=item.id,
                status=item.status,
                last_update=str(item.document.get("creationDate", "")),
                row_version=item.row_version,
                document=item.document,
            )
        )

    def get(self, kind: str, job_id: str) -> Job | None:
        row = self._db.execute(
            sa.select(job).where(job.c.kind == kind, job.c.job_id == job_id)
        ).first()
        return Job(row.kind, row.job_id, row.document, row.row_version) if row else None

    def update(
        self, item: Job, expected_row_version: int, now: str, lease_until: str | None = None
    ) -> None:
        """Store ``item`` if it is still at ``expected_row_version`` (Conflict otherwise)."""
        result = self._db.execute(
            sa.update(job)
            .where(job.c.kind == item.kind, job.c.job_id == item.id)
            .where(job.c.row_version == expected_row_version)
            .values(
                status=item.status,
                document=item.document,
                row_version=item.row_version,
                last_update=now,
                lease_until=lease_until,
            )
        )
        if result.rowcount != 1:
            raise Conflict(f"{item.kind} {item.id!r} was changed by another request; retry")

    def delete(self, kind: str, job_id: str) -> bool:
        result = self._db.execute(sa.delete(job).where(job.c.kind == kind, job.c.job_id == job_id))
        return bool(result.rowcount)

    def claim_next(self, kind: str, waiting: str, running: str, now: str) -> Job | None:
        """The oldest job of ``kind`` that waits, or runs under a lease that ran out before
        ``now`` (its worker died); locked against other workers on PostgreSQL."""
        orphaned = sa.and_(job.c.status == running, job.c.lease_until < now)
        row = self._db.execute(
            sa.select(job)
            .where(job.c.kind == kind, sa.or_(job.c.status == waiting, orphaned))
            .order_by(job.c.seq)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        return Job(row.kind, row.job_id, row.document, row.row_version) if row else None

    def list(self, kind: str, query: Query) -> Found[Job]:
        found = list_page(self._db, job, self._compiler, query, (job.c.kind == kind,))
        jobs = [Job(r.kind, r.job_id, r.document, r.row_version) for r in found.items]
        return found._replace(items=jobs)

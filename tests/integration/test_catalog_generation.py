"""The catalog generation read on its own: it follows every catalog write, and the pooled
connection it borrows goes back as a unit of work expects it (not in autocommit)."""

from __future__ import annotations

from core.catalog.model import CatalogEntity
from core.catalog.service import CatalogService
from core.persistence.database import Database
from core.requests import RequestContext


def _entity(n: int) -> CatalogEntity:
    document = {"id": f"c-{n}", "name": f"Category {n}", "version": "1.0", "@type": "Category"}
    return CatalogEntity("category", f"c-{n}", "1.0", document)


def test_the_generation_moves_with_each_committed_catalog_write(
    catalog: CatalogService, ctx: RequestContext, db: Database
) -> None:
    before = db.catalog_generation()
    assert before is not None
    catalog.create("category", {"name": "One"}, ctx)
    assert db.catalog_generation() == before + 1
    with db.uow() as uow:  # written, not committed: the counter stays
        uow.catalog.add(_entity(0))
    assert db.catalog_generation() == before + 1


def test_a_unit_of_work_after_generation_reads_still_rolls_back(db: Database) -> None:
    lent = db.engine.pool.size() + 2  # every pooled connection has lent itself to a read
    for n in range(lent):
        held = [db.engine.connect() for _ in range(n % 3)]  # different connections each time
        assert db.catalog_generation() is not None
        for connection in held:
            connection.close()
        with db.uow() as uow:
            uow.catalog.add(_entity(n))  # left without commit: must roll back
    with db.uow(write=False) as uow:
        assert uow.catalog.existing_ids("category", {f"c-{n}" for n in range(lent)}) == set()

"""TMF637 reads of the installed base: one product, or a page of them for a TMF630 query; a
partner reaches only its customers' products."""

from __future__ import annotations

from collections.abc import Iterable

from core.errors import NotFound
from core.inventory.model import InstalledProduct
from core.ordering.support import Page
from core.persistence.database import Database
from core.query import Query, parse_query
from core.requests import RequestContext, version_tag
from core.schema import ResourceSchemas

KIND = "product"
SCHEMA = "Product"


def etag_of(product: InstalledProduct) -> str:
    return version_tag(product.id, product.row_version)


class InventoryService:
    """What clients read of the installed base (orders change it, corrections mend it)."""

    kind = KIND
    schema = SCHEMA

    def __init__(self, db: Database, schemas: ResourceSchemas) -> None:
        self.db = db
        self.schemas = schemas

    def list_query(self, params: Iterable[tuple[str, str]]) -> Query:
        """Parse TMF630 parameters against the Product schema (400 on any mistake)."""
        return parse_query(params, self.schemas, SCHEMA)

    def get(self, product_id: str, ctx: RequestContext | None = None) -> InstalledProduct:
        with self.db.uow(write=False) as uow:
            found = uow.inventory.get(product_id)
        if found is None or (ctx is not None and not ctx.sees_party(found.customer_id)):
            raise NotFound(KIND, product_id)  # another customer's product does not exist
        return found

    def get_all(
        self, params: Iterable[tuple[str, str]], ctx: RequestContext | None = None
    ) -> Page[InstalledProduct]:
        query = self.list_query(params)
        parties = ctx.party_ids if ctx is not None else None
        with self.db.uow(write=False) as uow:  # the page and its count: one statement
            found = uow.inventory.page(query, parties)
        return Page(found.items, found.total, query, found.exact)

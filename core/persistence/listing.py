"""One page of a document table for a TMF630 query, with the total number of matches."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.query.ast import Query
from core.query.sql import QueryCompiler


def list_page(
    connection: sa.Connection,
    table: sa.Table,
    compiler: QueryCompiler,
    query: Query,
    where: tuple[Any, ...] = (),
) -> tuple[list[Any], int]:
    """Rows of the page in the query's order (insertion order breaks ties) and the total.

    Run it in a snapshot unit of work on PostgreSQL so the count and the page agree.
    """
    conditions = [*where, *compiler.where(query.conditions)]
    total = int(
        connection.execute(
            sa.select(sa.func.count()).select_from(table).where(*conditions)
        ).scalar_one()
    )
    if query.limit == 0 or query.offset >= total:
        return [], total
    order = [*compiler.order_by(query.sort), table.c.seq]
    rows = connection.execute(
        sa.select(table).where(*conditions).order_by(*order).offset(query.offset).limit(query.limit)
    ).all()
    return list(rows), total

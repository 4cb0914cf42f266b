"""A page of orders as the store renders it: each order's JSON text with its href and price
snapshot, made by the database, and the key that names such a page among compiled reads."""

from __future__ import annotations

import functools
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from core.persistence.listing import Found
from core.persistence.tables import product_order as _O
from core.query.ast import Query


@functools.lru_cache(maxsize=64)
def rendered_text(dialect: str, href_prefix: str, snapshot_key: str) -> Any:
    """The stored document with its href set, and the snapshot added (none stored: JSON null
    or no value), as JSON text; built once per base URL (building it costs more than the read
    of a short page)."""
    href = sa.literal(href_prefix, sa.String) + _O.c.order_id
    if dialect == "postgresql":
        document = sa.func.jsonb_set(
            sa.type_coerce(_O.c.document, JSONB),
            sa.literal_column("'{href}'"),
            sa.func.to_jsonb(href),
        )
        # The snapshot spliced into the text rather than merged as jsonb: rendering a merged
        # document costs PostgreSQL twice the two texts (the key is server-owned, so the
        # document never holds it).
        text = sa.cast(document, sa.Text)
        key = sa.literal(f", {json.dumps(snapshot_key)}: ", sa.Text)
        spliced = sa.func.left(text, -1) + key + sa.cast(_O.c.snapshot, sa.Text) + "}"
        absent = sa.func.jsonb_typeof(sa.type_coerce(_O.c.snapshot, JSONB)) == "null"
        return sa.case((_O.c.snapshot.is_(None) | absent, text), else_=spliced)
    plain = sa.func.json_set(_O.c.document, "$.href", href)
    with_snapshot = sa.func.json_set(
        _O.c.document, "$.href", href, f"$.{snapshot_key}", sa.func.json(_O.c.snapshot)
    )
    absent = _O.c.snapshot.is_(None) | (sa.func.json_type(_O.c.snapshot) == "null")
    return sa.type_coerce(sa.case((absent, plain), else_=with_snapshot), sa.Text)


def page_key(
    query: Query,
    parties: frozenset[str] | None,
    href_prefix: str,
    snapshot_key: str,
    by_customer: bool,
) -> tuple[Any, ...]:
    """What names a rendered page among the compiled reads (the projection is applied after)."""
    shape = (query.conditions, query.sort, query.offset, query.limit)
    scope = None if parties is None else tuple(sorted(parties))
    return ("orders-rendered", *shape, scope, href_prefix, snapshot_key, by_customer)


def texts(found: Found[Any]) -> Found[str]:
    """The page's rendered texts (each row's one column)."""
    return found._replace(items=[str(row[0]) for row in found.items])

"""What differs between the back ends and is written once."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def insert_for(connection: sa.Connection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """The dialect's INSERT into ``table``: the one that can skip a conflicting row
    (``on_conflict_do_nothing``), on PostgreSQL and on SQLite alike."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)

"""Compiled reads: bound values in the dialect's style, plain values only, a bounded cache."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from core.persistence.compiled import CompiledRead, CompiledReads
from core.persistence.tables import catalog_entity as T

PAGE = (
    sa.select(T.c.entity_id, T.c.is_current, T.c.document)
    .where(T.c.kind == "productOffering", T.c.lifecycle_status.in_(["Active", "Launched"]))
    .limit(20)
)


def test_sqlite_takes_values_by_position_and_postgresql_by_name() -> None:
    on_sqlite = CompiledRead.of(PAGE, sqlite.dialect())
    assert on_sqlite is not None
    assert on_sqlite.sql.count("?") == 5  # kind, two states, limit, offset
    assert on_sqlite.parameters == ("productOffering", "Active", "Launched", 20, 0)
    on_postgresql = CompiledRead.of(PAGE, postgresql.psycopg.dialect())  # type: ignore[attr-defined]
    assert on_postgresql is not None
    assert isinstance(on_postgresql.parameters, dict)
    assert sorted(map(str, on_postgresql.parameters.values())) == [
        "20",
        "Active",
        "Launched",
        "productOffering",
    ]
    assert all(f"%({name})s" in on_postgresql.sql for name in on_postgresql.parameters)


def test_a_value_that_needs_its_type_processing_is_not_compiled() -> None:
    contains = sa.select(T.c.entity_id).where(
        sa.type_coerce(T.c.document, postgresql.JSONB).contains({"name": "x"})
    )
    assert CompiledRead.of(contains, postgresql.psycopg.dialect()) is None  # type: ignore[attr-defined]
    path = sa.select(T.c.entity_id).order_by(
        sa.type_coerce(T.c.document, postgresql.JSONB)[("price", "value")]
    )
    assert CompiledRead.of(path, sqlite.dialect()) is None  # arrays are PostgreSQL's
    read = CompiledRead.of(path, postgresql.psycopg.dialect())  # type: ignore[attr-defined]
    assert read is not None and list(read.parameters.values()) == [["price", "value"]]  # type: ignore[union-attr]


def test_json_and_booleans_are_decoded_as_their_types_say() -> None:
    read = CompiledRead.of(PAGE, sqlite.dialect())
    assert read is not None
    assert read._process(["po-1", 1, '{"name": "x"}']) == ("po-1", True, {"name": "x"})


def test_the_least_recently_used_reads_are_dropped() -> None:
    reads = CompiledReads(sqlite.dialect(), size=2)
    built: list[str] = []

    def build(name: str) -> sa.Select[tuple[str]]:
        built.append(name)
        return sa.select(T.c.entity_id).where(T.c.name == name)

    for name in ("a", "b", "a", "c"):
        reads.get(name, lambda name=name: build(name))  # type: ignore[misc]
    assert built == ["a", "b", "c"]  # "a" was compiled once
    assert reads.peek("b") is None
    assert reads.peek("a") is not None and reads.peek("c") is not None

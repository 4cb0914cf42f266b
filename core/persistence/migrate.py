"""Bring a database to the newest schema with Alembic, from code (no alembic.ini needed)."""

from __future__ import annotations

import pathlib

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from core.persistence.database import Database

MIGRATIONS = pathlib.Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` in one transaction."""
    config = _config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(db: Database, revision: str) -> None:
    """Undo migrations down to ``revision`` (``base`` removes every table)."""
    config = _config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def revisions() -> list[str]:
    """Every revision this code ships, oldest first."""
    walked = ScriptDirectory.from_config(_config()).walk_revisions()
    return [script.revision for script in reversed(list(walked))]


def head_revision() -> str:
    """The newest revision this code ships."""
    return revisions()[-1]


def current_revision(connection: sa.Connection) -> str | None:
    """The revision the database is at (None: never migrated); one query, cheap enough for a
    readiness probe. A lost connection raises."""
    try:
        revision = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError as error:
        if error.connection_invalidated:
            raise
        return None  # no version table: never migrated
    return None if revision is None else str(revision)

"""Persistence: SQLAlchemy tables, the unit of work, repositories and Alembic migrations."""

from core.persistence.database import Database
from core.persistence.uow import UnitOfWork

__all__ = ["Database", "UnitOfWork"]

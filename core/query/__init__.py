"""TMF630 list queries: parsed into a small syntax tree, compiled to parameterized SQL."""

from core.query.ast import Condition, Query, SortKey
from core.query.parser import DEFAULT_LIMIT, MAX_LIMIT, parse_query
from core.query.projection import project

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Condition", "Query", "SortKey", "parse_query", "project"]

"""Errors the core raises; the API layer maps each to a TMF Error body and status code."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a client can cause; never a server fault."""

    code = "invalidRequest"

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or message


class InvalidRequest(DomainError):
    """The request is malformed or breaks a rule: 400."""

    code = "invalidRequest"

    def __init__(self, problems: list[str] | str, reason: str = "Invalid request") -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems), reason)


class InvalidQuery(InvalidRequest):
    """A list query (filter, sort, fields, paging) that cannot be answered: 400."""

    code = "invalidQuery"

    def __init__(self, problems: list[str] | str) -> None:
        super().__init__(problems, "Invalid query")


class NotFound(DomainError):
    """No resource with that id (and version): 404."""

    code = "notFound"

    def __init__(self, kind: str, entity_id: str, version: str | None = None) -> None:
        what = f"{kind} {entity_id!r}" + (f" version {version!r}" if version else "")
        super().__init__(f"No {what} exists", "Resource not found")


class Forbidden(DomainError):
    """The actor may not do this (e.g. approve their own discount): 403."""

    code = "forbidden"

    def __init__(self, message: str, reason: str = "Not allowed") -> None:
        super().__init__(message, reason)


class MethodNotAllowed(DomainError):
    """The operation exists in the standard but this server has it turned off: 405."""

    code = "methodNotAllowed"

    def __init__(self, message: str, reason: str, allowed: tuple[str, ...]) -> None:
        super().__init__(message, reason)
        self.allowed = allowed


class Conflict(DomainError):
    """The request conflicts with the current state (illegal transition, lost update): 409."""

    code = "conflict"

    def __init__(self, message: str, reason: str = "Conflict with the current state") -> None:
        super().__init__(message, reason)


class PreconditionFailed(DomainError):
    """An If-Match precondition does not hold: 412."""

    code = "preconditionFailed"

    def __init__(self, message: str) -> None:
        super().__init__(message, "Precondition failed")

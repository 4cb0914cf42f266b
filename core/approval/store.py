"""Which approval policy is in force: the newest stored through the admin API, else the file's."""

from __future__ import annotations

import threading
from typing import Any

from core.approval.policy import Policy
from core.persistence.uow import UnitOfWork


class PolicyInForce:
    """Reads the newest stored version on each use (one small query) and parses a version once,
    so every process follows a change made through any of them."""

    def __init__(self, fallback: Policy | None) -> None:
        self.fallback = fallback  # from TMF_APPROVAL_POLICY_FILE (or the demo's), may be None
        self._parsed: dict[str, Policy] = {}
        self._lock = threading.Lock()

    def current(self, uow: UnitOfWork) -> Policy | None:
        version = uow.newest_policy_version()
        if version is None:
            return self.fallback
        with self._lock:
            found = self._parsed.get(version)
        if found is None:
            document = uow.policies.document(version) or {}
            found = Policy.from_mapping(document)
            with self._lock:
                self._parsed[version] = found
        return found

    def replace(self, uow: UnitOfWork, document: Any, actor: str | None, now: str) -> Policy:
        """Store a new version after checking it whole (400 naming rule and field; 409 when the
        version exists)."""
        policy = Policy.from_mapping(document)
        uow.policies.add(policy.version, dict(policy.document), actor, now)
        return policy

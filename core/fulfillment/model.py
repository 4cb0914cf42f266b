"""Tasks: one step of an order in one system, with its dependencies, attempts and outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JsonObject = dict[str, Any]

WAITING, READY, RUNNING = "waiting", "ready", "running"
DONE, SKIPPED, HELD, FAILED, CANCELLED = "done", "skipped", "held", "failed", "cancelled"
# Counts as done for whatever depends on it (skipped: an operator did it by hand).
SUCCEEDED = frozenset({DONE, SKIPPED})
FINISHED = frozenset({DONE, SKIPPED, FAILED, CANCELLED})
UNFINISHED = frozenset({WAITING, READY, RUNNING, HELD})


@dataclass(frozen=True)
class Operation:
    """One operation of a port, and the operation that undoes it when an order is cancelled."""

    port: str
    method: str
    undo: str | None = None

    @property
    def kind(self) -> str:
        return f"{self.port}.{self.method}"


OPERATIONS: dict[str, Operation] = {
    op.kind: op
    for op in (
        Operation("crm", "check_customer"),
        Operation("clm", "create_contract", "clm.cancel_contract"),
        Operation("clm", "cancel_contract", "clm.create_contract"),
        Operation("provisioning", "activate", "provisioning.deactivate"),
        Operation("provisioning", "modify", "provisioning.modify"),
        Operation("provisioning", "deactivate", "provisioning.activate"),
        Operation("provisioning", "suspend", "provisioning.resume"),
        Operation("provisioning", "resume", "provisioning.suspend"),
        Operation("billing", "start", "billing.stop"),
        Operation("billing", "change", "billing.change"),
        Operation("billing", "stop", "billing.start"),
        Operation("billing", "pause", "billing.resume"),
        Operation("billing", "resume", "billing.pause"),
    )
}


@dataclass
class Task:
    """One step of an order's plan; its id is the idempotency key the system sees."""

    id: str
    order_id: str
    item_id: str | None
    kind: str
    depends_on: tuple[str, ...]
    status: str
    due_at: str
    created_at: str
    target: str | None = None
    attempts: int = 0
    check_first: bool = False
    compensates: str | None = None
    request: JsonObject = field(default_factory=dict)
    result: JsonObject | None = None
    reason: str | None = None
    finished_at: str | None = None
    lease_until: str | None = None
    worker: str | None = None
    seq: int | None = None

    @property
    def operation(self) -> Operation:
        return OPERATIONS[self.kind]

    @property
    def port(self) -> str:
        return self.operation.port

    @property
    def succeeded(self) -> bool:
        return self.status in SUCCEEDED

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


@dataclass(frozen=True)
class Attempt:
    """One call to a system on behalf of a task: evidence of what was asked and answered."""

    task_id: str
    order_id: str
    call: str  # "operation" or "status"
    kind: str
    started_at: str
    duration_ms: float
    outcome: str
    detail: str | None = None
    reference: str | None = None
    worker: str | None = None


@dataclass(frozen=True)
class ManualAction:
    """What an operator did to a task in fallout, and why: the audit trail of repairs."""

    order_id: str
    task_id: str
    action: str  # retry, skip, fail
    actor: str
    reason: str
    at: str
    result: JsonObject | None = None

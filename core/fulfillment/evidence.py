"""The whole story of an order: states, tasks, calls to systems, repairs, events, the promise."""

from __future__ import annotations

from typing import Any

from core.errors import NotFound
from core.fulfillment.model import Task
from core.persistence.database import Database

JsonObject = dict[str, Any]


def _task(task: Task) -> JsonObject:
    return {
        "id": task.seq,
        "idempotencyKey": task.id,
        "item": task.item_id,
        "task": task.kind,
        "target": task.target,
        "dependsOn": list(task.depends_on),
        "status": task.status,
        "attempts": task.attempts,
        "reason": task.reason,
        "compensates": task.compensates,
        "result": task.result,
        "createdAt": task.created_at,
        "finishedAt": task.finished_at,
    }


def timeline(db: Database, order_id: str) -> JsonObject:
    """Everything recorded about ``order_id``, each part in the order it happened."""
    with db.uow(write=False, snapshot=True) as uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFound("productOrder", order_id)
        states = uow.timeline.of(order_id)
        tasks = uow.tasks.of_order(order_id)
        calls = uow.attempts.of_order(order_id)
        actions = uow.actions.of_order(order_id)
        cancels = uow.cancels.of_order(order_id)
        events = uow.outbox.list("productOrder", order_id)
        for cancel in cancels:
            events += uow.outbox.list("cancelProductOrder", cancel.id)
    snapshot = order.snapshot or {}
    return {
        "order": {"id": order.id, "state": order.state, "href": order.document.get("href")},
        "deleted": order.deleted.view() if order.deleted else None,
        "priceSnapshot": {"fingerprint": snapshot.get("fingerprint"), "snapshot": snapshot},
        "states": [s.view() for s in states],
        "tasks": [_task(t) for t in tasks],
        "calls": [
            {
                "at": c.started_at,
                "idempotencyKey": c.task_id,
                "task": c.kind,
                "call": c.call,
                "outcome": c.outcome,
                "detail": c.detail,
                "reference": c.reference,
                "durationMs": c.duration_ms,
                "worker": c.worker,
            }
            for c in calls
        ],
        "manualActions": [
            {
                "at": a.at,
                "task": a.task_id,
                "action": a.action,
                "actor": a.actor,
                "reason": a.reason,
                "result": a.result,
            }
            for a in actions
        ],
        "cancellations": [{"id": c.id, "state": c.state} for c in cancels],
        "events": sorted(
            (
                {
                    "at": e.occurred_at,
                    "eventId": e.event_id,
                    "eventType": e.event_type,
                    "resourceId": e.resource_id,
                }
                for e in events
            ),
            key=lambda e: str(e["at"]),
        ),
    }


def task_view(task: Task) -> JsonObject:
    """A task as the repair queue shows it."""
    return dict(_task(task), order=task.order_id)

"""Deleting what evidence does not need, in small batches: each batch its own short
transaction, so no table is locked and writers go on meanwhile."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from core.persistence.tables import idempotency_key, outbox, product_order
from core.persistence.work_tables import event_delivery, inbox, task_attempt


@dataclass(frozen=True)
class Rule:
    """Rows of ``table`` (by ``keys``) that ``where`` says may go."""

    table: sa.Table
    keys: tuple[str, ...]
    where: sa.ColumnElement[bool]

    def batch(self, size: int) -> sa.Delete:
        """One batch: at most ``size`` of the oldest such rows, by primary key."""
        columns = [self.table.c[k] for k in self.keys]
        chosen = sa.select(*columns).where(self.where).order_by(*columns).limit(size)
        if len(columns) == 1:
            return sa.delete(self.table).where(columns[0].in_(chosen.scalar_subquery()))
        return sa.delete(self.table).where(sa.tuple_(*columns).in_(chosen))


def rules(before: str, broker: bool, final_states: Iterable[str]) -> dict[str, Rule]:
    """What may go once older than ``before``, per table (docs/retention.md says why):

    - an outbox event fanned out (and published, when a broker is configured) that no
      delivery still owes (a dead letter keeps its event, for replay);
    - a hub delivery delivered; a consumed event id (the inbox's dedup window);
    - an idempotency key (a retry later than that makes a new order);
    - a call to a fulfillment system, once its order is final.

    Never: an order, its timeline, snapshot, approval case or repair actions, a product or its
    corrections, a catalog version.
    """
    owed = (
        sa.select(event_delivery.c.seq)
        .where(event_delivery.c.outbox_seq == outbox.c.seq, event_delivery.c.status != "delivered")
        .exists()
    )
    sent = [outbox.c.occurred_at < before, outbox.c.sent_at.is_not(None), ~owed]
    if broker:
        sent.append(outbox.c.published_at.is_not(None))
    final = (
        sa.select(product_order.c.seq)
        .where(
            product_order.c.order_id == task_attempt.c.order_id,
            product_order.c.state.in_(sorted(final_states)),
        )
        .exists()
    )
    return {
        "outbox": Rule(outbox, ("seq",), sa.and_(*sent)),
        "event_delivery": Rule(
            event_delivery,
            ("seq",),
            sa.and_(event_delivery.c.status == "delivered", event_delivery.c.delivered_at < before),
        ),
        "inbox": Rule(inbox, ("event_id",), inbox.c.received_at < before),
        "idempotency_key": Rule(
            idempotency_key, ("scope", "key"), idempotency_key.c.created_at < before
        ),
        "task_attempt": Rule(
            task_attempt, ("seq",), sa.and_(task_attempt.c.started_at < before, final)
        ),
    }


class RetentionRepository:
    """Runs one batch of a rule in the unit of work's transaction."""

    def __init__(self, connection: sa.Connection) -> None:
        self._db = connection

    def remove(self, rule: Rule, size: int) -> int:
        """Rows removed (fewer than ``size``: the rule has nothing more to remove)."""
        return int(self._db.execute(rule.batch(size)).rowcount)

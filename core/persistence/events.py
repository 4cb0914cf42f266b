"""Repositories of event delivery: hub subscriptions, deliveries owed to them, the inbox."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from core.events.delivery import DEAD, PENDING, Delivery
from core.events.subscription import Subscription
from core.persistence.tables import event_delivery, event_subscription, inbox

_S = event_subscription
_D = event_delivery
_FIELDS = [c for c in _D.c]


def _subscription(row: Any) -> Subscription:
    return Subscription(
        row.subscription_id, row.api, row.callback, row.query, row.secret, row.created_at
    )


def _delivery(row: Any) -> Delivery:
    return Delivery(
        seq=row.seq,
        subscription_id=row.subscription_id,
        outbox_seq=row.outbox_seq,
        event_id=row.event_id,
        event_type=row.event_type,
        stream=row.stream,
        status=row.status,
        attempts=row.attempts,
        due_at=row.due_at,
        created_at=row.created_at,
        lease_until=row.lease_until,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
    )


class SubscriptionRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._db = connection

    def add(self, subscription: Subscription) -> None:
        self._db.execute(
            sa.insert(_S).values(
                subscription_id=subscription.id,
                api=subscription.api,
                callback=subscription.callback,
                query=subscription.query,
                secret=subscription.secret,
                created_at=subscription.created_at,
            )
        )

    def get(self, subscription_id: str) -> Subscription | None:
        row = self._db.execute(sa.select(_S).where(_S.c.subscription_id == subscription_id)).first()
        return _subscription(row) if row else None

    def remove(self, subscription_id: str) -> None:
        self._db.execute(sa.delete(_S).where(_S.c.subscription_id == subscription_id))

    def all(self) -> list[Subscription]:
        return [_subscription(r) for r in self._db.execute(sa.select(_S).order_by(_S.c.seq))]


# Due, not held by a live dispatcher, and first of its stream for its subscriber: nothing
# earlier about the same resource is still owed to it (pending or dead-lettered).
_earlier = _D.alias("earlier")
_CLAIM = (
    sa.select(*_FIELDS)
    .where(
        _D.c.status == PENDING,
        _D.c.due_at <= sa.bindparam("now"),
        sa.or_(_D.c.lease_until.is_(None), _D.c.lease_until < sa.bindparam("now")),
        ~sa.exists().where(
            _earlier.c.subscription_id == _D.c.subscription_id,
            _earlier.c.stream == _D.c.stream,
            _earlier.c.outbox_seq < _D.c.outbox_seq,
            _earlier.c.status.in_((PENDING, DEAD)),
        ),
        _D.c.subscription_id.not_in(sa.bindparam("busy", expanding=True)),
    )
    .order_by(_D.c.due_at, _D.c.seq)
    .limit(sa.bindparam("limit"))
    .with_for_update(of=_D, skip_locked=True)
)
_RECORD = (
    sa.update(_D)
    .where(_D.c.seq == sa.bindparam("p_seq"))
    .values(
        status=sa.bindparam("p_status"),
        attempts=sa.bindparam("p_attempts"),
        due_at=sa.bindparam("p_due_at"),
        lease_until=None,
        last_error=sa.bindparam("p_last_error"),
        delivered_at=sa.bindparam("p_delivered_at"),
    )
)


class DeliveryRepository:
    """What each subscriber is owed; claimed by dispatchers under a lease."""

    def __init__(self, connection: sa.Connection) -> None:
        self._db = connection

    def add_many(self, deliveries: list[dict[str, Any]]) -> None:
        if deliveries:
            self._db.execute(sa.insert(_D), deliveries)

    def candidates(self, now: str, limit: int, busy: set[str]) -> list[Delivery]:
        """Up to ``limit`` deliveries that may go now, none to a subscriber in ``busy``;
        locked against other dispatchers until ``lease`` or the end of the transaction."""
        rows = self._db.execute(_CLAIM, {"now": now, "limit": limit, "busy": sorted(busy) or ["-"]})
        return [_delivery(r) for r in rows]

    def lease(self, seqs: list[int], until: str) -> None:
        """Hold deliveries for this dispatcher until ``until`` (then another may take them)."""
        if seqs:
            self._db.execute(sa.update(_D).where(_D.c.seq.in_(seqs)).values(lease_until=until))

    def record(self, deliveries: list[Delivery]) -> None:
        """Write back outcomes (status, attempts, next time, error) and release the lease."""
        if deliveries:
            self._db.execute(
                _RECORD,
                [
                    {
                        "p_seq": d.seq,
                        "p_status": d.status,
                        "p_attempts": d.attempts,
                        "p_due_at": d.due_at,
                        "p_last_error": d.last_error,
                        "p_delivered_at": d.delivered_at,
                    }
                    for d in deliveries
                ],
            )

    def get(self, seq: int) -> Delivery | None:
        row = self._db.execute(sa.select(_D).where(_D.c.seq == seq)).first()
        return _delivery(row) if row else None

    def page(
        self,
        status: str | None = None,
        subscription_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[Delivery], int]:
        where = []
        if status is not None:
            where.append(_D.c.status == status)
        if subscription_id is not None:
            where.append(_D.c.subscription_id == subscription_id)
        rows = self._db.execute(
            sa.select(_D).where(*where).order_by(_D.c.seq).offset(offset).limit(limit)
        )
        total = self._db.execute(sa.select(sa.func.count()).select_from(_D).where(*where))
        return [_delivery(r) for r in rows], int(total.scalar_one())

    def replay(
        self, now: str, seqs: list[int] | None, subscription_id: str | None, note: str
    ) -> int:
        """Dead-lettered deliveries back to pending with fresh attempts; how many."""
        statement = sa.update(_D).where(_D.c.status == DEAD)
        if seqs is not None:
            statement = statement.where(_D.c.seq.in_(seqs))
        if subscription_id is not None:
            statement = statement.where(_D.c.subscription_id == subscription_id)
        result = self._db.execute(
            statement.values(
                status=PENDING, attempts=0, due_at=now, lease_until=None, last_error=note
            )
        )
        return int(result.rowcount)

    def count_by_status(self) -> dict[str, int]:
        rows = self._db.execute(sa.select(_D.c.status, sa.func.count()).group_by(_D.c.status))
        return {status: int(n) for status, n in rows}

    def drop_of(self, subscription_id: str) -> None:
        self._db.execute(
            sa.delete(_D).where(_D.c.subscription_id == subscription_id, _D.c.status != "delivered")
        )


class InboxRepository:
    """Events we consumed, by id: a repeated event finds its id here and changes nothing."""

    def __init__(self, connection: sa.Connection) -> None:
        self._db = connection

    def accept(self, event_id: str, source: str, now: str) -> bool:
        """Record the event; False when it was already received (its effect already happened).

        Two transactions receiving the same event at once: the second waits on the first's
        key and then inserts nothing.
        """
        insert = postgresql.insert if self._db.dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(inbox)
            .values(event_id=event_id, source=source, received_at=now)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(inbox.c.event_id)
        )
        return self._db.execute(statement).first() is not None

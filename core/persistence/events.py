"""Repositories of event delivery: hub subscriptions, deliveries owed to them, the inbox."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.events.delivery import DEAD, DELIVERED, PENDING, WAITING, Delivery
from core.events.subscription import Subscription
from core.persistence.dialects import insert_for
from core.persistence.tables import outbox
from core.persistence.work_tables import event_delivery, event_subscription, inbox

_S = event_subscription
_D = event_delivery
_FIELDS = [c for c in _D.c]
# Matches the partial index of what is still owed (a literal, so the planner can use it).
_OWED = _D.c.status != sa.literal_column("'delivered'")


_OWED_KEY = "hashtext(current_schema() || '/owed')"
_HOLD_OWED = sa.text(f"SELECT pg_advisory_xact_lock({_OWED_KEY})")
_SHARE_OWED = sa.text(f"SELECT pg_advisory_xact_lock_shared({_OWED_KEY})")


def _chunks(values: list[str], size: int = 500) -> list[list[str]]:
    return [values[n : n + size] for n in range(0, len(values), size)]


def _subscription(row: Any) -> Subscription:
    return Subscription(
        row.subscription_id,
        row.api,
        row.callback,
        row.query,
        row.secret,
        row.created_at,
        row.owner,
        None if row.party_ids is None else frozenset(row.party_ids),
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
                owner=subscription.owner,
                party_ids=None
                if subscription.party_ids is None
                else sorted(subscription.party_ids),
            )
        )

    def get(self, subscription_id: str) -> Subscription | None:
        row = self._db.execute(sa.select(_S).where(_S.c.subscription_id == subscription_id)).first()
        return _subscription(row) if row else None

    def remove(self, subscription_id: str) -> None:
        self._db.execute(sa.delete(_S).where(_S.c.subscription_id == subscription_id))

    def all(self) -> list[Subscription]:
        return [_subscription(r) for r in self._db.execute(sa.select(_S).order_by(_S.c.seq))]


# Due and not held by a live dispatcher; only a stream's head is ``pending``, so no check of
# earlier deliveries is needed here (one ordered index scan).
_CLAIM = (
    sa.select(*_FIELDS)
    .where(
        _D.c.status == sa.literal_column("'pending'"),  # a literal: the partial index matches
        _D.c.due_at <= sa.bindparam("now"),
        sa.or_(_D.c.lease_until.is_(None), _D.c.lease_until < sa.bindparam("now")),
        _D.c.subscription_id.not_in(sa.bindparam("busy", expanding=True)),
    )
    .order_by(_D.c.due_at)
    .limit(sa.bindparam("limit"))
    .with_for_update(of=_D, skip_locked=True)
)
_NEXTVALS = sa.text(
    "SELECT nextval(pg_get_serial_sequence('event_delivery', 'seq')) FROM generate_series(1, :n)"
)
_LINK = (
    sa.update(_D).where(_D.c.seq == sa.bindparam("p_seq")).values(next_seq=sa.bindparam("p_next"))
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
        """Insert new deliveries (in outbox order) and chain each to the one before it in its
        stream: one whose subscriber is still owed an earlier event of the same resource is
        stored ``waiting`` and becomes ``pending`` when that one is delivered."""
        if not deliveries:
            return
        self._hold_owed(exclusive=True)
        streams = sorted({d["stream"] for d in deliveries})
        tails = {pair: seq for part in _chunks(streams) for pair, seq in self._tails(part)}
        previous: dict[tuple[str, str], dict[str, Any]] = {}
        links = []
        for delivery, seq in zip(deliveries, self._new_seqs(len(deliveries)), strict=True):
            pair = (delivery["subscription_id"], delivery["stream"])
            delivery.update(seq=seq, next_seq=None)
            if pair in previous:  # behind one of this batch
                previous[pair]["next_seq"] = seq
            elif pair in tails:  # behind one owed from before
                links.append({"p_seq": tails[pair], "p_next": seq})
            delivery["status"] = WAITING if pair in previous or pair in tails else PENDING
            previous[pair] = delivery
        self._db.execute(sa.insert(_D), deliveries)
        if links:
            self._db.execute(_LINK, links)

    def _new_seqs(self, count: int) -> list[int]:
        """Numbers for ``count`` new deliveries, ascending (so each row can name its next)."""
        if self._db.dialect.name == "postgresql":
            rows = self._db.execute(_NEXTVALS, {"n": count})
            return sorted(int(r[0]) for r in rows)
        # SQLite: the writer lock is held (fan-out writes), so nobody else numbers rows now.
        top = self._db.execute(sa.select(sa.func.max(_D.c.seq))).scalar() or 0
        return list(range(int(top) + 1, int(top) + 1 + count))

    def _tails(self, streams: list[str]) -> list[tuple[tuple[str, str], int]]:
        """The last delivery still owed per (subscription, stream) among ``streams``."""
        rows = self._db.execute(
            sa.select(_D.c.subscription_id, _D.c.stream, sa.func.max(_D.c.seq).label("tail"))
            .where(_D.c.stream.in_(streams), _OWED)
            .group_by(_D.c.subscription_id, _D.c.stream)
        )
        return [((r.subscription_id, r.stream), int(r.tail)) for r in rows]

    def _hold_owed(self, exclusive: bool) -> None:
        """Fan-out (exclusive) and recording (shared) exclude each other until commit: what a
        fan-out reads as still owed cannot be delivered, nor a waiting delivery promoted,
        before its new deliveries are committed (else they would wait behind nothing). On
        SQLite the single writer lock already does this."""
        if self._db.dialect.name == "postgresql":
            self._db.execute(_HOLD_OWED if exclusive else _SHARE_OWED)

    def candidates(self, now: str, limit: int, busy: set[str]) -> list[Delivery]:
        """Up to ``limit`` deliveries that may go now, none to a subscriber in ``busy``;
        locked against other dispatchers until ``lease`` or the end of the transaction."""
        rows = self._db.execute(_CLAIM, {"now": now, "limit": limit, "busy": sorted(busy) or ["-"]})
        found = [_delivery(row) for row in rows]
        if found:  # by primary key: a plan that holds whatever the statistics say
            events = {
                row.seq: row
                for row in self._db.execute(
                    sa.select(
                        outbox.c.seq,
                        outbox.c.payload,
                        outbox.c.correlation_id,
                        outbox.c.traceparent,
                    ).where(outbox.c.seq.in_({d.outbox_seq for d in found}))
                )
            }
            for delivery in found:
                event = events[delivery.outbox_seq]
                delivery.payload, delivery.correlation_id = event.payload, event.correlation_id
                delivery.traceparent = event.traceparent
        return found

    def lease(self, seqs: list[int], until: str) -> None:
        """Hold deliveries for this dispatcher until ``until`` (then another may take them)."""
        if seqs:
            self._db.execute(sa.update(_D).where(_D.c.seq.in_(seqs)).values(lease_until=until))

    def record(self, deliveries: list[Delivery], now: str) -> None:
        """Write back outcomes (status, attempts, next time, error), release the leases, and
        make the next waiting delivery of each delivered stream pending."""
        if not deliveries:
            return
        self._hold_owed(exclusive=False)
        done = [d for d in deliveries if d.status == DELIVERED]
        if done:  # the usual case, in one statement
            self._db.execute(
                sa.update(_D)
                .where(_D.c.seq.in_([d.seq for d in done]))
                .values(
                    status=DELIVERED,
                    attempts=_D.c.attempts + 1,
                    lease_until=None,
                    last_error=None,
                    delivered_at=now,
                )
            )
        others = [d for d in deliveries if d.status != DELIVERED]
        if others:
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
                    for d in others
                ],
            )
        self.promote([d.seq for d in done], now)

    def promote(self, delivered: list[int], now: str) -> None:
        """The next delivery of each delivered one's stream becomes pending."""
        for n in range(0, len(delivered), 500):
            following = sa.select(_D.c.next_seq).where(
                _D.c.seq.in_(delivered[n : n + 500]), _D.c.next_seq.is_not(None)
            )
            # Only a waiting row moves (a delivery recorded twice must not send its next one
            # again). Said in SET, not WHERE: a status test in WHERE lets the planner pick the
            # partial index of owed rows, where ``seq`` is not the leading column, and scan all
            # of it per row while its statistics are stale (87 ms instead of 0.3 ms).
            waiting = _D.c.status == WAITING
            self._db.execute(
                sa.update(_D)
                .where(_D.c.seq.in_(following.scalar_subquery()))
                .values(
                    status=sa.case((waiting, PENDING), else_=_D.c.status),
                    due_at=sa.case((waiting, now), else_=_D.c.due_at),
                )
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

    def owed_by_subscriber(self) -> list[tuple[str, str, int]]:
        """``(subscription, status, count)`` of what is not delivered: read by the partial
        index of owed rows, it costs what is owed, not everything ever delivered."""
        rows = self._db.execute(
            sa.select(_D.c.subscription_id, _D.c.status, sa.func.count())
            .where(_D.c.status != DELIVERED)
            .group_by(_D.c.subscription_id, _D.c.status)
        )
        return [(sub, status, int(n)) for sub, status, n in rows]

    def last_error(self, subscription_id: str) -> str | None:
        """The newest error of what is still owed to this subscriber."""
        return self._db.execute(
            sa.select(_D.c.last_error)
            .where(
                _D.c.subscription_id == subscription_id,
                _D.c.status != DELIVERED,
                _D.c.last_error.is_not(None),
            )
            .order_by(_D.c.seq.desc())
            .limit(1)
        ).scalar()

    def delivered_count(self, subscription_id: str, up_to: int) -> int:
        """How many deliveries this subscriber got, counted no further than ``up_to`` (a page
        shows "at least" past it, instead of reading every delivery ever made)."""
        some = (
            sa.select(sa.literal(1))
            .where(_D.c.subscription_id == subscription_id, _D.c.status == DELIVERED)
            .limit(up_to)
            .subquery()
        )
        return int(self._db.execute(sa.select(sa.func.count()).select_from(some)).scalar_one())

    def last_delivered(self, subscription_id: str) -> str | None:
        """When the newest delivery to this subscriber arrived (None: none yet)."""
        return self._db.execute(
            sa.select(_D.c.delivered_at)
            .where(_D.c.subscription_id == subscription_id, _D.c.status == DELIVERED)
            .order_by(_D.c.seq.desc())
            .limit(1)
        ).scalar()

    def count_by_status(self) -> dict[str, int]:
        rows = self._db.execute(sa.select(_D.c.status, sa.func.count()).group_by(_D.c.status))
        return {status: int(n) for status, n in rows}

    def drop_of(self, subscription_id: str) -> None:
        self._db.execute(
            sa.delete(_D).where(_D.c.subscription_id == subscription_id, _D.c.status != DELIVERED)
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
        statement = (
            insert_for(self._db, inbox)
            .values(event_id=event_id, source=source, received_at=now)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(inbox.c.event_id)
        )
        return self._db.execute(statement).first() is not None

"""The delivery queue as operators see it: what is owed, what was dead-lettered, replay."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from core.errors import Conflict, InvalidRequest, NotFound
from core.events.delivery import DEAD, Delivery
from core.persistence.database import Database

log = logging.getLogger("tmf.events")
STATUSES = ("waiting", "pending", "delivered", "dead")
DELIVERED_COUNTED_UP_TO = 10_000  # past this, "at least" (a count never reads all history)


@dataclass
class SubscriberHealth:
    """How deliveries to one hub subscriber go: what is owed by status, the newest error."""

    subscription_id: str
    owed: dict[str, int] = field(default_factory=dict)  # waiting, pending, dead
    last_error: str | None = None
    last_delivered_at: str | None = None
    delivered: int = 0  # counted up to DELIVERED_COUNTED_UP_TO

    @property
    def delivered_at_least(self) -> bool:
        return self.delivered >= DELIVERED_COUNTED_UP_TO

    @property
    def healthy(self) -> bool:
        return not self.owed.get(DEAD)


class DeliveryQueue:
    """List and replay deliveries; a replay names who and why (kept with the delivery)."""

    def __init__(self, db: Database, now: Callable[[], str]) -> None:
        self.db = db
        self.now = now

    def page(
        self,
        status: str | None = None,
        subscription_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[Delivery], int]:
        if status is not None and status not in STATUSES:
            raise InvalidRequest(f"status: one of {', '.join(STATUSES)}")
        with self.db.uow(write=False, snapshot=True) as uow:
            return uow.deliveries.page(status, subscription_id, limit, offset)

    def health(self, subscription_ids: Iterable[str]) -> dict[str, SubscriberHealth]:
        """Each subscriber's delivery health, read from what is owed and its newest delivery."""
        found = {s: SubscriberHealth(s) for s in subscription_ids}
        with self.db.uow(write=False, snapshot=True) as uow:
            for subscription_id, status, count in uow.deliveries.owed_by_subscriber():
                health = found.setdefault(subscription_id, SubscriberHealth(subscription_id))
                health.owed[status] = count
            for health in found.values():
                if health.owed:
                    health.last_error = uow.deliveries.last_error(health.subscription_id)
                health.last_delivered_at = uow.deliveries.last_delivered(health.subscription_id)
                health.delivered = uow.deliveries.delivered_count(
                    health.subscription_id, DELIVERED_COUNTED_UP_TO
                )
        return found

    def get(self, delivery_id: str) -> Delivery:
        found = None
        if delivery_id.isdigit():
            with self.db.uow(write=False) as uow:
                found = uow.deliveries.get(int(delivery_id))
        if found is None:
            raise NotFound("delivery", delivery_id)
        return found

    def replay(self, delivery_id: str, actor: str | None, reason: str) -> Delivery:
        """One dead letter back to pending (409 when it is not dead)."""
        actor = _audited(actor, reason)
        delivery = self.get(delivery_id)
        if delivery.status != DEAD:
            raise Conflict(f"delivery {delivery_id} is {delivery.status}, not dead")
        self._replay([delivery.seq], None, actor, reason)
        return self.get(delivery_id)

    def replay_all(self, subscription_id: str | None, actor: str | None, reason: str) -> int:
        """Every dead letter (of one subscriber); they go again in their original order."""
        return self._replay(None, subscription_id, _audited(actor, reason), reason)

    def _replay(
        self, seqs: list[int] | None, subscription_id: str | None, actor: str, reason: str
    ) -> int:
        with self.db.uow() as uow:
            count = uow.deliveries.replay(
                self.now(), seqs, subscription_id, f"replayed by {actor}: {reason}"
            )
            uow.commit()
        log.info("%s replayed %s delivery(ies): %s", actor, count, reason)
        return count


def _audited(actor: str | None, reason: str) -> str:
    """The actor of a manual action, which needs one and a reason (400 otherwise)."""
    if not (actor or "").strip() or not reason.strip():
        raise InvalidRequest("actor and reason are required")
    assert actor is not None
    return actor

"""The dispatcher: outbox -> one delivery per matching subscriber -> POST, at least once.

Per subscriber, events about one resource go in outbox order: a delivery waits while an
earlier one of the same stream is owed (pending or dead-lettered). Requests run on a pool,
at most ``per_subscriber`` at a time to one subscriber, so a slow one never holds the others.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from core.events import signing
from core.events.callbacks import CallbackGuard, CallbackRefused, Target
from core.events.delivery import (
    DEAD,
    DELIVERED,
    PENDING,
    Delivery,
    DeliverySettings,
    later,
    retry_at,
)
from core.events.model import DomainEvent
from core.events.subscription import API_OF_DOMAIN, Subscription
from core.persistence.database import Database
from core.ports import Notification, NotificationResult, NotificationSender
from core.timeutil import format_utc

log = logging.getLogger("tmf.events")
FAN_OUT_BATCH = 500
# A vetted callback is trusted this long before its name is resolved and checked again.
GUARD_TTL_SECONDS = 10.0


def _now() -> str:
    return format_utc(datetime.now(UTC))


def listener_path(event_type: str) -> str:
    """``ProductOrderStateChangeEvent`` -> ``/listener/productOrderStateChangeEvent``."""
    return f"/listener/{event_type[:1].lower()}{event_type[1:]}"


@dataclass
class _Flight:
    delivery: Delivery
    future: Future[NotificationResult]


class Dispatcher:
    """Fans events out to hub subscribers and delivers them; one per process is enough."""

    def __init__(
        self,
        db: Database,
        sender: NotificationSender,
        guard: CallbackGuard,
        settings: DeliverySettings | None = None,
        now: Callable[[], str] = _now,
        seed: int | None = None,
    ) -> None:
        self.db = db
        self.sender = sender
        self.guard = guard
        self.settings = settings or DeliverySettings()
        self.now = now
        self._rng = random.Random(seed)
        self._pool: ThreadPoolExecutor | None = None
        self._flights: list[_Flight] = []
        self._lock = threading.Lock()
        self._subscriptions: dict[str, Subscription] = {}
        self._events: dict[int, DomainEvent] = {}
        self._vetted: dict[str, tuple[float, Target | CallbackRefused]] = {}

    # -- fan-out -------------------------------------------------------------------------

    def fan_out(self) -> int:
        """Turn the oldest unsent outbox events into deliveries; how many events."""
        with self.db.uow() as uow:
            if not uow.outbox.try_lock("fan-out"):
                return 0
            events = uow.outbox.unsent(FAN_OUT_BATCH)
            if not events:
                return 0
            subscriptions = uow.subscriptions.all()
            now = self.now()
            rows: list[dict[str, Any]] = []
            for event in events:
                api = API_OF_DOMAIN.get(str(event.payload.get("domain")))
                for subscription in subscriptions:
                    if subscription.api == api and subscription.event_filter().matches(
                        event.payload
                    ):
                        rows.append(_delivery_row(subscription, event, now))
            uow.deliveries.add_many(rows)
            uow.outbox.mark_sent([e.seq for e in events if e.seq is not None], now)
            uow.commit()
        return len(events)

    # -- delivery ------------------------------------------------------------------------

    def step(self) -> bool:
        """One round: fan out, record finished requests, start new ones; whether it worked."""
        worked = self.fan_out() > 0
        worked = self._record_finished() or worked
        worked = self._start() or worked
        if self._flights:
            wait([f.future for f in self._flights], timeout=0.05, return_when=FIRST_COMPLETED)
            return True
        return worked

    def run_until_idle(self, timeout: float = 30.0) -> None:
        """Work until nothing is owed now and nothing is in flight (tests, ``--once``)."""
        deadline = time.monotonic() + timeout
        while self.step() and time.monotonic() < deadline:
            pass
        self._drain()

    def close(self) -> None:
        self._drain()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _drain(self) -> None:
        if self._flights:
            wait([f.future for f in self._flights])
            self._record_finished()

    def _start(self) -> bool:
        free = self.settings.in_flight - len(self._flights)
        if free <= 0:
            return False
        busy = Counter(f.delivery.subscription_id for f in self._flights)
        full = {s for s, n in busy.items() if n >= self.settings.per_subscriber}
        now = self.now()
        with self.db.uow() as uow:
            candidates = uow.deliveries.candidates(now, min(free, self.settings.batch), full)
            taken = []
            for delivery in candidates:  # beyond a subscriber's share, left for later
                if busy[delivery.subscription_id] < self.settings.per_subscriber:
                    busy[delivery.subscription_id] += 1
                    taken.append(delivery)
            uow.deliveries.lease([d.seq for d in taken], later(now, self.settings.lease_seconds))
            missing = {d.outbox_seq for d in taken} - self._events.keys()
            self._events.update(uow.outbox.by_seq(sorted(missing)))
            unknown = {d.subscription_id for d in taken} - self._subscriptions.keys()
            for subscription_id in unknown:
                found = uow.subscriptions.get(subscription_id)
                if found is not None:
                    self._subscriptions[subscription_id] = found
            uow.commit()
        if not taken:
            return False
        pool = self._executor()
        for delivery in taken:
            future = pool.submit(self._send, delivery)
            self._flights.append(_Flight(delivery, future))
        return True

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.settings.in_flight, "tmf-delivery")
        return self._pool

    def _send(self, delivery: Delivery) -> NotificationResult:
        """One POST (run on the pool); never raises."""
        try:
            subscription = self._subscriptions.get(delivery.subscription_id)
            event = self._events.get(delivery.outbox_seq)
            if subscription is None or event is None:
                return NotificationResult(None, "the subscription or event is gone")
            target = self._vet(subscription.callback)
            url = subscription.callback.rstrip("/") + listener_path(delivery.event_type)
            body = orjson.dumps(event.payload)
            headers = {"Content-Type": "application/json"}
            if event.correlation_id:
                headers["X-Correlation-ID"] = event.correlation_id
            if subscription.secret:
                headers[signing.HEADER] = signing.sign(subscription.secret, body, int(time.time()))
            notification = Notification(url, target.host, target.address, body, headers)
            return self.sender.send(notification, self.settings.timeout_seconds)
        except CallbackRefused as refused:
            return NotificationResult(None, refused.message)
        except Exception as error:  # a sender bug must not lose the delivery
            log.exception("delivery %s failed", delivery.seq)
            return NotificationResult(None, f"{type(error).__name__}: {error}")

    def _vet(self, callback: str) -> Target:
        """The SSRF guard at delivery time, on what the name resolves to now (cached briefly)."""
        with self._lock:
            cached = self._vetted.get(callback)
        if cached is None or cached[0] < time.monotonic():
            try:
                verdict: Target | CallbackRefused = self.guard.check(callback)
            except CallbackRefused as refused:
                verdict = refused
            cached = (time.monotonic() + GUARD_TTL_SECONDS, verdict)
            with self._lock:
                self._vetted[callback] = cached
        if isinstance(cached[1], CallbackRefused):
            raise cached[1]
        return cached[1]

    def _record_finished(self) -> bool:
        finished: list[_Flight] = []
        flying: list[_Flight] = []
        for flight in self._flights:
            (finished if flight.future.done() else flying).append(flight)
        if not finished:
            return False
        self._flights = flying
        now = self.now()
        for flight in finished:
            self._settle(flight.delivery, flight.future.result(), now)
        with self.db.uow() as uow:
            uow.deliveries.record([f.delivery for f in finished])
            uow.commit()
        still = {f.delivery.outbox_seq for f in self._flights}
        for flight in finished:
            if flight.delivery.outbox_seq not in still:
                self._events.pop(flight.delivery.outbox_seq, None)
        return True

    def _settle(self, delivery: Delivery, result: NotificationResult, now: str) -> None:
        delivery.attempts += 1
        delivery.lease_until = None
        if result.delivered:
            delivery.status, delivery.delivered_at, delivery.last_error = DELIVERED, now, None
            return
        delivery.last_error = result.error or f"answered {result.status}"
        if delivery.attempts >= self.settings.max_attempts:
            delivery.status = DEAD
            log.warning(
                "delivery %s of %s dead-lettered after %s attempts: %s",
                delivery.seq,
                delivery.event_id,
                delivery.attempts,
                delivery.last_error,
            )
        else:
            delivery.status = PENDING
            delivery.due_at = retry_at(now, delivery.attempts, self.settings, self._rng)

    def forget_subscriptions(self) -> None:
        """Read subscriptions again (one was removed or changed)."""
        self._subscriptions.clear()


def _delivery_row(subscription: Subscription, event: DomainEvent, now: str) -> dict[str, Any]:
    return {
        "subscription_id": subscription.id,
        "outbox_seq": event.seq,
        "event_id": event.event_id,
        "event_type": event.event_type,
        "stream": f"{event.resource_kind}/{event.resource_id}",
        "status": PENDING,
        "attempts": 0,
        "due_at": now,
        "created_at": now,
    }

"""The dispatcher: outbox -> one delivery per matching subscriber -> POST, at least once.

Per subscriber, events about one resource go in outbox order: a delivery is stored
``waiting`` while an earlier one of the same stream is owed, and becomes ``pending`` when that
one is delivered (a dead letter holds its stream until replayed). Requests run on a pool,
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
from typing import Any

import orjson

from core import tracing
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
from core.ordering.model import customer_of
from core.persistence.database import Database
from core.persistence.uow import UnitOfWork
from core.ports import Notification, NotificationResult, NotificationSender
from core.timeutil import utc_now

log = logging.getLogger("tmf.events")
FAN_OUT_BATCH = 500
# While deliveries are busy the outbox is looked at this often after it held events, and
# this often after it held none (at once when the last batch was full).
FAN_OUT_INTERVAL_SECONDS = 0.02
FAN_OUT_IDLE_SECONDS = 0.1
# A vetted callback is trusted this long before its name is resolved and checked again.
GUARD_TTL_SECONDS = 10.0


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
        now: Callable[[], str] = utc_now,
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
        self._known: dict[str, Subscription] = {}  # subscriptions never change, only go
        self._last_fan_out = 0.0
        self._fanned = 0  # events the last fan-out found
        self._vetted: dict[str, tuple[float, Target | CallbackRefused]] = {}

    # -- fan-out -------------------------------------------------------------------------

    def fan_out(self) -> int:
        """Turn the oldest unsent outbox events into deliveries; how many events."""
        self._last_fan_out = time.monotonic()
        with self.db.uow() as uow:
            if not uow.outbox.try_lock("fan-out"):
                return 0
            events = uow.outbox.unsent(FAN_OUT_BATCH)
            if not events:
                return 0
            listeners = [(s, s.event_filter()) for s in uow.subscriptions.all()]
            confined = any(s.party_ids is not None for s, _ in listeners)
            parties = customers_of(uow, events) if confined else {}
            now = self.now()
            rows: list[dict[str, Any]] = []
            for event in events:
                api = API_OF_DOMAIN.get(str(event.payload.get("domain")))
                party = parties.get(event.event_id)
                for subscription, wanted in listeners:
                    if subscription.reaches(api, party) and wanted.matches(event.payload):
                        rows.append(_delivery_row(subscription, event, now))
            uow.deliveries.add_many(rows)
            uow.outbox.mark_sent([e.seq for e in events if e.seq is not None], now)
            uow.commit()
        return len(events)

    # -- delivery ------------------------------------------------------------------------

    def step(self) -> bool:
        """One round: fan out (when due), then in one transaction record what finished and
        claim what may go; start those requests. Whether it did anything."""
        worked = False
        interval = FAN_OUT_INTERVAL_SECONDS if self._fanned else FAN_OUT_IDLE_SECONDS
        if time.monotonic() - self._last_fan_out >= interval:
            self._fanned = self.fan_out()
            worked = self._fanned == FAN_OUT_BATCH  # a full batch: more are waiting
        worked = self._cycle() or worked
        if self._flights:
            wait([f.future for f in self._flights], timeout=0.05, return_when=FIRST_COMPLETED)
            return True
        return worked

    def run_until_idle(self, timeout: float = 30.0) -> None:
        """Work until nothing is owed now and nothing is in flight (tests, ``--once``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (self.fan_out() or self.step()):
            pass
        self._drain()

    def close(self) -> None:
        self._drain()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _drain(self) -> None:
        while self._flights:
            wait([f.future for f in self._flights])
            self._cycle(claim=False)

    def _cycle(self, claim: bool = True) -> bool:
        finished: list[_Flight] = []
        flying: list[_Flight] = []
        for flight in self._flights:
            (finished if flight.future.done() else flying).append(flight)
        free = self.settings.in_flight - len(flying) if claim else 0
        if not finished and free <= 0:
            return False
        self._flights = flying
        now = self.now()
        for flight in finished:
            self._settle(flight.delivery, flight.future.result(), now)
        busy = Counter(f.delivery.subscription_id for f in flying)
        full = {s for s, n in busy.items() if n >= self.settings.per_subscriber}
        taken: list[Delivery] = []
        with self.db.uow() as uow:
            uow.deliveries.record([f.delivery for f in finished], now)
            if free > 0:
                limit = min(free, self.settings.batch)
                for delivery in uow.deliveries.candidates(now, limit, full):
                    if busy[delivery.subscription_id] < self.settings.per_subscriber:
                        busy[delivery.subscription_id] += 1  # beyond its share: left for later
                        taken.append(delivery)
                until = later(now, self.settings.lease_seconds)
                uow.deliveries.lease([d.seq for d in taken], until)
                for subscription_id in {d.subscription_id for d in taken} - self._known.keys():
                    found = uow.subscriptions.get(subscription_id)
                    if found is not None:
                        self._known[subscription_id] = found
            uow.commit()
        pool = self._executor()
        for delivery in taken:
            self._flights.append(_Flight(delivery, pool.submit(self._send, delivery)))
        return bool(finished or taken)

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.settings.in_flight, "tmf-delivery")
        return self._pool

    def _send(self, delivery: Delivery) -> NotificationResult:
        """One POST (run on the pool), in the trace of the event; never raises."""
        with tracing.span(
            "hub.deliver",
            delivery.traceparent,
            event_type=delivery.event_type,
            subscription=delivery.subscription_id,
        ):
            return self._post(delivery)

    def _post(self, delivery: Delivery) -> NotificationResult:
        try:
            subscription = self._known.get(delivery.subscription_id)
            if subscription is None:
                return NotificationResult(None, "the subscription is gone")
            target = self._vet(subscription.callback)
            url = subscription.callback.rstrip("/") + listener_path(delivery.event_type)
            body = orjson.dumps(delivery.payload)
            headers = {"Content-Type": "application/json"}
            if delivery.correlation_id:
                headers["X-Correlation-ID"] = delivery.correlation_id
            traceparent = tracing.current()
            if traceparent:
                headers["traceparent"] = traceparent
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


def customers_of(uow: UnitOfWork, events: list[DomainEvent]) -> dict[str, str | None]:
    """Event id -> the customer of the order or product it is about (for partners'
    subscriptions): from its own document, or, for a cancellation request, from the order it
    names."""
    found: dict[str, str | None] = {}
    asked: dict[str, str] = {}  # event id -> order id, read in one statement
    for event in events:
        document = (event.payload.get("event") or {}).get(event.resource_kind)
        if not isinstance(document, dict):
            continue
        if event.resource_kind in ("productOrder", "product") and document.get("relatedParty"):
            found[event.event_id] = customer_of(document)
        elif isinstance(document.get("productOrder"), dict):
            asked[event.event_id] = str(document["productOrder"].get("id"))
        else:
            asked[event.event_id] = event.resource_id
    customers = uow.orders.customers(sorted(set(asked.values())))
    found.update({event_id: customers.get(order) for event_id, order in asked.items()})
    return found


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

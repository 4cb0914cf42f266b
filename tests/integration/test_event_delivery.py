"""Hub delivery with a real HTTP receiver: order per resource, retries, dead letters, replay."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from adapters.http.webhook import HttpNotificationSender
from core.events import signing
from core.events.callbacks import CallbackGuard
from core.events.delivery import DEAD, DELIVERED, PENDING, WAITING, DeliverySettings
from core.events.dispatcher import Dispatcher
from core.events.hub import Hub
from core.events.model import resource_event
from core.events.queue import DeliveryQueue
from core.persistence.database import Database
from core.timeutil import utc_now
from tests.fakes.receiver import Receiver

GUARD = CallbackGuard("127.0.0.1")
FAST = DeliverySettings(max_attempts=4, backoff_seconds=0.01, backoff_cap_seconds=0.05)


_now = utc_now


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver().start()
    yield found
    found.stop()


@pytest.fixture
def hub(db: Database) -> Hub:
    return Hub(db, GUARD)


def make_dispatcher(db: Database, settings: DeliverySettings = FAST) -> Dispatcher:
    return Dispatcher(db, HttpNotificationSender(), GUARD, settings, seed=7)


@pytest.fixture
def dispatcher(db: Database) -> Iterator[Dispatcher]:
    found = make_dispatcher(db)
    yield found
    found.close()


def order_events(db: Database, order_id: str, states: list[str]) -> list[str]:
    """One StateChange event per state of ``order_id``, committed in order; their ids."""
    ids = []
    with db.uow() as uow:
        for state in states:
            event = resource_event(
                resource_kind="productOrder",
                change="StateChange",
                document={"id": order_id, "state": state},
                event_id=str(uuid.uuid4()),
                occurred_at=_now(),
                correlation_id="corr-1",
                domain="productOrderingManagement",
            )
            uow.outbox.add(event)
            ids.append(event.event_id)
        uow.commit()
    return ids


def run_until(dispatcher: Dispatcher, done: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "dispatcher did not get there in time"
        if not dispatcher.step():
            time.sleep(0.01)


def ids_of(events: list[dict[str, Any]], order_id: str) -> list[str]:
    return [e["eventId"] for e in events if e["event"]["productOrder"]["id"] == order_id]


def test_each_event_is_posted_to_the_listener_path_with_the_tmf_body(
    db: Database, hub: Hub, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    hub.subscribe("tmf622", {"callback": receiver.url})
    hub.subscribe("tmf620", {"callback": receiver.url})  # another API's: gets nothing of these
    a = order_events(db, "A", ["acknowledged", "inProgress", "completed"])
    b = order_events(db, "B", ["acknowledged", "rejected"])
    run_until(dispatcher, lambda: len(receiver.events) == 5)
    dispatcher.run_until_idle()

    assert ids_of(receiver.events, "A") == a  # in order per resource
    assert ids_of(receiver.events, "B") == b
    path, body, headers = receiver.received[0]
    assert path == "/hooks/listener/productOrderStateChangeEvent"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Correlation-ID"] == "corr-1"
    for name in ("eventId", "eventTime", "eventType", "correlationId", "domain", "title"):
        assert name in body
    assert body["timeOcurred"] == body["eventTime"]
    assert body["eventType"] == "ProductOrderStateChangeEvent"
    assert len(receiver.received) == 5  # nothing twice
    page, total = DeliveryQueue(db, _now).page(status=DELIVERED)
    assert total == 5 and all(d.attempts == 1 for d in page)


def test_a_receiver_failing_three_times_gets_everything_in_order_once_it_recovers(
    db: Database, hub: Hub, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    hub.subscribe("tmf622", {"callback": receiver.url})
    receiver.fail_next = 3
    sent = order_events(db, "A", ["acknowledged", "inProgress", "completed"])
    run_until(dispatcher, lambda: len(receiver.events) == 3)
    dispatcher.run_until_idle()

    assert ids_of(receiver.events, "A") == sent
    assert receiver.fail_next == 0
    deliveries, _ = DeliveryQueue(db, _now).page()
    assert [d.status for d in deliveries] == [DELIVERED] * 3
    assert deliveries[0].attempts == 4  # three 500s, then 201
    assert [d.attempts for d in deliveries[1:]] == [1, 1]  # they waited; never sent early


def test_a_receiver_down_for_the_whole_window_is_dead_lettered_then_replayed(
    db: Database, hub: Hub, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    subscription = hub.subscribe("tmf622", {"callback": receiver.url})
    receiver.stop()
    sent = order_events(db, "A", ["acknowledged", "inProgress"]) + order_events(
        db, "B", ["acknowledged"]
    )
    queue = DeliveryQueue(db, _now)
    run_until(dispatcher, lambda: queue.page(status=DEAD)[1] == 2)
    dispatcher.run_until_idle()

    dead, _ = queue.page(status=DEAD)
    assert {d.stream for d in dead} == {"productOrder/A", "productOrder/B"}
    assert all(d.attempts == FAST.max_attempts for d in dead)
    assert "ConnectionRefusedError" in (dead[0].last_error or "")
    waiting, _ = queue.page(status=WAITING)  # the second event of A waits behind its dead head
    assert [d.event_id for d in waiting] == [sent[1]] and waiting[0].attempts == 0
    assert queue.page(status=PENDING)[1] == 0

    receiver.start()
    assert queue.replay_all(subscription.id, "ops", "receiver is back") == 2
    run_until(dispatcher, lambda: len(receiver.events) == 3)
    dispatcher.run_until_idle()
    assert ids_of(receiver.events, "A") == sent[:2]
    assert ids_of(receiver.events, "B") == sent[2:]
    assert queue.page(status=DELIVERED)[1] == 3


def test_one_dead_letter_is_replayed_by_its_number(
    db: Database, hub: Hub, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    hub.subscribe("tmf622", {"callback": receiver.url})
    receiver.fail_next, receiver.fail_status = 100, 503
    order_events(db, "A", ["acknowledged"])
    queue = DeliveryQueue(db, _now)
    run_until(dispatcher, lambda: queue.page(status=DEAD)[1] == 1)
    receiver.fail_next = 0
    (dead,), _ = queue.page(status=DEAD)
    assert dead.last_error == "answered 503"

    replayed = queue.replay(str(dead.seq), "ops", "fixed")
    assert replayed.status == PENDING and replayed.last_error == "replayed by ops: fixed"
    run_until(dispatcher, lambda: len(receiver.events) == 1)


def test_a_query_filters_what_a_subscriber_gets(
    db: Database, hub: Hub, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    query = "eventType=ProductOrderStateChangeEvent&event.productOrder.state=completed,failed"
    hub.subscribe("tmf622", {"callback": receiver.url, "query": query})
    order_events(db, "A", ["acknowledged", "inProgress", "completed"])
    order_events(db, "B", ["failed"])
    dispatcher.run_until_idle()
    states = [e["event"]["productOrder"]["state"] for e in receiver.wait_for(2)]
    assert sorted(states) == ["completed", "failed"]  # two resources: no order between them
    dispatcher.run_until_idle()
    assert len(receiver.events) == 2


def test_a_slow_subscriber_does_not_hold_up_the_others(db: Database, hub: Hub) -> None:
    slow, fast = Receiver().start(), Receiver().start()
    dispatcher = make_dispatcher(
        db, DeliverySettings(timeout_seconds=10, per_subscriber=2, in_flight=8)
    )
    try:
        slow.delay = 3.0
        hub.subscribe("tmf622", {"callback": slow.url})
        hub.subscribe("tmf622", {"callback": fast.url})
        for order_id in "ABCDEF":
            order_events(db, order_id, ["acknowledged"])
        started = time.monotonic()
        run_until(dispatcher, lambda: len(fast.events) == 6, timeout=10)
        assert time.monotonic() - started < 2.5  # well before the slow one answers once
        assert slow.events == []
    finally:
        dispatcher.close()
        slow.stop()
        fast.stop()
    assert len(slow.events) == 2  # the two in flight to it were answered before close


def test_a_redirect_is_not_followed(
    db: Database, hub: Hub, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    hub.subscribe("tmf622", {"callback": receiver.url})
    receiver.fail_next, receiver.fail_status = 1, 302
    order_events(db, "A", ["acknowledged"])
    run_until(dispatcher, lambda: len(receiver.events) == 1)
    dispatcher.run_until_idle()
    (delivery,), _ = DeliveryQueue(db, _now).page()
    assert delivery.attempts == 2  # the 302 counted as a failure; its Location never called


def test_signed_deliveries_verify_with_the_subscription_secret(
    db: Database, hub: Hub, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    secret = "s3cret-of-sixteen-chars"
    hub.subscribe("tmf622", {"callback": receiver.url, "secret": secret})
    order_events(db, "A", ["acknowledged"])
    run_until(dispatcher, lambda: len(receiver.events) == 1)
    _, body, headers = receiver.received[0]
    import orjson

    raw = orjson.dumps(body)
    header = headers[signing.HEADER]
    assert signing.verify(secret, raw, header, int(time.time()))
    assert not signing.verify("another-secret-16chars", raw, header, int(time.time()))
    assert not signing.verify(secret, raw + b" ", header, int(time.time()))
    assert not signing.verify(secret, raw, header, int(time.time()) + 3600)  # a replay


def test_unsigned_subscriptions_get_no_signature(
    db: Database, hub: Hub, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    hub.subscribe("tmf622", {"callback": receiver.url})
    order_events(db, "A", ["acknowledged"])
    run_until(dispatcher, lambda: len(receiver.events) == 1)
    assert signing.HEADER not in receiver.received[0][2]


def test_unsubscribing_drops_what_was_owed(
    db: Database, hub: Hub, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    subscription = hub.subscribe("tmf622", {"callback": receiver.url})
    order_events(db, "A", ["acknowledged"])
    dispatcher.fan_out()
    hub.unsubscribe("tmf622", subscription.id)
    dispatcher.run_until_idle()
    assert receiver.events == []
    assert DeliveryQueue(db, _now).page()[1] == 0


def test_a_callback_that_turns_internal_is_refused_at_delivery(
    db: Database, receiver: Receiver
) -> None:
    """Checked when subscribing and again when delivering, on what the name resolves to now."""
    Hub(db, GUARD).subscribe("tmf622", {"callback": receiver.url})
    strict = Dispatcher(db, HttpNotificationSender(), CallbackGuard(""), FAST)
    try:
        order_events(db, "A", ["acknowledged"])
        queue = DeliveryQueue(db, _now)
        run_until(strict, lambda: queue.page(status=DEAD)[1] == 1)
    finally:
        strict.close()
    assert receiver.events == []
    assert "internal address" in (queue.page(status=DEAD)[0][0].last_error or "")


def test_two_dispatchers_with_events_arriving_leave_nothing_waiting(
    db: Database, hub: Hub, receiver: Receiver
) -> None:
    """Fan-out racing the recording of a stream's head must not strand what it adds behind it."""
    import threading

    for n in range(3):
        hub.subscribe("tmf622", {"callback": f"{receiver.url}/{n}"})
    dispatchers = [make_dispatcher(db), make_dispatcher(db)]
    stop = threading.Event()

    def run(dispatcher: Dispatcher) -> None:
        while not stop.is_set():
            if not dispatcher.step():
                time.sleep(0.002)

    threads = [threading.Thread(target=run, args=(d,)) for d in dispatchers]
    for thread in threads:
        thread.start()
    sent: dict[str, list[str]] = {}
    try:
        for round_ in range(40):  # events keep coming while heads are being delivered
            for order_id in "ABCD":
                sent.setdefault(order_id, []).extend(order_events(db, order_id, [f"s{round_}"]))
            time.sleep(0.005)
        wanted = 40 * 4 * 3
        deadline = time.monotonic() + 30
        while len(receiver.events) < wanted and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        for dispatcher in dispatchers:
            dispatcher.close()
    queue = DeliveryQueue(db, _now)
    assert queue.page(status=WAITING)[1] == 0 and queue.page(status=PENDING)[1] == 0
    assert len(receiver.events) == 40 * 4 * 3
    for order_id, ids in sent.items():  # in order for each subscriber
        received = _by_subscriber(receiver, order_id)
        assert len(received) == 3 and all(events == ids for events in received.values())


def _by_subscriber(receiver: Receiver, order_id: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path, body, _ in receiver.received:  # /hooks/<n>/listener/...: one path per subscriber
        if body["event"]["productOrder"]["id"] == order_id:
            found.setdefault(path.split("/listener/")[0], []).append(body["eventId"])
    return found

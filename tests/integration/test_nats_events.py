"""CloudEvents on a real NATS JetStream server: the one at ``TMF_TEST_NATS_URL``.

``.ci/run`` sets it (and fails when NATS is not reachable); without it, as on a newcomer's
machine with no NATS, these tests do not run.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import nats
import pytest

from adapters.broker.nats import NatsPublisher
from core.events.relay import BrokerRelay
from core.persistence.database import Database
from tests.fakes.tcp_proxy import TcpProxy
from tests.integration.test_event_delivery import _now, order_events

NATS_URL = os.environ.get("TMF_TEST_NATS_URL", "")
pytestmark = pytest.mark.skipif(not NATS_URL, reason="TMF_TEST_NATS_URL is not set")
BASES = {
    "tmf620": "/tmf-api/productCatalogManagement/v4",
    "tmf622": "/tmf-api/productOrderingManagement/v4",
}


@pytest.fixture
def stream() -> Iterator[tuple[str, str]]:
    """A stream and subject prefix of this test's own; deleted afterwards."""
    tag = uuid.uuid4().hex[:10]
    yield f"TEST_{tag}", f"t{tag}"

    async def delete() -> None:
        client = await nats.connect(NATS_URL)
        try:
            await client.jetstream().delete_stream(f"TEST_{tag}")
        except nats.js.errors.NotFoundError:
            pass
        finally:
            await client.close()

    asyncio.run(delete())


def read_stream(name: str) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """Every message in the stream: the CloudEvent and the NATS headers."""

    async def read() -> list[tuple[dict[str, Any], dict[str, str]]]:
        client = await nats.connect(NATS_URL)
        try:
            js = client.jetstream()
            info = await js.stream_info(name)
            found = []
            for seq in range(1, info.state.last_seq + 1):
                message = await js.get_msg(name, seq)
                found.append((json.loads(message.data or b"{}"), dict(message.headers or {})))
            return found
        finally:
            await client.close()

    return asyncio.run(read())


def drain(relay: BrokerRelay) -> None:
    while relay.step():
        pass


def test_outbox_events_are_published_as_cloudevents(db: Database, stream: tuple[str, str]) -> None:
    name, prefix = stream
    publisher = NatsPublisher(NATS_URL, name, BASES, prefix)
    try:
        sent = order_events(db, "A", ["acknowledged", "completed"]) + order_events(
            db, "B", ["acknowledged"]
        )
        drain(BrokerRelay(db, publisher.publish, _now))
    finally:
        publisher.close()
    messages = read_stream(name)  # the stream was made on first use
    assert [event["id"] for event, _ in messages] == sent  # in outbox order
    event, headers = messages[0]
    assert headers["Nats-Msg-Id"] == sent[0]
    assert event["specversion"] == "1.0"
    assert event["type"] == "org.tmforum.tmf622.productOrder.stateChange.v4"
    assert event["source"] == BASES["tmf622"]
    assert event["subject"] == "A"
    assert event["correlationid"] == "corr-1" and event["causationid"]
    assert event["datacontenttype"] == "application/json"
    assert event["data"]["eventId"] == sent[0]
    assert event["data"]["event"]["productOrder"] == {"id": "A", "state": "acknowledged"}
    with db.uow(write=False) as uow:
        assert uow.outbox.backlog()["unpublished"] == 0


def test_events_published_again_are_dropped_by_the_broker(
    db: Database, stream: tuple[str, str]
) -> None:
    """A crash between publishing and marking: the batch goes again, JetStream keeps one."""
    name, prefix = stream
    publisher = NatsPublisher(NATS_URL, name, BASES, prefix)
    try:
        sent = order_events(db, "A", ["acknowledged", "completed"])
        relay = BrokerRelay(db, publisher.publish, _now)
        drain(relay)
        with db.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE outbox SET published_at = NULL")
        drain(relay)
    finally:
        publisher.close()
    assert [event["id"] for event, _ in read_stream(name)] == sent


def test_writes_succeed_while_nats_is_away_and_publishing_catches_up(
    db: Database, stream: tuple[str, str]
) -> None:
    name, prefix = stream
    host, port = NATS_URL.removeprefix("nats://").split(":")
    proxy = TcpProxy((host, int(port)))  # NATS as the server sees it: down, then back
    publisher = NatsPublisher(f"nats://127.0.0.1:{proxy.port}", name, BASES, prefix, timeout=1)
    relay = BrokerRelay(db, publisher.publish, _now)
    try:
        first = order_events(db, "A", ["acknowledged"])  # the write commits with NATS away
        assert relay.step() is False and relay.failing
        with db.uow(write=False) as uow:
            assert uow.outbox.backlog()["unpublished"] == 1
        proxy.start()
        drain(relay)
        assert not relay.failing
        proxy.stop()  # gone again mid-life: the open connection breaks
        second = order_events(db, "A", ["completed"])
        assert relay.step() is False
        proxy.start()
        drain(relay)
    finally:
        publisher.close()
        proxy.stop()
    assert [event["id"] for event, _ in read_stream(name)] == first + second
    with db.uow(write=False) as uow:
        assert uow.outbox.backlog()["unpublished"] == 0

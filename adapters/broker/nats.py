"""CloudEvents on NATS JetStream: the stream made if missing, the event id as message id."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

import nats
from nats.aio.client import Client
from nats.js.errors import NotFoundError

from core.events.cloud import CONTENT_TYPE, subject_of, to_cloudevent
from core.events.model import DomainEvent


class PublishFailed(Exception):
    """The broker could not be reached or did not acknowledge; the events stay in the outbox."""


class NatsPublisher:
    """Publishes in outbox order, each message acknowledged by JetStream before the next.

    JetStream drops a message whose ``Nats-Msg-Id`` it saw within its duplicate window, so
    events published again after a crash are not stored twice. Runs its own event loop in a
    thread; ``publish`` is called from the worker's threads.
    """

    def __init__(
        self,
        url: str,
        stream: str,
        base_paths: dict[str, str],
        prefix: str = "tmf",
        timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.stream = stream
        self.prefix = prefix
        self.base_paths = base_paths
        self.timeout = timeout
        self._client: Client | None = None
        self._stream_ready = False
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="nats")
        self._thread.start()

    def publish(self, events: list[DomainEvent]) -> None:
        future = asyncio.run_coroutine_threadsafe(self._publish(events), self._loop)
        try:
            future.result(self.timeout * (1 + len(events)))
        except PublishFailed:
            raise
        except Exception as error:
            future.cancel()
            self._call(self._drop())
            raise PublishFailed(f"{type(error).__name__}: {error}") from error

    def close(self) -> None:
        self._call(self._drop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def _call(self, coroutine: Any) -> None:
        with contextlib.suppress(Exception):  # closing a broken connection may fail too
            asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(self.timeout)

    async def _connect(self) -> Client:
        if self._client is None or self._client.is_closed:
            self._client = await nats.connect(
                self.url,
                connect_timeout=self.timeout,
                allow_reconnect=False,  # a lost connection fails the batch; the outbox keeps it
                max_reconnect_attempts=0,
            )
            self._stream_ready = False
        if not self._stream_ready:
            js = self._client.jetstream(timeout=self.timeout)
            try:
                await js.stream_info(self.stream)
            except NotFoundError:
                await js.add_stream(name=self.stream, subjects=[f"{self.prefix}.>"])
            self._stream_ready = True
        return self._client

    async def _publish(self, events: list[DomainEvent]) -> None:
        client = await self._connect()
        js = client.jetstream(timeout=self.timeout)
        for event in events:
            await js.publish(
                subject_of(event, self.prefix),
                to_cloudevent(event, self.base_paths),
                headers={"Nats-Msg-Id": event.event_id, "content-type": CONTENT_TYPE},
            )

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None and not client.is_closed:
            await client.close()

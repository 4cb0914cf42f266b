"""``tmf-adapter events tail``: an example JetStream consumer of our CloudEvents."""

from __future__ import annotations

import json
from collections.abc import Callable

import nats
from nats.js.api import DeliverPolicy


def line(data: bytes) -> str:
    """One line per CloudEvent: time, type, subject (the resource id)."""
    event = json.loads(data)
    return f"{event.get('time', '?')}  {event.get('type', '?')}  {event.get('subject', '?')}"


async def tail(
    url: str, prefix: str, every: bool, count: int, raw: bool, echo: Callable[[str], None]
) -> None:
    client = await nats.connect(url, connect_timeout=5, max_reconnect_attempts=0)
    try:
        js = client.jetstream()
        policy = DeliverPolicy.ALL if every else DeliverPolicy.NEW
        subscription = await js.subscribe(
            f"{prefix}.>", ordered_consumer=True, deliver_policy=policy
        )
        seen = 0
        async for message in subscription.messages:
            echo(message.data.decode() if raw else line(message.data))
            seen += 1
            if count and seen >= count:
                break
    finally:
        await client.close()

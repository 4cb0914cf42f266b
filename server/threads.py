"""The threads a server process runs its blocking handlers on: few, and taken in turn.

Handlers that write or list run on threads (they wait on the database); each holds the GIL
while it works, so eight of them in one process mostly take it from each other and from the
event loop: in paired runs, POST productOrder took about 10-15 % less CPU per request with
four threads than with anyio's forty. Requests beyond the bound wait on the event loop, first
come first served, which costs nothing while they wait. Token checks and the metrics page
keep anyio's own threads, so a slow identity provider never holds up the handlers.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")
DEFAULT = 4


class RequestThreads:
    """A bound on the handler threads of one process (one limiter per event loop)."""

    def __init__(self, total: int = DEFAULT) -> None:
        self.total = total
        self._limiters: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, anyio.CapacityLimiter
        ] = weakref.WeakKeyDictionary()

    def configure(self, total: int) -> None:
        """Set the bound (the server's setting); limiters made before keep theirs."""
        self.total = total
        self._limiters = weakref.WeakKeyDictionary()

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``function(*args, **kwargs)`` on one of the threads, once one is free."""
        loop = asyncio.get_running_loop()
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._limiters[loop] = anyio.CapacityLimiter(self.total)
        call = functools.partial(function, *args, **kwargs)
        return await anyio.to_thread.run_sync(call, limiter=limiter)


REQUEST_THREADS = RequestThreads()  # configured by ``create_app`` from TMF_REQUEST_THREADS

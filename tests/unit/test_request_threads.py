"""The handler threads of a process: never more at once than the bound, taken in turn, and
the caller's context (connexion's request) seen on the thread."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

from server.threads import RequestThreads

CALLER = contextvars.ContextVar[str]("caller")


def test_no_more_run_at_once_than_the_bound() -> None:
    threads = RequestThreads(2)
    lock = threading.Lock()
    running = [0]
    most = [0]

    def work(n: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return n * n

    async def main() -> list[int]:
        return await asyncio.gather(*(threads.run(work, n) for n in range(8)))

    assert asyncio.run(main()) == [n * n for n in range(8)]
    assert most[0] == 2


def test_requests_beyond_the_bound_are_served_in_turn() -> None:
    threads = RequestThreads(1)
    started: list[int] = []

    def work(n: int) -> None:
        started.append(n)
        time.sleep(0.005)

    async def main() -> None:
        calls = []
        for n in range(6):
            calls.append(asyncio.ensure_future(threads.run(work, n)))
            await asyncio.sleep(0)  # each asks in this order
        await asyncio.gather(*calls)

    asyncio.run(main())
    assert started == list(range(6))


def test_the_callers_context_is_seen_on_the_thread_and_keywords_pass() -> None:
    threads = RequestThreads(1)

    def work(prefix: str, *, suffix: str) -> str:
        return f"{prefix}{CALLER.get()}{suffix}"

    async def main() -> str:
        CALLER.set("carol")
        return await threads.run(work, "<", suffix=">")

    assert asyncio.run(main()) == "<carol>"


def test_each_event_loop_has_its_own_limiter_and_configure_sets_the_bound() -> None:
    threads = RequestThreads(1)
    threads.configure(3)
    lock = threading.Lock()
    running = [0]
    most: list[int] = []

    def work() -> None:
        with lock:
            running[0] += 1
            most[-1] = max(most[-1], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1

    async def main() -> None:
        most.append(0)
        await asyncio.gather(*(threads.run(work) for _ in range(6)))

    asyncio.run(main())
    asyncio.run(main())  # a second loop (as a test client makes) has a limiter of its own
    assert most == [3, 3]

"""``/health`` and ``/ready`` as a load balancer polls them, while the database goes away."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from core.persistence import migrate
from core.persistence.database import CONNECT_TIMEOUT_SECONDS, Database
from tests.conftest import PG_URL, private_database
from tests.e2e.conftest import make_client
from tests.fakes.tcp_proxy import TcpProxy


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> bool:
    """Polls like a probe every 200 ms; whether ``condition`` held before the time ran out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_ready_names_each_check_and_health_asks_nothing(
    client: TestClient, database: Database
) -> None:
    ready = client.get("/ready")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "up"
    assert body["checks"]["database"] == {"status": "up", "revision": migrate.head_revision()}
    assert body["checks"]["tmf-jobs"] == {"status": "up"}  # the strict app runs catalog jobs
    assert ready.headers["cache-control"] == "no-store"
    queries: list[str] = []

    def seen(*args: object) -> None:
        queries.append(str(args[2]))

    sa.event.listen(database.engine, "before_cursor_execute", seen)
    try:
        assert client.get("/health").json() == {"status": "up"}
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", seen)
    assert queries == []


def test_a_database_behind_the_code_is_not_ready(tmp_path: pytest.TempPathFactory) -> None:
    """Code newer than the schema must not take traffic: the answer says to migrate."""
    db = Database(f"sqlite:///{tmp_path}/old.db")
    migrate.upgrade(db)
    migrate.downgrade(db, "-1")
    with make_client(db, TMF_RUN_JOBS=False) as client:
        ready = client.get("/ready")
        assert ready.status_code == 503
        check = ready.json()["checks"]["database"]
        assert check["status"] == "down"
        assert "tmf-adapter migrate" in check["reason"]
        assert client.get("/health").status_code == 200
    db.dispose()


@pytest.mark.skipif(not PG_URL, reason="TMF_TEST_DATABASE_URL is not set")
def test_probe_loop_follows_postgresql_going_away_and_back(
    tmp_path: pytest.TempPathFactory,
) -> None:
    """PostgreSQL reached through a connection we cut: /ready turns 503 while it is away and
    200 once it is back; /health answers 200 throughout; no probe waits past its timeout."""
    assert PG_URL
    with private_database("postgresql", tmp_path) as (_, search_path):
        address = urlsplit(PG_URL)
        proxy = TcpProxy((address.hostname or "127.0.0.1", address.port or 5432)).start()
        through = PG_URL.replace(address.netloc, f"{address.username}@127.0.0.1:{proxy.port}")
        db = Database(through, connect_args={"options": f"-csearch_path={search_path}"})
        slowest = 0.0

        def ready_is(status: int) -> Callable[[], bool]:
            def probe() -> bool:
                nonlocal slowest
                started = time.monotonic()
                answer = client.get("/ready")
                slowest = max(slowest, time.monotonic() - started)
                assert client.get("/health").status_code == 200
                return answer.status_code == status

            return probe

        try:
            with make_client(db, TMF_RUN_JOBS=False) as client:
                assert wait_for(ready_is(200))
                proxy.stop()
                assert wait_for(ready_is(503))
                down = client.get("/ready").json()
                assert down["status"] == "down"
                assert down["checks"]["database"]["status"] == "down"
                proxy.start()
                assert wait_for(ready_is(200))
                # A database that accepts and never answers: the probe still answers in time,
                # and does not start a second check while the first one waits.
                proxy.stop()
                proxy.hang = True
                proxy.start()

                def silent() -> bool:  # the pool's old connections fail first, then it waits
                    nonlocal slowest
                    started = time.monotonic()
                    answer = client.get("/ready")
                    slowest = max(slowest, time.monotonic() - started)
                    reason = answer.json()["checks"]["database"].get("reason", "")
                    return answer.status_code == 503 and "no answer in" in reason

                assert wait_for(silent)
                time.sleep(1.1)  # past the cached answer
                again = client.get("/ready").json()["checks"]["database"]
                assert again["reason"] == "the last check has not returned"
                assert client.get("/health").status_code == 200
                proxy.stop()
                proxy.hang = False
                proxy.start()
                assert wait_for(ready_is(200))
        finally:
            proxy.stop()
            db.dispose()
        assert slowest < 3.5


@pytest.mark.skipif(not PG_URL, reason="TMF_TEST_DATABASE_URL is not set")
def test_a_silent_database_is_given_up_after_the_connect_timeout() -> None:
    """A host that accepts and never answers holds a connecting thread for
    ``CONNECT_TIMEOUT_SECONDS``, not for as long as TCP would wait."""
    assert PG_URL
    address = urlsplit(PG_URL)
    proxy = TcpProxy((address.hostname or "127.0.0.1", address.port or 5432))
    proxy.hang = True
    proxy.start()
    db = Database(PG_URL.replace(address.netloc, f"{address.username}@127.0.0.1:{proxy.port}"))
    started = time.monotonic()
    try:
        with pytest.raises(sa.exc.OperationalError), db.engine.connect():
            pass
    finally:
        proxy.stop()
        db.dispose()
    waited = time.monotonic() - started
    assert CONNECT_TIMEOUT_SECONDS - 1 < waited < CONNECT_TIMEOUT_SECONDS + 3

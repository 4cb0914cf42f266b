"""The simulated systems' ledger: one side effect per key ever, recorded with the call that
made it, in transactions of its own that do not wait for the disk on PostgreSQL."""

from __future__ import annotations

import threading

from adapters.simulated.ledger import REPEAT, Effect, Ledger
from core.persistence.database import Database


def _effect(key: str, reference: str = "ref-1") -> Effect:
    return Effect("crm", key, "check_customer", "o-1", None, reference)


def test_a_key_has_one_effect_and_a_second_call_is_a_repeat(db: Database) -> None:
    ledger = Ledger(db.engine)
    ledger.clear()
    assert ledger.look("crm", "k-1") == (None, 0)
    assert ledger.record_effect(_effect("k-1"), 1.0, "done") is True
    assert ledger.record_effect(_effect("k-1", "ref-2"), 2.0, "done") is False
    effect, calls = ledger.look("crm", "k-1")
    assert effect == _effect("k-1") and calls == 2  # the first reference stays
    assert [c[3] for c in ledger.call_log()] == ["done", REPEAT]


def test_racing_calls_for_one_key_make_one_effect(db: Database) -> None:
    ledger = Ledger(db.engine)
    ledger.clear()
    made: list[bool] = []
    start = threading.Barrier(6)

    def call(index: int) -> None:
        start.wait()
        made.append(ledger.record_effect(_effect("k-race", f"ref-{index}"), 1.0, "done"))

    threads = [threading.Thread(target=call, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(made) == [False] * 5 + [True]
    assert len(ledger.effects()) == 1
    assert sorted(c[3] for c in ledger.call_log()) == ["done"] + [REPEAT] * 5


def test_only_the_ledgers_own_transactions_skip_waiting_for_the_disk(db: Database) -> None:
    ledger = Ledger(db.engine)
    ledger.clear()
    if db.dialect != "postgresql":  # no such setting: the write commits as any other
        ledger.record_call("crm", "k-1", "status", "done")
        assert Ledger(db.engine).calls("crm", "k-1") == 1
        return
    with ledger._writing() as connection:
        assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"
    for _ in range(3):  # the pooled connections went back as they were
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"

"""One contract every provisioning adapter keeps: the simulated one and TMF641 over HTTP."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Protocol

import pytest

from adapters.http.tmf641 import Tmf641Provisioning
from adapters.simulated import Behaviour, Ledger, SimulatedProvisioning, Simulation
from core.errors import InvalidRequest
from core.fulfillment.notices import ProvisioningNotices
from core.fulfillment.orchestrator import FulfillmentSettings, Orchestrator
from core.ordering.service import OrderingService
from core.ports import FulfillmentSystems, OutcomeStatus, ProvisioningPort, TaskRequest
from core.requests import RequestContext
from tests.fakes.tmf641 import ProvisioningSystem
from tests.orders import add, order

TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class Knobs(Protocol):
    """A provisioning system with its adapter, and the flaws a test can switch on."""

    port: ProvisioningPort

    def refuse_next(self) -> None: ...  # busy: nothing happens, try again later
    def reject_next(self) -> None: ...  # refused for good
    def lose_next_answer(self) -> None: ...  # done, but the answer is lost
    def effects(self, key: str) -> int: ...  # side effects that happened for this key


class Simulated:
    def __init__(self, ledger: Ledger) -> None:
        self.simulation = Simulation()
        self.ledger = ledger
        self.port = SimulatedProvisioning(self.simulation, ledger)

    def _once(self, behaviour: Behaviour) -> None:
        self.simulation.set("provisioning", behaviour)

    def refuse_next(self) -> None:
        self._once(Behaviour(retryable_rate=1.0))

    def reject_next(self) -> None:
        self._once(Behaviour(permanent_rate=1.0))

    def lose_next_answer(self) -> None:
        self._once(Behaviour(unknown_rate=1.0))

    def effects(self, key: str) -> int:
        return sum(1 for e in self.ledger.effects() if e.key == key)


class Http:
    def __init__(self, system: ProvisioningSystem) -> None:
        self.system = system
        self.port = Tmf641Provisioning(system.url, timeout=2, authorization="Bearer s3cret")

    def refuse_next(self) -> None:
        self.system.refuse.append(503)

    def reject_next(self) -> None:
        self.system.reject += 1

    def lose_next_answer(self) -> None:
        self.system.lose_answers += 1

    def effects(self, key: str) -> int:
        return self.system.created[key]


@pytest.fixture
def fake_tmf641() -> Iterator[ProvisioningSystem]:
    system = ProvisioningSystem().start()
    yield system
    system.stop()


@pytest.fixture(params=["simulated", "tmf641"])
def knobs(request: pytest.FixtureRequest, db: object) -> Knobs:
    if request.param == "simulated":
        ledger = Ledger(request.getfixturevalue("db").engine)
        ledger.clear()
        return Simulated(ledger)
    return Http(request.getfixturevalue("fake_tmf641"))


def ask(key: str, target: str = "ss-fibre-access") -> TaskRequest:
    return TaskRequest(
        key,
        "corr-1",
        "order-1",
        "1",
        "cust-carol",
        offering_id="po-fibre-300",
        product_id="prod-1",
        target=target,
        characteristics={"downloadMbps": 300},
    )


class TestProvisioningContract:
    """What the orchestrator relies on, whatever system is behind the port."""

    def test_done_once_and_its_status_says_so(self, knobs: Knobs) -> None:
        first = knobs.port.activate(ask("k1"))
        assert first.status == OutcomeStatus.DONE and first.reference
        again = knobs.port.activate(ask("k1"))
        assert again.status == OutcomeStatus.DONE and again.reference == first.reference
        assert knobs.effects("k1") == 1
        status = knobs.port.status("k1")
        assert status.status == OutcomeStatus.DONE and status.reference == first.reference

    def test_an_unknown_key_is_not_found(self, knobs: Knobs) -> None:
        assert knobs.port.status("never-sent").status == OutcomeStatus.NOT_FOUND

    def test_a_lost_answer_is_unknown_and_the_status_tells_the_truth(self, knobs: Knobs) -> None:
        knobs.lose_next_answer()
        assert knobs.port.activate(ask("k2")).status == OutcomeStatus.UNKNOWN
        assert knobs.effects("k2") == 1
        assert knobs.port.status("k2").status == OutcomeStatus.DONE

    def test_busy_is_retryable_and_nothing_happened(self, knobs: Knobs) -> None:
        knobs.refuse_next()
        assert knobs.port.activate(ask("k3")).status == OutcomeStatus.RETRYABLE
        assert knobs.effects("k3") == 0
        assert knobs.port.status("k3").status == OutcomeStatus.NOT_FOUND

    def test_a_rejection_is_permanent_and_nothing_happened(self, knobs: Knobs) -> None:
        knobs.reject_next()
        outcome = knobs.port.activate(ask("k4"))
        assert outcome.status == OutcomeStatus.PERMANENT and outcome.detail
        assert knobs.effects("k4") == 0

    def test_modify_and_deactivate_are_side_effects_of_their_own(self, knobs: Knobs) -> None:
        assert knobs.port.modify(ask("k5")).status == OutcomeStatus.DONE
        assert knobs.port.deactivate(ask("k6")).status == OutcomeStatus.DONE
        assert knobs.effects("k5") == knobs.effects("k6") == 1

    def test_suspend_and_resume_are_side_effects_of_their_own(self, knobs: Knobs) -> None:
        assert knobs.port.suspend(ask("k10")).status == OutcomeStatus.DONE
        assert knobs.port.suspend(ask("k10")).status == OutcomeStatus.DONE  # once
        assert knobs.port.resume(ask("k11")).status == OutcomeStatus.DONE
        assert knobs.effects("k10") == knobs.effects("k11") == 1
        assert knobs.port.status("k11").status == OutcomeStatus.DONE


def test_tmf641_suspends_and_resumes_by_the_services_state(
    fake_tmf641: ProvisioningSystem,
) -> None:
    port = Tmf641Provisioning(fake_tmf641.url, timeout=2)
    port.suspend(ask("k12"))
    port.resume(ask("k13"))
    for key, state in (("k12", "inactive"), ("k13", "active")):
        (item,) = fake_tmf641.orders[key]["serviceOrderItem"]
        assert item["action"] == "modify" and item["service"]["state"] == state
        assert item["service"]["id"] == "prod-1:ss-fibre-access"


def test_tmf641_sends_the_key_the_correlation_id_and_the_credentials(
    fake_tmf641: ProvisioningSystem,
) -> None:
    port = Tmf641Provisioning(fake_tmf641.url, timeout=2, authorization="Bearer s3cret")
    port.activate(dataclasses.replace(ask("k7"), traceparent=TRACE))
    (headers,) = fake_tmf641.headers
    assert headers["Authorization"] == "Bearer s3cret"
    assert headers["traceparent"] == TRACE  # the system's spans can join the order's trace
    assert headers["Idempotency-Key"] == "k7" and headers["X-Correlation-ID"] == "corr-1"
    order = fake_tmf641.orders["k7"]
    (item,) = order["serviceOrderItem"]
    assert item["action"] == "add" and item["service"]["serviceSpecification"]["id"] == (
        "ss-fibre-access"
    )
    assert item["service"]["serviceCharacteristic"] == [{"name": "downloadMbps", "value": 300}]
    assert order["relatedParty"][0]["id"] == "cust-carol"


def test_tmf641_status_queries_carry_the_trace_they_are_asked_in(
    fake_tmf641: ProvisioningSystem,
) -> None:
    from opentelemetry.sdk.trace import TracerProvider

    from core import tracing
    from server import tracing as otel

    port = Tmf641Provisioning(fake_tmf641.url, timeout=2)
    otel.setup(TracerProvider())
    try:
        with tracing.span("fulfil provisioning.activate", TRACE):
            port.status("k15")
    finally:
        tracing.use(None)
    port.status("k16")  # outside a trace: no header
    traced, untraced = fake_tmf641.queries
    assert traced["traceparent"].split("-")[1] == TRACE.split("-")[1]
    assert "traceparent" not in untraced


def test_tmf641_slow_answers_are_unknown_and_work_in_progress_is_reconciled(
    fake_tmf641: ProvisioningSystem,
) -> None:
    port = Tmf641Provisioning(fake_tmf641.url, timeout=0.3)
    fake_tmf641.delay = 1.0
    assert port.activate(ask("k8")).status == OutcomeStatus.UNKNOWN  # timed out waiting
    fake_tmf641.delay = 0
    fake_tmf641.in_progress_polls = 1
    assert port.activate(ask("k9")).status == OutcomeStatus.UNKNOWN  # accepted, not done yet
    assert port.status("k9").status == OutcomeStatus.UNKNOWN
    assert port.status("k9").status == OutcomeStatus.DONE
    assert fake_tmf641.created["k9"] == 1


def test_tmf641_answers_that_break_its_document_are_classified_never_believed(
    fake_tmf641: ProvisioningSystem,
) -> None:
    """Checked against the TMF641 document (openapi-core): a malformed answer to a create
    may hide a done order, so it is unknown and asked again; a malformed status answer tells
    nothing, so the question is asked again later."""
    port = Tmf641Provisioning(fake_tmf641.url, timeout=2)
    fake_tmf641.garble = 2
    done = port.activate(ask("k14"))
    assert done.status == OutcomeStatus.UNKNOWN
    assert "not TMF641" in done.detail and "42 is not of type 'string'" in done.detail
    asked = port.status("k14")
    assert asked.status == OutcomeStatus.RETRYABLE and "is not of type 'array'" in asked.detail
    assert port.status("k14").status == OutcomeStatus.DONE  # the system answers properly now
    assert fake_tmf641.created["k14"] == 1


def test_tmf641_a_system_that_is_not_there_is_retryable() -> None:
    port = Tmf641Provisioning("http://127.0.0.1:9/tmf-api/serviceOrdering/v4", timeout=1)
    assert port.activate(ask("k10")).status == OutcomeStatus.RETRYABLE
    assert port.status("k10").status == OutcomeStatus.RETRYABLE


def test_orders_fulfilled_through_a_flaky_tmf641_system_provision_each_service_once(
    ordering: OrderingService,
    systems: FulfillmentSystems,
    fake_tmf641: ProvisioningSystem,
    order_ctx: RequestContext,
) -> None:
    over_http = dataclasses.replace(
        systems, provisioning=Tmf641Provisioning(fake_tmf641.url, timeout=0.5)
    )
    worker = Orchestrator(ordering.db, over_http, FulfillmentSettings(backoff_seconds=0))
    fake_tmf641.lose_answers = 2  # carried out, the answer lost
    fake_tmf641.refuse += [503, 503]  # busy, nothing done
    placed, _ = ordering.place(
        order(
            "cust-carol", add("1", "po-mobile-s"), add("2", "po-fibre-300", installationAddress="x")
        ),
        order_ctx,
    )
    worker.run_until_idle()
    assert ordering.get(placed.id).state == "completed"
    keys = {k for k in fake_tmf641.orders if k.startswith(placed.id)}
    assert len(keys) == 3  # voice and data for the mobile line, the fibre access
    assert all(fake_tmf641.created[k] == 1 for k in keys)
    posts = [h["Idempotency-Key"] for h in fake_tmf641.headers]
    assert len(posts) == 3 + 2  # each service once, plus the two refused while busy


def test_work_in_progress_at_the_system_is_waited_for_without_spending_attempts(
    ordering: OrderingService,
    systems: FulfillmentSystems,
    fake_tmf641: ProvisioningSystem,
    order_ctx: RequestContext,
) -> None:
    over_http = dataclasses.replace(
        systems, provisioning=Tmf641Provisioning(fake_tmf641.url, timeout=2)
    )
    settings = FulfillmentSettings(backoff_seconds=0, max_attempts=2)
    worker = Orchestrator(ordering.db, over_http, settings)
    fake_tmf641.in_progress_polls = 5  # a field engineer: more checks than attempts allowed
    fibre = add("1", "po-fibre-300", installationAddress="1 Main St")
    placed, _ = ordering.place(order("cust-carol", fibre), order_ctx)
    worker.run_until_idle()
    assert ordering.get(placed.id).state == "completed"
    with ordering.db.uow(write=False) as uow:
        (task,) = [t for t in uow.tasks.of_order(placed.id) if t.port == "provisioning"]
        calls = [a for a in uow.attempts.of_order(placed.id) if a.task_id == task.id]
    assert task.attempts == 0 and task.status == "done"
    assert [c.call for c in calls] == ["operation"] + ["status"] * 6  # 5 in progress, done
    assert fake_tmf641.created[task.id] == 1


def test_a_service_order_notification_hurries_the_waiting_task_once(
    ordering: OrderingService,
    systems: FulfillmentSystems,
    fake_tmf641: ProvisioningSystem,
    order_ctx: RequestContext,
) -> None:
    """The inbox: the notice and its effect commit together; the same eventId again is a no-op."""
    over_http = dataclasses.replace(
        systems, provisioning=Tmf641Provisioning(fake_tmf641.url, timeout=2)
    )
    settings = FulfillmentSettings(backoff_seconds=3600, backoff_cap_seconds=3600)
    worker = Orchestrator(ordering.db, over_http, settings)
    fake_tmf641.in_progress_polls = 100
    placed, _ = ordering.place(
        order("cust-carol", add("1", "po-fibre-300", installationAddress="1 Main St")), order_ctx
    )
    worker.run_until_idle()  # sent; the system works on it; the next poll is an hour away
    with ordering.db.uow(write=False) as uow:
        (task,) = [t for t in uow.tasks.of_order(placed.id) if t.port == "provisioning"]
    assert task.status == "ready" and task.result is not None
    reference = task.result["reference"]
    fake_tmf641.orders[task.id]["state"] = "completed"  # the engineer is done

    notices = ProvisioningNotices(ordering.db, ordering.now)
    notice = {"eventId": "tmf641-e1", "event": {"serviceOrder": {"id": reference}}}
    assert notices.receive(notice) == (True, 1)
    assert notices.receive(notice) == (False, 0)  # a repeat: recorded once, no effect
    worker.run_until_idle()
    assert ordering.get(placed.id).state == "completed"
    assert fake_tmf641.created[task.id] == 1
    with pytest.raises(InvalidRequest):
        notices.receive({"eventId": "e2", "event": {}})

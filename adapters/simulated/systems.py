"""The simulated systems: each call is decided by the seed, each side effect happens once."""

from __future__ import annotations

import time
import uuid

from adapters.simulated.config import Simulation
from adapters.simulated.ledger import REPEAT, Effect, Ledger
from core.ports import FulfillmentSystems, Outcome, OutcomeStatus, TaskRequest


class SimulatedSystem:
    """What every simulated system does with a call; subclasses name the operations."""

    system = ""

    def __init__(self, simulation: Simulation, ledger: Ledger) -> None:
        self.simulation = simulation
        self.ledger = ledger

    def perform(self, operation: str, request: TaskRequest) -> Outcome:
        key = request.idempotency_key
        behaviour = self.simulation.behaviour(self.system, request.offering_id)
        if behaviour.latency_ms:
            time.sleep(behaviour.latency_ms / 1000)
        if behaviour.down:
            return self._answer(key, operation, Outcome(OutcomeStatus.RETRYABLE, "unavailable"))
        earlier, calls = self.ledger.look(self.system, key)
        if earlier is not None:
            self.ledger.record_call(self.system, key, operation, REPEAT)
            return Outcome(OutcomeStatus.DONE, "already done", earlier.reference)
        roll = self.simulation.roll(self.system, key, calls)
        refusal = self.refuse(request)
        if refusal is not None:
            return self._answer(key, operation, Outcome(OutcomeStatus.PERMANENT, refusal))
        if roll < behaviour.permanent_rate:
            return self._answer(key, operation, Outcome(OutcomeStatus.PERMANENT, "rejected"))
        roll -= behaviour.permanent_rate
        if roll < behaviour.retryable_rate:
            return self._answer(key, operation, Outcome(OutcomeStatus.RETRYABLE, "busy"))
        roll -= behaviour.retryable_rate
        reference = f"{self.system}-{uuid.uuid4().hex[:12]}"
        effect = Effect(self.system, key, operation, request.order_id, request.target, reference)
        if roll < behaviour.unknown_rate:
            outcome = Outcome(OutcomeStatus.UNKNOWN, "answer lost")
        else:
            outcome = Outcome(OutcomeStatus.DONE, operation, reference)
        # The effect and its call are recorded together (a concurrent call won: a repeat).
        if not self.ledger.record_effect(effect, time.time(), outcome.status.value):
            done = self.ledger.effect(self.system, key)
            return Outcome(OutcomeStatus.DONE, "already done", done.reference if done else None)
        return outcome

    def refuse(self, request: TaskRequest) -> str | None:
        """A reason this system refuses the request for good, whatever the dice say."""
        return None

    def status(self, idempotency_key: str) -> Outcome:
        behaviour = self.simulation.behaviour(self.system, None)
        if behaviour.down:
            return self._answer(
                idempotency_key, "status", Outcome(OutcomeStatus.RETRYABLE, "unavailable")
            )
        effect = self.ledger.effect(self.system, idempotency_key)
        if effect is None:
            return self._answer(
                idempotency_key, "status", Outcome(OutcomeStatus.NOT_FOUND, "no such request")
            )
        return self._answer(
            idempotency_key,
            "status",
            Outcome(OutcomeStatus.DONE, effect.operation, effect.reference),
        )

    def _answer(self, key: str, call: str, outcome: Outcome) -> Outcome:
        self.ledger.record_call(self.system, key, call, outcome.status.value)
        return outcome


class SimulatedCrm(SimulatedSystem):
    system = "crm"

    def check_customer(self, request: TaskRequest) -> Outcome:
        return self.perform("check_customer", request)

    def refuse(self, request: TaskRequest) -> str | None:
        if not request.customer_id:
            return "the order names no customer (relatedParty with role Customer)"
        if self.simulation.unknown_customer(request.customer_id):
            return f"customer {request.customer_id!r} has no account that can take orders"
        return None


class SimulatedClm(SimulatedSystem):
    system = "clm"

    def create_contract(self, request: TaskRequest) -> Outcome:
        return self.perform("create_contract", request)

    def cancel_contract(self, request: TaskRequest) -> Outcome:
        return self.perform("cancel_contract", request)


class SimulatedProvisioning(SimulatedSystem):
    system = "provisioning"

    def activate(self, request: TaskRequest) -> Outcome:
        return self.perform("activate", request)

    def modify(self, request: TaskRequest) -> Outcome:
        return self.perform("modify", request)

    def deactivate(self, request: TaskRequest) -> Outcome:
        return self.perform("deactivate", request)

    def suspend(self, request: TaskRequest) -> Outcome:
        return self.perform("suspend", request)

    def resume(self, request: TaskRequest) -> Outcome:
        return self.perform("resume", request)


class SimulatedBilling(SimulatedSystem):
    system = "billing"

    def start(self, request: TaskRequest) -> Outcome:
        return self.perform("start", request)

    def change(self, request: TaskRequest) -> Outcome:
        return self.perform("change", request)

    def stop(self, request: TaskRequest) -> Outcome:
        return self.perform("stop", request)

    def pause(self, request: TaskRequest) -> Outcome:
        return self.perform("pause", request)

    def resume(self, request: TaskRequest) -> Outcome:
        return self.perform("resume", request)


def simulated_systems(simulation: Simulation, ledger: Ledger) -> FulfillmentSystems:
    """All four systems simulated, sharing one behaviour and one ledger."""
    return FulfillmentSystems(
        SimulatedCrm(simulation, ledger),
        SimulatedClm(simulation, ledger),
        SimulatedProvisioning(simulation, ledger),
        SimulatedBilling(simulation, ledger),
    )

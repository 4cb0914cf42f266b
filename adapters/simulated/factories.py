"""Entry point factories of the simulated systems (all four share one simulation and ledger)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.simulated.systems import (
    SimulatedBilling,
    SimulatedClm,
    SimulatedCrm,
    SimulatedProvisioning,
)

if TYPE_CHECKING:
    from adapters.registry import AdapterContext


def crm(context: AdapterContext) -> SimulatedCrm:
    return SimulatedCrm(context.simulation, context.ledger)


def clm(context: AdapterContext) -> SimulatedClm:
    return SimulatedClm(context.simulation, context.ledger)


def provisioning(context: AdapterContext) -> SimulatedProvisioning:
    return SimulatedProvisioning(context.simulation, context.ledger)


def billing(context: AdapterContext) -> SimulatedBilling:
    return SimulatedBilling(context.simulation, context.ledger)

"""Simulated CRM, CLM, provisioning and billing: deterministic stand-ins for real systems."""

from adapters.simulated.config import Behaviour, Simulation
from adapters.simulated.ledger import Ledger
from adapters.simulated.systems import (
    SimulatedBilling,
    SimulatedClm,
    SimulatedCrm,
    SimulatedProvisioning,
    simulated_systems,
)

__all__ = [
    "Behaviour",
    "Ledger",
    "SimulatedBilling",
    "SimulatedClm",
    "SimulatedCrm",
    "SimulatedProvisioning",
    "Simulation",
    "simulated_systems",
]

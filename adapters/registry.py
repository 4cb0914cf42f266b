"""Choosing adapters by configuration: an entry point name or a ``module:callable`` path.

Each port has an entry point group (``tmf_adapter.crm``, ``tmf_adapter.clm``,
``tmf_adapter.provisioning``, ``tmf_adapter.billing``); a factory takes the
``AdapterContext`` and returns the adapter. An operator's own package registers its factories
in those groups, or names one by path, and no code of ours changes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import entry_points
from typing import Any

import sqlalchemy as sa

from adapters.simulated import Ledger, Simulation
from adapters.simulated.ledger import MemoryLedger
from core.ports import FulfillmentSystems

PORTS = ("crm", "clm", "provisioning", "billing")
MEMORY = "memory"  # TMF_SIMULATOR_DATABASE_URL value: the simulated systems remember in-process


@dataclass
class AdapterContext:
    """What factories get: the settings for adapters, and the simulation shared by all four."""

    simulator_database_url: str
    simulation_file: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)  # e.g. provisioning_url
    simulator_engine: sa.Engine | None = None  # the server's own database, when shared

    @cached_property
    def simulation(self) -> Simulation:
        return Simulation.from_file(self.simulation_file)

    @cached_property
    def ledger(self) -> Ledger:
        if self.simulator_database_url == MEMORY:
            return MemoryLedger()
        if self.simulator_engine is not None:
            return Ledger(self.simulator_engine)
        return Ledger.at(self.simulator_database_url)


def factory(port: str, name: str) -> Callable[[AdapterContext], Any]:
    """The factory ``name`` for ``port``: a registered entry point, or ``module:callable``."""
    if ":" in name:
        module, _, attribute = name.partition(":")
        try:
            found: Callable[[AdapterContext], Any] = getattr(
                importlib.import_module(module), attribute
            )
        except (ImportError, AttributeError) as error:
            raise ValueError(f"{port} adapter {name!r} cannot be loaded: {error}") from None
        return found
    for entry in entry_points(group=f"tmf_adapter.{port}"):
        if entry.name == name:
            loaded: Callable[[AdapterContext], Any] = entry.load()
            return loaded
    known = sorted(e.name for e in entry_points(group=f"tmf_adapter.{port}"))
    raise ValueError(f"no {port} adapter named {name!r}; registered: {known} (or use module:name)")


def load_systems(choice: Mapping[str, str], context: AdapterContext) -> FulfillmentSystems:
    """The four systems as ``choice`` names them (port -> adapter name)."""
    made = {port: factory(port, choice.get(port, "simulated"))(context) for port in PORTS}
    return FulfillmentSystems(**made)

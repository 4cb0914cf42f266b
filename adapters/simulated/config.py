"""How the simulated systems behave: latency and failure rates, per system and per offering."""

from __future__ import annotations

import hashlib
import json
import pathlib
import threading
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

SYSTEMS = ("crm", "clm", "provisioning", "billing")


class Behaviour(BaseModel):
    """One system's manners. Rates are probabilities per call, decided by the seed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latency_ms: float = Field(0, ge=0)
    retryable_rate: float = Field(0, ge=0, le=1)  # refused, nothing happened, try again later
    permanent_rate: float = Field(0, ge=0, le=1)  # refused for good
    unknown_rate: float = Field(0, ge=0, le=1)  # done, but the answer is lost on the way back
    down: bool = False  # every call, status queries included, fails as retryable

    @model_validator(mode="after")
    def _rates(self) -> Behaviour:
        if self.retryable_rate + self.permanent_rate + self.unknown_rate > 1:
            raise ValueError("retryable_rate + permanent_rate + unknown_rate must not exceed 1")
        return self


class SimulationFile(BaseModel):
    """The file format (YAML or JSON) of ``TMF_SIMULATION_FILE``."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    default: Behaviour = Behaviour()
    systems: dict[str, Behaviour] = {}
    # offering id -> system -> behaviour: e.g. one offering whose provisioning always fails
    offerings: dict[str, dict[str, Behaviour]] = {}
    unknown_customers: list[str] = []

    @model_validator(mode="after")
    def _names(self) -> SimulationFile:
        named = [*self.systems, *(s for by in self.offerings.values() for s in by)]
        wrong = sorted(set(named) - set(SYSTEMS))
        if wrong:
            raise ValueError(f"unknown systems {wrong}; use {list(SYSTEMS)}")
        return self


class Simulation:
    """The behaviour in force; tests change it while orders run (thread-safe)."""

    def __init__(self, config: SimulationFile | None = None) -> None:
        self._config = config or SimulationFile()
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: str | None) -> Simulation:
        if not path:
            return cls()
        text = pathlib.Path(path).read_text("utf-8")
        data: Any = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
        return cls(SimulationFile.model_validate(data or {}))

    @property
    def seed(self) -> int:
        return self._config.seed

    def behaviour(self, system: str, offering_id: str | None) -> Behaviour:
        config = self._config
        by_offering = config.offerings.get(offering_id or "", {})
        return by_offering.get(system) or config.systems.get(system) or config.default

    def unknown_customer(self, customer_id: str | None) -> bool:
        return customer_id in self._config.unknown_customers

    def set(self, system: str, behaviour: Behaviour, offering_id: str | None = None) -> None:
        """Change one system's behaviour (for all offerings, or one)."""
        with self._lock:
            config = self._config.model_copy(deep=True)
            if offering_id is None:
                config.systems[system] = behaviour
            else:
                config.offerings.setdefault(offering_id, {})[system] = behaviour
            self._config = config

    def roll(self, system: str, key: str, call_number: int) -> float:
        """A number in [0, 1) fixed by seed, system, key and call: the same run, the same fate."""
        text = f"{self.seed}:{system}:{key}:{call_number}".encode()
        return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") / 2**64

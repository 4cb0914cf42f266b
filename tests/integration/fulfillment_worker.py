"""A fulfillment worker in its own process, for the crash tests: it works until killed.

Arguments: database URL, PostgreSQL search path (or ''), worker name. Short leases, quick
retries and a little latency, so that kills land in the middle of calls and transactions.
"""

from __future__ import annotations

import sys
import time

from adapters.simulated import Behaviour, Ledger, Simulation, simulated_systems
from adapters.simulated.config import SimulationFile
from core.fulfillment.orchestrator import FulfillmentSettings, Orchestrator
from core.persistence.database import Database

LEASE_SECONDS = 2.0


def main() -> None:
    url, search_path, name = sys.argv[1:4]
    options = {"connect_args": {"options": f"-csearch_path={search_path}"}} if search_path else {}
    db = Database(url, **options)
    simulation = Simulation(
        SimulationFile(seed=11, default=Behaviour(latency_ms=15, unknown_rate=0.1))
    )
    orchestrator = Orchestrator(
        db,
        simulated_systems(simulation, Ledger(db.engine)),
        FulfillmentSettings(
            max_attempts=50, backoff_seconds=0.05, backoff_cap_seconds=0.5,
            lease_seconds=LEASE_SECONDS, batch=4,
        ),
        worker=name,
    )  # fmt: skip
    while True:
        if not orchestrator.run_once():
            time.sleep(0.05)


if __name__ == "__main__":
    main()

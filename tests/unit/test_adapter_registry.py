"""Adapters are chosen by configuration: an entry point name or a module path."""

from __future__ import annotations

import pytest

from adapters.http.tmf641 import Tmf641Provisioning
from adapters.registry import AdapterContext, factory, load_systems
from adapters.simulated import SimulatedCrm, SimulatedProvisioning


def test_entry_point_names_and_module_paths_choose_the_adapter() -> None:
    context = AdapterContext(
        "memory", options={"provisioning_url": "http://prov.example/tmf-api/serviceOrdering/v4"}
    )
    systems = load_systems(
        {"crm": "adapters.simulated.factories:crm", "provisioning": "tmf641"}, context
    )
    assert isinstance(systems.crm, SimulatedCrm)
    assert isinstance(systems.provisioning, Tmf641Provisioning)
    assert systems.provisioning.client.base_url.host == "prov.example"
    assert isinstance(factory("provisioning", "simulated")(context), SimulatedProvisioning)
    # the simulated systems share one simulation and one memory
    assert systems.clm.ledger is systems.billing.ledger  # type: ignore[attr-defined]


def test_a_wrong_choice_says_what_there_is() -> None:
    with pytest.raises(
        ValueError, match=r"no crm adapter named 'sap'; registered: \['simulated'\]"
    ):
        factory("crm", "sap")
    with pytest.raises(ValueError, match="cannot be loaded"):
        factory("crm", "nowhere.module:crm")
    with pytest.raises(ValueError, match="needs TMF_PROVISIONING_URL"):
        factory("provisioning", "tmf641")(AdapterContext("memory"))

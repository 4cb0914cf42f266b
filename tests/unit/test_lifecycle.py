"""The lifecycle state machine: default transitions, spelling, configuration errors."""

from __future__ import annotations

import pytest

from core.catalog.lifecycle import DEFAULT_LIFECYCLE, LifecyclePolicy
from core.errors import Conflict, InvalidRequest


def test_new_entities_start_in_the_first_state() -> None:
    assert DEFAULT_LIFECYCLE.initial == "In Study"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("In Study", "In Design"),
        ("In Test", "Active"),
        ("Active", "Launched"),
        ("Launched", "Retired"),
        ("Retired", "Obsolete"),
    ],
)
def test_allowed_moves(old: str, new: str) -> None:
    DEFAULT_LIFECYCLE.check_transition("productOffering", "x", old, new)


@pytest.mark.parametrize(
    ("old", "new"), [("In Study", "Launched"), ("Obsolete", "Active"), ("Active", "In Design")]
)
def test_illegal_moves_are_conflicts_that_name_the_allowed_ones(old: str, new: str) -> None:
    with pytest.raises(Conflict) as caught:
        DEFAULT_LIFECYCLE.check_transition("productOffering", "x", old, new)
    assert f"from {old!r} to {new!r}" in caught.value.message
    assert "allowed:" in caught.value.message


def test_states_match_case_insensitively_and_unknown_ones_are_refused() -> None:
    assert DEFAULT_LIFECYCLE.canonical("in study") == "In Study"
    with pytest.raises(InvalidRequest, match="not one of"):
        DEFAULT_LIFECYCLE.canonical("Bogus")


def test_stop_sell_is_released_but_not_sellable() -> None:
    assert DEFAULT_LIFECYCLE.is_released("Retired")
    assert "Retired" not in DEFAULT_LIFECYCLE.sellable


def test_a_configured_policy_must_name_its_own_states() -> None:
    with pytest.raises(ValueError, match="unknown states"):
        LifecyclePolicy.from_mapping({"states": ["Draft"], "transitions": {"Draft": ["Live"]}})
    custom = LifecyclePolicy.from_mapping(
        {
            "states": ["Draft", "Live"],
            "transitions": {"Draft": ["Live"]},
            "released": ["Live"],
            "sellable": ["Live"],
        }
    )
    assert custom.initial == "Draft"

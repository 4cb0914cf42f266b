"""Schemathesis against our own app in process: every TMF620 and TMF622 operation, and stateful
sequences."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from conformance.checks import CONTRACT_CHECKS
from conformance.tests.conftest import API, ORDER_API, self_check_app

APP = self_check_app()
SCHEMA = schemathesis.openapi.from_asgi(f"{API}/openapi.json", APP)
ORDER_SCHEMA = schemathesis.openapi.from_asgi(f"{ORDER_API}/openapi.json", APP)

CHECKS = [getattr(checks, name) for name in CONTRACT_CHECKS]


@SCHEMA.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_operation_conforms(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
    case.call_and_validate(checks=CHECKS)


# An order body nests items, products and their relationships deeply: Schemathesis' coverage
# phase over it runs for minutes, so the operations that take a whole order run the examples and
# fuzzing phases only.
WHOLE_ORDERS_SCHEMA = schemathesis.openapi.from_asgi(f"{ORDER_API}/openapi.json", APP)
WHOLE_ORDERS_SCHEMA.config.phases.update(phases=["examples", "fuzzing"])  # its own config
WHOLE_ORDERS = WHOLE_ORDERS_SCHEMA.include(path="/productOrder", method="POST")
ORDER_CHANGES = WHOLE_ORDERS_SCHEMA.include(path="/productOrder/{id}", method="PATCH")
OTHER_ORDERING = ORDER_SCHEMA.exclude(path="/productOrder", method="POST").exclude(
    path="/productOrder/{id}", method="PATCH"
)


@OTHER_ORDERING.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_ordering_operation_conforms(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
    case.call_and_validate(checks=CHECKS)


@WHOLE_ORDERS.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_order_creation_conforms(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
    case.call_and_validate(checks=CHECKS)


@ORDER_CHANGES.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_order_changes_conform(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
    case.call_and_validate(checks=CHECKS)


SEQUENCES = settings(
    max_examples=10,
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


def sequences(schema: Any) -> Any:
    """A unittest case running stateful sequences over ``schema``'s links, contract checks only
    (see conformance/checks.py)."""

    class Checks(schema.as_state_machine()):  # type: ignore[misc]
        def validate_response(self, response, case, additional_checks=None, **kwargs):  # type: ignore[no-untyped-def]
            case.validate_response(response, checks=CHECKS)

    Checks.TestCase.settings = SEQUENCES
    return Checks.TestCase


# Catalog: create -> get -> patch -> list -> delete; orders: create -> get -> patch -> cancel.
TestStatefulSequences = sequences(SCHEMA)
TestOrderingStatefulSequences = sequences(ORDER_SCHEMA)

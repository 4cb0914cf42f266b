"""Schemathesis against our own app in process: every TMF620 operation, and stateful sequences."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from conformance.checks import CONTRACT_CHECKS
from conformance.tests.conftest import API, self_check_app

APP = self_check_app()
SCHEMA = schemathesis.openapi.from_asgi(f"{API}/openapi.json", APP)

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


class StatefulChecks(SCHEMA.as_state_machine()):  # type: ignore[misc]
    """Sequences linked by Location/id (create -> get -> patch -> list -> delete)."""

    def validate_response(self, response, case, additional_checks=None, **kwargs):  # type: ignore[no-untyped-def]
        # The contract checks only (see conformance/checks.py).
        case.validate_response(response, checks=CHECKS)


class TestStatefulSequences(StatefulChecks.TestCase):  # type: ignore[name-defined,misc]
    settings = settings(
        max_examples=10,
        stateful_step_count=6,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )

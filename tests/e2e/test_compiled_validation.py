"""The compiled body check never accepts what connexion's validator refuses, and every refused
body gets the answer it got before (connexion's validator has the last word)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from connexion.json_schema import Draft4RequestValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator
from starlette.testclient import TestClient

from server import compiled_schema, validation
from tests.orders import add, home_bundle, order

API = "/tmf-api/productOrderingManagement/v4"
VALID = [
    order("cust-carol", add("1", "po-mobile-s")),
    order("cust-carol", add("1", "po-mobile-s"), home_bundle("2"), externalId="x-1"),
    order(
        "cust-dave",
        add("1", "po-tv-basic", channelPackage="basic"),
        requestedStartDate="2026-05-01T10:00:00Z",
        note=[{"text": "call first", "date": "2026-04-01T09:00:00.000Z"}],
        category="B2C",
    ),
]
BAD = [
    {"productOrderItem": 5},
    {"productOrderItem": [{"id": "1", "action": 7}]},
    {"productOrderItem": [{"id": 1, "action": "add"}]},
    {"productOrderItem": [], "requestedStartDate": "next tuesday"},
    {"productOrderItem": [{"id": "1", "action": "add", "quantity": "two"}]},
    {"productOrderItem": [{"id": "1", "action": "add", "quantity": 1.5}]},
    {"relatedParty": [{"role": "Customer"}], "productOrderItem": []},
    {"note": [{"date": "2026-13-01T00:00:00Z"}], "productOrderItem": []},
    {"relatedParty": {"id": "x"}},
    [],
    "an order",
]


@pytest.fixture
def create_schema(shop: TestClient, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The body schema connexion hands the validator for createProductOrder."""
    seen: list[dict[str, Any]] = []

    def recording(schema: dict[str, Any], body: Any) -> bool:
        seen.append(schema)
        return compiled_schema.accepts(schema, body)

    monkeypatch.setattr(validation, "accepts", recording)
    assert shop.post(f"{API}/productOrder", json=VALID[0]).status_code == 201
    return seen[-1]


def connexion_accepts(schema: dict[str, Any], body: Any) -> bool:
    validator = Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    return bool(validator.is_valid(body))


def test_valid_orders_take_the_compiled_check(create_schema: dict[str, Any]) -> None:
    for body in VALID:
        assert compiled_schema.accepts(create_schema, body)
        assert connexion_accepts(create_schema, body)
    for body in BAD:
        assert not compiled_schema.accepts(create_schema, body)
        assert not connexion_accepts(create_schema, body)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**64, max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, 1.0, -1, "", "add", "modify", "delete", "noChange", "x"]),
    st.sampled_from(
        [
            "2026-05-01T10:00:00Z",
            "2026-05-01T10:00:00.000+02:00",
            "2026-05-01 10:00:00Z",
            "2026-05-01t10:00:00z",
            "2026-02-30T10:00:00Z",
            "2026-05-01T24:00:00Z",
            "2026-05-01T23:59:60Z",
            "2026-05-01",
            "http://example.com/x",
            "urn:x:y",
            "relative/path",
            "http://exa mple.com",
            "http://ex\u00e4mple.com/\u00fc",
            "mailto:a@b",
            ":",
        ]
    ),
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "action", "quantity", "href", "@type", "value", "x"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A valid order with one to three of its values (or new attributes) replaced."""
    body = copy.deepcopy(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(body)))
        value = draw(VALUES)
        if not path:
            return value
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()):
            names = ["requestedStartDate", "requestedCompletionDate", "href", "priority"]
            parent[draw(st.sampled_from(names))] = value  # a new attribute
        else:
            parent[path[-1]] = value
    return body


@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=mutated())
def test_the_compiled_check_never_accepts_what_connexion_refuses(
    create_schema: dict[str, Any], body: Any
) -> None:
    if compiled_schema.accepts(create_schema, body):
        assert connexion_accepts(create_schema, body), json.dumps(body)


def test_refused_bodies_get_the_answer_they_got_before(
    shop: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def post(body: Any) -> tuple[int, Any]:
        response = shop.post(f"{API}/productOrder", json=body)
        return response.status_code, response.json()

    answers = [post(body) for body in BAD]
    assert all(status == 400 for status, _ in answers)
    monkeypatch.setattr(validation, "accepts", lambda schema, body: False)  # connexion only
    assert [post(body) for body in BAD] == answers

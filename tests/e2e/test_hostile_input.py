"""What a hostile client sends is a 4xx TMF Error on every back end, never a 500, and nothing
is written for it."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from core.persistence.database import Database
from server.validation import MAX_DEPTH
from tests.e2e.conftest import API, make_client
from tests.e2e.test_tmf620_http import assert_error

ORDERING = "/tmf-api/productOrderingManagement/v4"
CAROL = {"id": "cust-carol", "role": "Customer", "@referredType": "Individual"}
ORDER = {
    "relatedParty": [CAROL],
    "productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": "po-mobile-s"}}],
}


def rows(db: Database, table: str) -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_a_long_correlation_id_is_replaced_and_the_replacement_reported(
    shop: TestClient, shop_db: Database
) -> None:
    sent = "x" * 3000
    response = shop.post(f"{ORDERING}/productOrder", json=ORDER, headers={"X-Correlation-ID": sent})
    assert response.status_code == 201, response.text
    given = response.headers["x-correlation-id"]
    assert given != sent and 0 < len(given) <= 128
    with shop_db.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT correlation_id FROM outbox")).scalars().all()
    assert stored and set(stored) == {given}


@pytest.mark.parametrize("sent", [b"a b", b"<script>", "id\u00e9".encode()])
def test_a_correlation_id_outside_the_safe_characters_is_replaced(
    shop: TestClient, sent: bytes
) -> None:
    response = shop.get(f"{ORDERING}/productOrder", headers={"X-Correlation-ID": sent})
    assert response.status_code == 200
    assert response.headers["x-correlation-id"].encode() != sent


def test_a_safe_correlation_id_is_kept(shop: TestClient) -> None:
    response = shop.get(f"{ORDERING}/productOrder", headers={"X-Correlation-ID": "crm-42:a/b"})
    assert response.headers["x-correlation-id"] == "crm-42:a/b"


def test_an_idempotency_key_past_255_characters_is_a_400(
    shop: TestClient, shop_db: Database
) -> None:
    response = shop.post(
        f"{ORDERING}/productOrder", json=ORDER, headers={"Idempotency-Key": "k" * 3000}
    )
    assert_error(response, 400, "Idempotency-Key")
    assert rows(shop_db, "product_order") == 0
    fits = shop.post(f"{ORDERING}/productOrder", json=ORDER, headers={"Idempotency-Key": "k" * 255})
    assert fits.status_code == 201, fits.text


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_anywhere_in_a_body_are_a_400(
    client: TestClient, db: Database, constant: str
) -> None:
    body = (
        '{"name": "Speed", "productSpecCharacteristic": [{"name": "down", "valueType": "number",'
        ' "productSpecCharacteristicValue": [{"value": ' + constant + "}]}]}"
    )
    response = client.post(
        f"{API}/productSpecification", content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, 400, constant)
    assert rows(db, "catalog_entity") == 0


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1" * 5000])
def test_numbers_no_store_can_keep_are_a_400(client: TestClient, db: Database, number: str) -> None:
    body = '{"name": "Speed", "productSpecCharacteristic": [{"name": "down", "valueType": '
    body += '"number", "productSpecCharacteristicValue": [{"value": ' + number + "}]}]}"
    response = client.post(
        f"{API}/productSpecification", content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "number")
    assert rows(db, "catalog_entity") == 0


def test_a_body_past_the_limit_is_a_413_before_it_is_read(client: TestClient) -> None:
    big = json.dumps({"name": "x", "description": "d" * (2 * 1024 * 1024)})
    response = client.post(
        f"{API}/category", content=big, headers={"content-type": "application/json"}
    )
    assert_error(response, 413, "larger than")


def test_a_chunked_body_past_the_limit_is_refused(client: TestClient) -> None:
    """Without Content-Length connexion reads no body at all (400); the guard's bounded
    receive is proven on its own in tests/unit/test_request_guard.py."""

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"name": "x", "description": "'
        for _ in range(40):
            yield b"d" * 65536
        yield b'"}'

    response = client.post(
        f"{API}/category", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code in (400, 413)
    assert_error(response, response.status_code)


def test_the_body_limit_is_a_setting(db: Database) -> None:
    with make_client(db, TMF_MAX_BODY_BYTES=2048, TMF_RUN_JOBS=False) as small:
        body = {"name": "x", "description": "d" * 3000}
        assert_error(small.post(f"{API}/category", json=body), 413)
        assert small.post(f"{API}/category", json={"name": "x"}).status_code == 201


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_a_body_nested_too_deep_is_a_400(client: TestClient, db: Database, depth: int) -> None:
    body = '{"name": "deep", "description": "d", "x": ' + "[" * depth + "]" * depth + "}"
    response = client.post(
        f"{API}/category", content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "nested deeper")
    assert rows(db, "catalog_entity") == 0


def test_nesting_up_to_the_limit_is_read(client: TestClient) -> None:
    depth = MAX_DEPTH - 1  # the object around it is one level
    body = '{"name": "deep", "x": ' + "[" * depth + "]" * depth + "}"
    response = client.post(
        f"{API}/category", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text


def test_a_name_given_twice_in_one_object_is_a_400(client: TestClient, db: Database) -> None:
    body = '{"name": "a", "lifecycleStatus": "In Study", "name": "b"}'
    response = client.post(
        f"{API}/category", content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "'name' is given twice")
    assert rows(db, "catalog_entity") == 0


@pytest.mark.parametrize("value", ["a%01b", "%7F", "x%0Ay", "tab%09"])
def test_query_values_with_control_characters_are_a_400(client: TestClient, value: str) -> None:
    response = client.get(f"{API}/category?name={value}")
    assert_error(response, 400, "control character")


def test_header_values_with_control_characters_are_a_400(client: TestClient) -> None:
    response = client.get(f"{API}/category", headers={"X-Anything": "a\x01b"})
    assert_error(response, 400, "control character")


def test_every_answer_has_the_security_headers(client: TestClient) -> None:
    for response in (client.get(f"{API}/category"), client.get(f"{API}/category/nope")):
        assert response.headers["x-content-type-options"] == "nosniff"


def test_cors_is_off_unless_origins_are_listed(client: TestClient, db: Database) -> None:
    preflight = {"Origin": "https://portal.example", "Access-Control-Request-Method": "POST"}
    answer = client.options(f"{API}/category", headers=preflight)
    assert "access-control-allow-origin" not in answer.headers
    plain = client.get(f"{API}/category", headers={"Origin": "https://portal.example"})
    assert "access-control-allow-origin" not in plain.headers
    with make_client(db, TMF_CORS_ORIGINS="https://portal.example", TMF_RUN_JOBS=False) as cors:
        answer = cors.options(f"{API}/category", headers=preflight)
        assert answer.headers["access-control-allow-origin"] == "https://portal.example"
        other = cors.get(f"{API}/category", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_an_integer_past_exact_json_range_is_a_400_not_a_fingerprint(
    shop: TestClient, shop_db: Database
) -> None:
    body = {**ORDER, "productOrderItem": [{**ORDER["productOrderItem"][0], "quantity": 2**60}]}  # type: ignore[dict-item]
    assert_error(shop.post(f"{ORDERING}/productOrder", json=body), 400, "2**53")
    assert rows(shop_db, "product_order") == 0


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "a\\ud800b"}',
        '{"name": "ok", "description": "\\uDFFF"}',
        '{"\\ud83d": 1, "name": "x"}',
    ],
)
def test_an_unpaired_surrogate_is_a_400(client: TestClient, db: Database, body: str) -> None:
    response = client.post(
        f"{API}/category", content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, 400, "unpaired surrogate")
    assert rows(db, "catalog_entity") == 0


def test_a_paired_surrogate_escape_is_text(client: TestClient) -> None:
    body = '{"name": "smile \\ud83d\\ude00"}'
    response = client.post(
        f"{API}/category", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 201 and response.json()["name"] == "smile \U0001f600"

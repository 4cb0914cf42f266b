"""TMF620 over HTTP as a BSS client calls it: status codes, headers, bodies, errors."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from core.persistence import compiled
from tests.e2e.conftest import API

ERROR_KEYS = {"code", "reason", "message", "status", "@type"}


def assert_error(response, status: int, fragment: str = "") -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) >= ERROR_KEYS and body["@type"] == "Error" and body["status"] == str(status)
    assert fragment in body["message"], body["message"]
    return body  # type: ignore[no-any-return]


def test_create_returns_201_location_and_the_resource(client: TestClient) -> None:
    response = client.post(f"{API}/productSpecification", json={"name": "Fibre"})
    assert response.status_code == 201
    body = response.json()
    assert (
        response.headers["location"]
        == body["href"]
        == f"http://testserver{API}/productSpecification/{body['id']}"
    )
    fetched = client.get(response.headers["location"])
    assert fetched.status_code == 200 and fetched.json() == body
    assert fetched.headers["etag"] == response.headers["etag"]
    renamed = client.patch(response.headers["location"], json={"name": "Fibre 2"})
    assert renamed.headers["etag"] not in (response.headers["etag"], "")


def test_postman_style_minimal_flow_in_lenient(lenient_client: TestClient) -> None:
    """Minimal payloads, plain-JSON PATCH, foreign references, DELETE with a JSON content type."""
    created = lenient_client.post(
        f"{API}/productOffering",
        json={
            "name": "Partner offer",
            "lifecycleStatus": "Active",
            "productSpecification": {"id": "ext-42"},
        },
    )
    assert created.status_code == 201, created.text
    oid = created.json()["id"]
    patched = lenient_client.patch(
        f"{API}/productOffering/{oid}",
        json={"description": "d"},
        headers={"content-type": "application/json"},
    )
    assert patched.status_code == 200 and patched.json()["description"] == "d"
    listed = lenient_client.get(
        f"{API}/productOffering",
        params={"name": "Partner offer"},
        headers={"content-type": "application/json"},
    )
    assert listed.status_code == 200 and [o["id"] for o in listed.json()] == [oid]
    deleted = lenient_client.delete(
        f"{API}/productOffering/{oid}", headers={"content-type": "application/json"}
    )
    assert deleted.status_code == 204 and deleted.content == b""
    assert_error(lenient_client.get(f"{API}/productOffering/{oid}"), 404, oid)


def test_list_headers_and_partial_pages(demo_client: TestClient) -> None:
    full = demo_client.get(f"{API}/productOffering")
    assert full.status_code == 200
    assert full.headers["x-total-count"] == full.headers["x-result-count"] == "11"
    page = demo_client.get(
        f"{API}/productOffering", params={"limit": 4, "offset": 4, "sort": "-name"}
    )
    assert page.status_code == 206
    assert (page.headers["x-total-count"], page.headers["x-result-count"]) == ("11", "4")
    names = [o["name"] for o in page.json()]
    assert names == sorted(names, reverse=True)


def test_a_list_answered_on_the_event_loop_is_the_same_answer(
    demo_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A list known to be quick is answered without the thread pool; once the catalog changes,
    the count is taken again there."""
    monkeypatch.setattr(compiled, "QUICK_SECONDS", 3600.0)
    query = {"lifecycleStatus": "Launched", "sort": "name", "limit": 3, "fields": "name"}
    first = demo_client.get(f"{API}/category", params=query)  # counted in the thread pool
    service = demo_client.app.container.catalog  # type: ignore[attr-defined]
    counted = service.get_all
    monkeypatch.setattr(service, "get_all", lambda *_: pytest.fail("not the quick path"))
    again = demo_client.get(f"{API}/category", params=query)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["x-total-count"] == first.headers["x-total-count"] == "4"
    monkeypatch.setattr(service, "get_all", counted)
    created = demo_client.post(
        f"{API}/category", json={"name": "AAA", "lifecycleStatus": "Launched"}
    )
    assert created.status_code == 201
    changed = demo_client.get(f"{API}/category", params=query)
    assert changed.headers["x-total-count"] == "5"
    assert changed.json()[0]["name"] == "AAA"


def test_fields_projection(demo_client: TestClient) -> None:
    body = demo_client.get(
        f"{API}/productOffering", params={"fields": "name", "id": "po-mobile-s"}
    ).json()
    assert body == [
        {
            "id": "po-mobile-s",
            "href": f"http://testserver{API}/productOffering/po-mobile-s",
            "name": "Mobile S",
        }
    ]
    only = demo_client.get(f"{API}/productOffering/po-mobile-s", params={"fields": "none"}).json()
    assert set(only) == {"id", "href"}


def test_filters_on_nested_arrays_and_operators(demo_client: TestClient) -> None:
    response = demo_client.get(
        f"{API}/productOffering",
        params={"lifecycleStatus": "Launched", "productOfferingPrice.id": "pop-mobile-roaming"},
    )
    assert sorted(o["id"] for o in response.json()) == ["po-mobile-l", "po-mobile-s"]
    dated = demo_client.get(
        f"{API}/productOffering?validFor.startDateTime[gt]=2026-06-01T00:00:00Z"
    )
    assert dated.status_code == 200 and dated.json() == []


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("colour=red", "no attribute 'colour'"),
        ("limit=5000", "between 0 and 1000"),
        ("offset=x", "offset"),
        ("sort=nope", "nope"),
    ],
)
def test_bad_queries_are_400(demo_client: TestClient, query: str, fragment: str) -> None:
    assert_error(demo_client.get(f"{API}/productOffering?{query}"), 400, fragment)


def test_patch_formats_and_new_versions(demo_client: TestClient) -> None:
    merge = demo_client.patch(
        f"{API}/productOffering/po-tv-basic",
        json={"description": "90 channels"},
        headers={"content-type": "application/merge-patch+json"},
    )
    assert merge.status_code == 200 and merge.json()["version"] == "1.1"
    json_patch = demo_client.patch(
        f"{API}/productOffering/po-tv-basic",
        json=[
            {"op": "replace", "path": "/description", "value": "100 channels"},
            {"op": "add", "path": "/version", "value": "2.0"},
        ],
        headers={"content-type": "application/json-patch+json"},
    )
    assert json_patch.status_code == 200 and json_patch.json()["version"] == "2.0"
    versions = demo_client.get(
        f"{API}/productOffering",
        params={"id": "po-tv-basic", "version": "1.0,1.1,2.0", "fields": "version,description"},
    )
    assert sorted(v["version"] for v in versions.json()) == ["1.0", "1.1", "2.0"]


def test_server_owned_and_state_rules_over_http(demo_client: TestClient) -> None:
    assert_error(
        demo_client.patch(f"{API}/productOffering/po-tv-basic", json={"id": "x"}),
        400,
        "id is set by the server",
    )
    assert_error(
        demo_client.post(f"{API}/category", json={"name": "c", "id": "mine"}),
        400,
        "id is set by the server",
    )
    assert_error(
        demo_client.patch(
            f"{API}/productOffering/po-tv-basic", json={"lifecycleStatus": "In Design"}
        ),
        409,
        "cannot move",
    )
    assert_error(
        demo_client.patch(f"{API}/productOffering/po-tv-basic", json={"lifecycleStatus": "Nope"}),
        400,
        "not one of",
    )


def test_if_match_and_etag(demo_client: TestClient) -> None:
    etag = demo_client.get(f"{API}/category/cat-tv").headers["etag"]
    assert_error(
        demo_client.patch(
            f"{API}/category/cat-tv", json={"description": "x"}, headers={"if-match": '"stale"'}
        ),
        412,
    )
    ok = demo_client.patch(
        f"{API}/category/cat-tv", json={"description": "x"}, headers={"if-match": etag}
    )
    assert ok.status_code == 200 and ok.headers["etag"] != etag


def test_a_released_entity_is_a_409_on_delete_and_stays(demo_client: TestClient) -> None:
    url = f"{API}/productOffering/po-mobile-s"
    body = assert_error(demo_client.delete(url), 409, "retire it instead")
    assert body["reason"] == "Released entity"
    assert demo_client.get(url).status_code == 200
    draft = demo_client.post(f"{API}/category", json={"name": "Draft"}).json()
    assert demo_client.delete(f"{API}/category/{draft['id']}").status_code == 204
    assert_error(demo_client.get(f"{API}/category/{draft['id']}"), 404)


def test_schema_violation_names_the_field(client: TestClient) -> None:
    assert_error(client.post(f"{API}/productOffering", json={"name": 5}), 400, "name")
    assert_error(
        client.post(f"{API}/productOffering", json={"description": "no name"}), 400, "name"
    )
    assert_error(
        client.post(
            f"{API}/productOffering", json={"name": "n", "validFor": {"startDateTime": "tomorrow"}}
        ),
        400,
        "validFor",
    )


def test_malformed_bodies_are_400_never_500(client: TestClient) -> None:
    headers = {"content-type": "application/json"}
    assert_error(client.post(f"{API}/category", content=b"{bad", headers=headers), 400)
    assert_error(
        client.post(
            f"{API}/category", content='{"name":"\xe9"}'.encode("latin-1"), headers=headers
        ),
        400,
        "UTF-8",
    )
    assert_error(client.post(f"{API}/category", content=b"", headers=headers), 400)
    assert_error(client.post(f"{API}/category", content=b"[1,2]", headers=headers), 400)
    assert_error(
        client.patch(
            f"{API}/category/x",
            content=b"[]",
            headers={"content-type": "application/json-patch+json"},
        ),
        404,
    )


def test_nul_characters_are_400_on_every_back_end_and_nothing_is_written(
    client: TestClient,
) -> None:
    """PostgreSQL cannot store U+0000: refused as the client's error everywhere, never a 500."""
    json_types = {"content-type": "application/json"}
    assert_error(
        client.post(f"{API}/category", content=b'{"name":"a\\u0000b"}', headers=json_types),
        400,
        "NUL",
    )
    assert_error(
        client.post(f"{API}/category", content=b'{"name":"x","e\\u0000":1}', headers=json_types),
        400,
        "NUL",
    )
    assert client.get(f"{API}/category").json() == []
    created = client.post(f"{API}/category", json={"name": "Gadgets"}).json()
    patch = b'{"description":"a\\u0000"}'
    merge = {"content-type": "application/merge-patch+json"}
    assert_error(
        client.patch(f"{API}/category/{created['id']}", content=patch, headers=merge), 400, "NUL"
    )
    assert "description" not in client.get(f"{API}/category/{created['id']}").json()
    assert_error(client.get(f"{API}/category/a%00b"), 400, "NUL")
    assert_error(client.get(f"{API}/category?name=a%00b"), 400, "NUL")
    assert_error(client.get(f"{API}/category?fields=name%00"), 400, "NUL")
    # A backslash before "u0000" is text, not a NUL: it is kept as it is.
    kept = client.post(f"{API}/category", content=b'{"name":"a\\\\u0000"}', headers=json_types)
    assert kept.status_code == 201 and kept.json()["name"] == "a\\u0000"


def test_wrong_method_is_405_with_allow(client: TestClient) -> None:
    body = assert_error(client.put(f"{API}/productOffering/abc", json={}), 405)
    assert "PATCH" in body["message"]
    response = client.put(f"{API}/productOffering/abc", json={})
    assert response.headers["allow"] == "DELETE, GET, PATCH"
    assert client.put(f"{API}/productOffering", json={}).headers["allow"] == "GET, POST"


def test_unsupported_media_type_is_415(client: TestClient) -> None:
    assert_error(
        client.post(f"{API}/category", content=b"name=x", headers={"content-type": "text/plain"}),
        415,
    )


def test_json_is_utf8_not_ascii_escaped_and_charset_is_accepted(client: TestClient) -> None:
    response = client.post(
        f"{API}/category",
        content='{"name":"Télévision"}'.encode(),
        headers={"content-type": "application/json;charset=utf-8"},
    )
    assert response.status_code == 201
    assert "Télévision".encode() in response.content


def test_correlation_id_is_echoed(client: TestClient) -> None:
    response = client.post(
        f"{API}/category", json={"name": "c"}, headers={"X-Correlation-ID": "abc-123"}
    )
    assert response.headers["x-correlation-id"] == "abc-123"
    assert client.get(f"{API}/category").headers["x-correlation-id"]


def test_unknown_path_is_a_tmf_404(client: TestClient) -> None:
    assert_error(client.get(f"{API}/nothingHere"), 404)


def test_public_base_url_sets_hrefs(db) -> None:  # type: ignore[no-untyped-def]
    from tests.e2e.conftest import make_client

    with make_client(db, TMF_PUBLIC_BASE_URL="https://api.example.com/") as proxied:
        body = proxied.post(f"{API}/category", json={"name": "c"}).json()
    assert body["href"].startswith(f"https://api.example.com{API}/category/")


def test_swagger_ui_is_served(client: TestClient) -> None:
    assert client.get(f"{API}/docs/").status_code == 200
    assert client.get(f"{API}/openapi.json").json()["info"]["title"].startswith("TMF620")


def test_numbers_beyond_64_bits_round_trip(client: TestClient) -> None:
    huge = -3668679337017514300573961158656
    spec = {"name": "big", "productSpecCharacteristic": [{"name": "x", "maxCardinality": huge}]}
    created = client.post(f"{API}/productSpecification", json=spec)
    assert created.status_code == 201, created.text
    fetched = client.get(created.headers["location"]).json()
    assert fetched["productSpecCharacteristic"][0]["maxCardinality"] == huge

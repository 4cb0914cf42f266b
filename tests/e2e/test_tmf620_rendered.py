"""List answers kept rendered per catalog generation: sent again byte for byte while the catalog
is unchanged, never once it changed, whichever process changed it."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from core.catalog.service import CatalogService
from core.persistence.database import Database
from tests.e2e.conftest import API, make_client

QUERY = {"lifecycleStatus": "Launched", "sort": "name", "limit": 3}


def _counted_reads(service: CatalogService, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The page reads made from now on, by name (answers kept rendered need none)."""
    reads: list[str] = []
    for name in ("get_all", "quick_page"):
        read = getattr(service, name)

        def counted(*args: Any, read: Any = read, name: str = name) -> Any:
            reads.append(name)
            return read(*args)

        monkeypatch.setattr(service, name, counted)
    return reads


def test_a_rendered_list_is_sent_again_until_another_process_changes_the_catalog(
    demo: CatalogService, db: Database, demo_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = demo_client.get(f"{API}/category", params=QUERY)
    assert first.status_code == 206 and first.headers["x-total-count"] == "4"
    service = demo_client.app.container.catalog  # type: ignore[attr-defined]
    with monkeypatch.context() as patched:
        reads = _counted_reads(service, patched)
        again = demo_client.get(f"{API}/category", params=QUERY)
        assert reads == []
        assert again.content == first.content
        assert again.status_code == 206
        assert (again.headers["x-total-count"], again.headers["x-result-count"]) == ("4", "3")
        assert again.headers["x-correlation-id"] != first.headers["x-correlation-id"]
    with make_client(db) as other:  # another process: its own rendered answers
        created = other.post(f"{API}/category", json={"name": "AAA", "lifecycleStatus": "Launched"})
        assert created.status_code == 201
    changed = demo_client.get(f"{API}/category", params=QUERY)
    assert changed.headers["x-total-count"] == "5"
    assert changed.json()[0]["name"] == "AAA"


def test_answers_differ_by_the_address_asked_and_the_fields(demo_client: TestClient) -> None:
    url = f"{API}/productOffering"
    for host in ("one.example", "two.example", "one.example"):
        body = demo_client.get(url, params={"id": "po-mobile-s"}, headers={"host": host}).json()
        assert body[0]["href"] == f"http://{host}{API}/productOffering/po-mobile-s"
    whole = demo_client.get(url, params={"id": "po-mobile-s"}).json()
    named = demo_client.get(url, params={"id": "po-mobile-s", "fields": "name"}).json()
    assert set(named[0]) == {"id", "href", "name"} and len(whole[0]) > len(named[0])
    assert demo_client.get(url, params={"id": "po-mobile-s"}).json() == whole


def test_a_bad_query_is_refused_however_often_a_good_one_was_answered(
    demo_client: TestClient,
) -> None:
    for _ in range(2):
        assert demo_client.get(f"{API}/category", params=QUERY).status_code == 206
    refused = demo_client.get(f"{API}/category", params={**QUERY, "colour": "red"})
    assert refused.status_code == 400 and "colour" in refused.json()["message"]

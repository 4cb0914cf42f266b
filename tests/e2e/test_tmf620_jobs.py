"""Import and export jobs over HTTP: asynchronous, all-or-nothing, files kept where allowed."""

from __future__ import annotations

import json
import pathlib
import time

from starlette.testclient import TestClient

from tests.e2e.conftest import API


def finished(client: TestClient, href: str, timeout: float = 15.0) -> dict:  # type: ignore[type-arg]
    """Poll a job until it is Succeeded or Failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(href).json()
        if job["status"] in ("Succeeded", "Failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"job {href} did not finish: {job}")


def run_import(
    client: TestClient,
    file_dirs: dict[str, str],
    name: str,
    entries: list[dict],  # type: ignore[type-arg]
) -> dict:  # type: ignore[type-arg]
    """Write a catalog file into the import directory, import it, wait for the outcome."""
    folder = pathlib.Path(file_dirs["TMF_IMPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(entries))
    created = client.post(f"{API}/importJob", json={"url": f"file:{name}"})
    return finished(client, created.headers["location"])


def test_export_a_filtered_part_of_the_catalog(demo_client: TestClient) -> None:
    created = demo_client.post(
        f"{API}/exportJob",
        json={
            "url": "https://example.com/ignored.json",
            "path": "/productOffering",
            "query": "isBundle=true",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "Not Started"
    job = finished(demo_client, created.headers["location"])
    assert job["status"] == "Succeeded", job
    assert job["completionDate"].endswith("Z")
    content = demo_client.get(job["url"]).json()
    assert [e["id"] for e in content] == ["po-home-bundle", "po-tv-pack"]


def test_export_then_import_round_trips_unchanged(demo_client: TestClient) -> None:
    export = finished(
        demo_client,
        demo_client.post(
            f"{API}/exportJob", json={"url": "https://example.com/ignored.json"}
        ).headers["location"],
    )
    assert len(demo_client.get(export["url"]).json()) == 37  # every entity of the demo catalog
    imported = demo_client.post(f"{API}/importJob", json={"url": export["url"]})
    job = finished(demo_client, imported.headers["location"])
    assert job["status"] == "Succeeded", job
    assert demo_client.get(f"{API}/productOffering/po-mobile-s").json()["version"] == "1.0"


def test_import_from_the_import_directory_applies_every_rule(
    client: TestClient, file_dirs: dict[str, str]
) -> None:
    entries = [
        {
            "kind": "productOffering",
            "id": "imp-offer",
            "document": {"name": "Imported", "productSpecification": {"id": "imp-spec"}},
        },
        {"kind": "productSpecification", "id": "imp-spec", "document": {"name": "Imported spec"}},
    ]
    job = run_import(client, file_dirs, "good.json", entries)
    assert job["status"] == "Succeeded", job
    assert (
        client.get(f"{API}/productOffering/imp-offer").json()["productSpecification"]["id"]
        == "imp-spec"
    )


def test_a_failing_import_applies_nothing_and_names_each_problem(
    client: TestClient, file_dirs: dict[str, str]
) -> None:
    entries = [
        {"kind": "category", "id": "fine", "document": {"name": "Fine"}},
        {
            "kind": "productOffering",
            "id": "broken",
            "document": {"name": "B", "productSpecification": {"id": "nowhere"}},
        },
        {
            "kind": "category",
            "id": "bad-state",
            "document": {"name": "C", "lifecycleStatus": "Nope"},
        },
    ]
    job = run_import(client, file_dirs, "bad.json", entries)
    assert job["status"] == "Failed"
    assert "productOffering broken" in job["errorLog"] and "category bad-state" in job["errorLog"]
    assert client.get(f"{API}/category/fine").status_code == 404


def test_imports_only_read_where_they_are_allowed(client: TestClient) -> None:
    for url in (
        "file:../../etc/passwd",
        "file:///etc/passwd",
        "http://169.254.169.254/latest",
        "ftp://x/y",
    ):
        job = finished(
            client, client.post(f"{API}/importJob", json={"url": url}).headers["location"]
        )
        assert job["status"] == "Failed", (url, job)
    assert "not in TMF_IMPORT_ALLOWED_HOSTS" in job["errorLog"] or "scheme" in job["errorLog"]


def test_job_requests_that_could_never_run_are_400(client: TestClient) -> None:
    assert (
        client.post(
            f"{API}/exportJob", json={"url": "https://example.com/ignored.json", "path": "/nothing"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"{API}/exportJob",
            json={
                "url": "https://example.com/ignored.json",
                "path": "/productOffering",
                "query": "colour=red",
            },
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"{API}/importJob",
            json={"url": "https://example.com/ignored.json", "status": "Succeeded"},
        ).status_code
        == 400
    )
    assert client.post(f"{API}/importJob", json={}).status_code == 400
    assert client.post(f"{API}/importJob", json={"url": "not a uri"}).status_code == 400


def test_jobs_list_filter_and_delete(demo_client: TestClient) -> None:
    href = demo_client.post(
        f"{API}/exportJob", json={"url": "https://example.com/ignored.json", "path": "catalog"}
    ).headers["location"]
    finished(demo_client, href)
    listed = demo_client.get(f"{API}/exportJob", params={"status": "Succeeded"})
    assert listed.status_code == 200 and href.rsplit("/", 1)[1] in [j["id"] for j in listed.json()]
    assert demo_client.delete(href).status_code == 204
    assert demo_client.get(href).status_code == 404
    assert demo_client.delete(href).status_code == 404

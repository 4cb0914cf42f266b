"""The server as an operator runs it: JSON logs of a tour, and metrics under two processes."""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import time
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.server import PG_URL, serving

ORDERING = "/tmf-api/productOrderingManagement/v4"
CATALOG = "/tmf-api/productCatalogManagement/v4"
INVENTORY = "/tmf-api/productInventory/v4"
SECRETS = ("marker-secret-42", "marker-auth-43", "marker-token-44", "marker-body-45")
JSON_LOGS = {
    "TMF_LOG_FORMAT": "json",
    "TMF_PROVISIONING_CLIENT_SECRET": SECRETS[0],
    "TMF_PROVISIONING_AUTHORIZATION": f"Basic {SECRETS[1]}",
}


def records(log: pathlib.Path) -> list[dict[str, Any]]:
    """Every line the server wrote, each of which must be one JSON object."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def test_a_tour_logs_one_json_access_line_per_request_and_nothing_secret(
    tmp_path: pathlib.Path,
) -> None:
    settings = {**JSON_LOGS, "TMF_INVENTORY_WRITES": "on", "TMF_DEVELOPMENT_MODE": "true"}
    order = {
        "relatedParty": [{"id": "cust-carol", "role": "customer", "@referredType": "Individual"}],
        "note": [{"text": SECRETS[3]}],
        "productOrderItem": [
            {"id": "1", "action": "add", "productOffering": {"id": "po-mobile-s"}}
        ],
    }
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"{CATALOG}/productOffering?fields=name&limit=3", {}),
        ("GET", f"{CATALOG}/productOffering/po-mobile-s", {}),
        ("POST", f"{ORDERING}/productOrder", {"json": order}),
        ("GET", f"{ORDERING}/productOrder/{{order}}", {}),
        ("GET", f"{ORDERING}/productOrder/no-such-order", {}),
        ("GET", f"{CATALOG}/productOffering?colour=red", {}),
        ("GET", f"{INVENTORY}/product?relatedParty.id=cust-alice&fields=name", {}),
        (
            "PATCH",
            f"{INVENTORY}/product/prod-alice-router",
            {
                "json": {"description": SECRETS[3]},
                "headers": {"X-Actor-Id": "ops-jane", "X-Correction-Reason": "tour fix"},
            },
        ),
        ("GET", "/nowhere/at/all", {}),
        ("GET", "/ready", {}),
        ("GET", "/metrics", {}),
    ]
    answers: dict[str, httpx.Response] = {}
    with serving("sqlite", tmp_path, settings) as root:
        order_id = ""
        for n, (method, path, options) in enumerate(steps):
            headers = {
                "X-Correlation-ID": f"tour-{n}",
                "Authorization": f"Bearer {SECRETS[2]}",
                **options.pop("headers", {}),
            }
            url = root + path.replace("{order}", order_id)
            answer = httpx.request(method, url, headers=headers, timeout=30, **options)
            answers[f"tour-{n}"] = answer
            if method == "POST":
                order_id = answer.json()["id"]
        unsafe = httpx.get(f"{root}/health", headers={"X-Correlation-ID": "no spaces, please"})
    log = tmp_path / "server.log"
    text = log.read_text()
    found = records(log)  # every line is JSON
    for secret in SECRETS:
        assert secret not in text
    access = [r for r in found if r["logger"] == "tmf.access"]
    for correlation_id, answer in answers.items():
        assert answer.headers["x-correlation-id"] == correlation_id
        (line,) = [r for r in access if r["correlation_id"] == correlation_id]
        assert line["status"] == answer.status_code
        assert line["bytes"] == len(answer.content)
        assert line["method"] == answer.request.method
        assert line["client"] == "127.0.0.1" and line["duration_ms"] > 0
    assert answers["tour-2"].status_code == 201 and answers["tour-6"].status_code == 200
    by_id = {r["correlation_id"]: r for r in access}
    assert by_id["tour-3"]["route"] == f"{ORDERING}/productOrder/{{id}}"  # the template, not the id
    assert by_id["tour-3"]["operation"] == "retrieveProductOrder"
    assert by_id["tour-8"]["route"] == "(unmatched)" and by_id["tour-8"]["status"] == 404
    assert by_id["tour-10"]["route"] == "/metrics"
    generated = unsafe.headers["x-correlation-id"]
    assert generated != "no spaces, please"
    assert [r["route"] for r in access if r["correlation_id"] == generated] == ["/health"]
    # A line written while serving a request carries that request's correlation id.
    (correction,) = [r for r in found if r["logger"] == "tmf.inventory"]
    assert correction["correlation_id"] == "tour-7" and correction["level"] == "WARNING"
    startup = [r for r in found if r["logger"] == "tmf.server"]
    assert any("probes:" in r["message"] for r in startup)
    assert all(r["correlation_id"] == "-" for r in startup)


def _samples(text: str, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {
        frozenset(s.labels.items()): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    }


@pytest.mark.skipif(not PG_URL, reason="needs TMF_TEST_DATABASE_URL (set by .ci/run)")
def test_metrics_under_two_workers_report_the_sum_of_both(tmp_path: pathlib.Path) -> None:
    listing = frozenset(
        {("api", "tmf620"), ("operation", "listProductOffering"), ("status", "2xx")}
    )
    with serving("postgresql", tmp_path, JSON_LOGS, "--workers", "2") as root:
        sent, deadline = 0, time.monotonic() + 60
        pids: set[int] = set()
        while len(pids) < 2 or sent < 40:
            assert time.monotonic() < deadline, f"one process answered everything: {pids}"
            answer = httpx.get(f"{root}{CATALOG}/productOffering", timeout=10)  # a new connection
            assert answer.status_code == 200
            sent += 1
            pids = {
                r["process"]
                for r in records(tmp_path / "server.log")
                if r["logger"] == "tmf.access" and r.get("operation") == "listProductOffering"
            }
        for _ in range(4):  # whichever process answers the scrape, it reports both
            text = httpx.get(f"{root}/metrics", timeout=10).text
            counts = _samples(text, "tmf_http_request_duration_seconds_count")
            assert counts[listing] == sent
            assert _samples(text, "tmf_http_requests_in_flight") == {frozenset(): 1.0}
            memory = _samples(text, "tmf_process_resident_memory_bytes")
            assert {dict(labels)["pid"] for labels in memory} == {str(p) for p in pids}
            assert _samples(text, "tmf_backlogs_up") == {frozenset(): 1.0}


def test_a_separate_worker_serves_its_own_metrics(tmp_path: pathlib.Path) -> None:
    """``tmf-adapter worker --metrics-port``: the calls it makes are counted where Prometheus
    can scrape them (a server process never sees them)."""
    import subprocess

    from tests.fakes.server import BIN, free_port

    port = free_port()
    order = {
        "relatedParty": [{"id": "cust-carol", "role": "customer", "@referredType": "Individual"}],
        "productOrderItem": [
            {"id": "1", "action": "add", "productOffering": {"id": "po-mobile-s"}}
        ],
    }
    with serving("sqlite", tmp_path, {}, "--no-worker") as root:
        placed = httpx.post(f"{root}{ORDERING}/productOrder", json=order, timeout=30)
        assert placed.status_code == 201
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/tmf.db"}
        worker = subprocess.Popen(
            [str(BIN / "tmf-adapter"), "worker", "--metrics-port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline, settled = time.monotonic() + 60, {}
            while not settled:
                assert time.monotonic() < deadline and worker.poll() is None
                time.sleep(0.3)
                with contextlib.suppress(OSError, httpx.HTTPError):
                    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
                    settled = _samples(text, "tmf_tasks_settled_total")
            done = {dict(k)["port"]: v for k, v in settled.items() if dict(k)["status"] == "done"}
            assert done.get("crm", 0) >= 1
            assert "tmf_task_call_seconds_count" in text and "tmf_orders" in text
        finally:
            worker.terminate()
            worker.wait(timeout=30)

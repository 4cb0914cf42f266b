"""tmf-conformance as a CI job runs it: exit codes, reports, messages without tracebacks."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import requests

from conformance.tests.broken_server import BASE, Running, write_document

COMMAND = [str(pathlib.Path(sys.executable).parent / "tmf-conformance"), "run"]


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, pathlib.Path]]:
    spec = write_document(tmp_path_factory.mktemp("spec"))
    with Running({"no_location", "filter_ignored"}) as server:
        for name in ("Alpha", "Beta"):
            requests.post(f"{server.url}{BASE}/category", json={"name": name}, timeout=5)
        yield server, spec


def conformance(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, timeout=300)


def test_findings_exit_1_with_junit_and_markdown_naming_each_flaw(
    broken: tuple[Running, pathlib.Path], tmp_path: pathlib.Path
) -> None:
    server, spec = broken
    junit, markdown = tmp_path / "r.xml", tmp_path / "r.md"
    done = conformance(
        "--api", "tmf620", "--url", server.url, "--spec", str(spec), "--max-examples", "5",
        "--seed", "3", "--junit", str(junit), "--markdown", str(markdown),
        "--header", "Authorization: Bearer abc",
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "FAILED" in done.stdout and "tmf_create_returns_resource" in done.stdout
    failures = {
        (case.get("classname"), case.get("name")): case.find("failure")
        for case in ET.parse(junit).getroot().iter("testcase")
    }
    location = failures[("POST /category", "tmf_create_returns_resource")]
    assert location is not None and "Location" in (location.text or "")
    assert "curl -X POST" in (location.text or "")
    filtered = failures[("GET /category", "tmf_filter_matches")]
    assert filtered is not None and "curl -X GET" in (filtered.text or "")
    # The header was sent (the curl line shows it) but its credential is not written down.
    for text in (location.text or "", filtered.text or "", markdown.read_text(), done.stdout):
        assert "Authorization: [Filtered]" in text and "Bearer abc" not in text
    assert failures[("GET /category", "tmf_list_is_array")] is None  # passing checks are listed
    text = markdown.read_text()
    assert "FAILED" in text and "### POST /category" in text and "```sh\ncurl " in text


def test_selected_checks_that_hold_exit_0(broken: tuple[Running, pathlib.Path]) -> None:
    server, spec = broken
    done = conformance(
        "--url", server.url, "--spec", str(spec), "--max-examples", "3",
        "--checks", "contract,tmf_paging", "--phases", "examples,fuzzing",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--url", "http://127.0.0.1:9"], "no server answers at http://127.0.0.1:9"),
        (["--url", "http://127.0.0.1:9", "--api", "tmf999"], "unknown --api 'tmf999'"),
        (["--url", "127.0.0.1:8620"], "--url must be an http(s) URL"),
        (["--url", "http://127.0.0.1:9", "--checks", "tmf_nonsense"], "unknown check(s)"),
        (["--url", "http://127.0.0.1:9", "--header", "no-colon"], "--header must be"),
        (["--url", "http://127.0.0.1:9", "--spec", "/nonexistent.yaml"], "cannot read the OpenAPI"),
        (["--url", "http://127.0.0.1:9", "--phases", "warp"], "unknown phase(s)"),
        (["--url", "http://127.0.0.1:9", "--spec", __file__], "cannot read the OpenAPI"),
    ],
)
def test_usage_errors_and_an_unreachable_server_exit_2_with_a_clear_message(
    args: list[str], message: str
) -> None:
    done = conformance(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in " ".join(done.stderr.split()), done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_list_checks_prints_each_check_with_its_explanation() -> None:
    done = subprocess.run(
        [*COMMAND, "--url", "http://x", "--list-checks"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert "tmf_paging" in done.stdout and "disjoint" in done.stdout

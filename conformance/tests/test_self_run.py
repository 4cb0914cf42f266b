"""tmf-conformance against our own server, both started as real processes, on SQLite and PostgreSQL.

This is the self-run CI relies on: any finding in either API fails the suite.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest

from server.auth.scopes import SCOPES
from tests.fakes.identity import IdentityProvider
from tests.fakes.server import BIN, PG_URL, serving

BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``tmf-adapter serve`` as a user starts it (demo catalog, embedded worker), fresh database."""
    with serving(request.param, tmp_path_factory.mktemp("self-run"), {}) as root:
        yield root


@pytest.fixture(scope="module")
def identity() -> Iterator[IdentityProvider]:
    """The JWKS and token endpoint of the authenticated self-run; its CI client has every scope."""
    provider = IdentityProvider().start()
    provider.clients["conformance-ci"] = ("ci-secret", list(SCOPES))
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def secured_server(
    identity: IdentityProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The same server with TMF_AUTH=jwt, trusting ``identity``."""
    settings = {k: str(v) for k, v in identity.settings().items()}
    with serving("sqlite", tmp_path_factory.mktemp("self-run-jwt"), settings) as root:
        yield root


@pytest.mark.parametrize("api", ["tmf620", "tmf622", "tmf637"])
def test_our_server_passes_every_check(
    server: str, api: str, tmp_path: pathlib.Path, request: pytest.FixtureRequest
) -> None:
    junit, markdown = tmp_path / "report.xml", tmp_path / "report.md"
    command = [str(BIN / "tmf-conformance"), "run", "--api", api, "--url", server, "--seed", "1"]
    command += ["--junit", str(junit), "--markdown", str(markdown)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED" in done.stdout
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and int(suite.get("tests", "0")) > 50
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    text = markdown.read_text()
    assert f"## {api} at {server}" in text and ": PASSED" in text
    # Each verified something (the report lists no others). Orders move on by themselves (the
    # embedded worker completes them), so a description PATCH is mostly refused there.
    # Only SQLite gets the demo seeded: on PostgreSQL the inventory may hold one product (the
    # scenario's) when TMF637 runs alone, too few to filter or page.
    seeded = request.node.callspec.params["server"] == "sqlite"
    verified = ["tmf_filter_matches", "tmf_paging"] if api != "tmf637" or seeded else []
    verified += ["tmf_create_returns_resource"] if api != "tmf637" else []
    verified += ["tmf_merge_patch", "tmf_resource_lifecycle"] if api == "tmf620" else []
    # TMF637 writes are off by default (405): the inventory is what orders made of it.
    verified += ["tmf_product_from_order"] if api == "tmf637" else []
    for check in verified:
        assert f"| `{check}` | " in text, check
    if api == "tmf622":  # a real order was placed by the engine, not only by our scenario
        assert "| `tmf_create_returns_resource` | " in text.split("### POST /productOrder")[1]
    if shutil.which("xmllint"):
        subprocess.run(["xmllint", "--noout", str(junit)], check=True)


@pytest.mark.parametrize("api", ["tmf620", "tmf622", "tmf637"])
def test_our_server_with_authentication_passes_every_check(
    secured_server: str, identity: IdentityProvider, api: str
) -> None:
    """tmf-conformance fetches its own token (client credentials) and passes; without one,
    every call is a 401 and the run fails."""
    command = [str(BIN / "tmf-conformance"), "run", "--api", api, "--url", secured_server]
    command += ["--seed", "1", "--token-url", identity.token_url, "--client-id", "conformance-ci"]
    command += ["--client-secret", "ci-secret", "--scope", " ".join(SCOPES)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED" in done.stdout
    anonymous = [str(BIN / "tmf-conformance"), "run", "--api", api, "--url", secured_server]
    anonymous += ["--seed", "1", "--max-examples", "2", "--phases", "examples"]
    refused = subprocess.run(anonymous, capture_output=True, text=True, timeout=600)
    assert refused.returncode == 1, refused.stdout + refused.stderr


def test_a_wrong_client_secret_is_a_usage_error(identity: IdentityProvider) -> None:
    command = [str(BIN / "tmf-conformance"), "run", "--url", "http://127.0.0.1:9"]
    command += ["--token-url", identity.token_url, "--client-id", "conformance-ci"]
    command += ["--client-secret", "wrong"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no token" in done.stderr, done.stderr

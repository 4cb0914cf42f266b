"""The TMF641 adapter with OAuth2 client credentials against a real token endpoint and a real
TMF641 system: one token while it is valid, renewed before it expires or when refused, and no
call sent when no token can be had."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from adapters.http.tmf641 import Tmf641Provisioning
from core.ports import OutcomeStatus, TaskRequest
from tests.fakes.tmf641 import ProvisioningSystem
from tmfclient.oauth import ClientCredentials


class TokenEndpoint:
    """Issues ``token-N`` for the right client; ``lifetime`` is its ``expires_in``."""

    def __init__(self) -> None:
        self.issued: list[dict[str, Any]] = []
        self.lifetime = 3600
        self.down = False
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                basic = base64.b64decode(self.headers["Authorization"].split()[1]).decode()
                if provider.down or basic != "tmf-adapter:s3cret":
                    self.send_response(503 if provider.down else 401)
                    self.end_headers()
                    return
                provider.issued.append({k: v[0] for k, v in form.items()})
                body = json.dumps(
                    {
                        "access_token": f"token-{len(provider.issued)}",
                        "token_type": "Bearer",
                        "expires_in": provider.lifetime,
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/token"


@pytest.fixture
def endpoint() -> Iterator[TokenEndpoint]:
    found = TokenEndpoint()
    yield found
    found.server.shutdown()
    found.server.server_close()


@pytest.fixture
def system() -> Iterator[ProvisioningSystem]:
    found = ProvisioningSystem().start()
    yield found
    found.stop()


def request(key: str) -> TaskRequest:
    return TaskRequest(key, "corr-1", "order-1", "1", "cust-carol", target="svc-fibre")


def adapter(system: ProvisioningSystem, endpoint: TokenEndpoint) -> Tmf641Provisioning:
    credentials = ClientCredentials(endpoint.url, "tmf-adapter", "s3cret", "serviceOrdering")
    return Tmf641Provisioning(system.url, 2, authorization="Basic ignored", credentials=credentials)


def test_one_token_serves_every_call_while_it_is_valid(
    system: ProvisioningSystem, endpoint: TokenEndpoint
) -> None:
    provisioning = adapter(system, endpoint)
    for n in range(3):
        assert provisioning.activate(request(f"k{n}")).status is OutcomeStatus.DONE
    assert provisioning.status("k0").status is OutcomeStatus.DONE
    assert len(endpoint.issued) == 1
    assert endpoint.issued[0] == {"grant_type": "client_credentials", "scope": "serviceOrdering"}
    assert {h["Authorization"] for h in system.headers} == {"Bearer token-1"}


def test_a_token_is_renewed_before_it_expires(
    system: ProvisioningSystem, endpoint: TokenEndpoint
) -> None:
    endpoint.lifetime = 31  # renewed 30 s early: good for one second
    provisioning = adapter(system, endpoint)
    assert provisioning.activate(request("a")).status is OutcomeStatus.DONE
    assert provisioning.activate(request("b")).status is OutcomeStatus.DONE
    assert len(endpoint.issued) == 1
    time.sleep(1.1)
    assert provisioning.activate(request("c")).status is OutcomeStatus.DONE
    assert [h["Authorization"] for h in system.headers][-1] == "Bearer token-2"


def test_a_refused_token_is_renewed_once(
    system: ProvisioningSystem, endpoint: TokenEndpoint
) -> None:
    provisioning = adapter(system, endpoint)
    system.refuse = [401]
    assert provisioning.activate(request("a")).status is OutcomeStatus.DONE
    assert [h["Authorization"] for h in system.headers] == ["Bearer token-1", "Bearer token-2"]


def test_no_token_means_the_call_is_not_sent_and_is_retryable(
    system: ProvisioningSystem, endpoint: TokenEndpoint
) -> None:
    endpoint.down = True
    outcome = adapter(system, endpoint).activate(request("a"))
    assert outcome.status is OutcomeStatus.RETRYABLE, outcome
    assert system.headers == []
    assert "token" in outcome.detail

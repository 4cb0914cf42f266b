"""An identity provider over real HTTP, with keys the tests make: its JWKS (which can rotate
keys, go down, or hang) and a client-credentials token endpoint."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from server.auth import devkeys
from server.auth.devkeys import SigningKey

ISSUER = "https://idp.test/realms/tmf"
AUDIENCE = "tmf-adapter"


class IdentityProvider:
    """Serves ``/jwks`` with the public half of ``keys``; ``fetches`` counts the requests."""

    def __init__(self) -> None:
        self.keys = [SigningKey.generate("RS256"), SigningKey.generate("ES256")]
        self.fetches = 0
        self.down = False  # answer 503
        self.delay = 0.0  # seconds before answering
        self.clients: dict[str, tuple[str, list[str]]] = {}  # client id -> (secret, scopes)
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/jwks"

    @property
    def token_url(self) -> str:
        return self.url.replace("/jwks", "/token")

    def settings(self, **extra: Any) -> dict[str, Any]:
        """The server settings that trust this provider."""
        return {
            "TMF_AUTH": "jwt",
            "TMF_AUTH_JWKS_URL": self.url,
            "TMF_AUTH_ISSUER": ISSUER,
            "TMF_AUTH_AUDIENCE": AUDIENCE,
            "TMF_AUTH_JWKS_TIMEOUT_SECONDS": 1,
            **extra,
        }

    def token(
        self,
        subject: str = "bss",
        scopes: list[str] | tuple[str, ...] = (),
        key: SigningKey | None = None,
        **claims: Any,
    ) -> str:
        """A signed access token; ``claims`` add to or replace the standard ones."""
        found = devkeys.claims(subject, list(scopes), issuer=ISSUER, audience=AUDIENCE)
        roles = claims.pop("roles", None)
        if roles is not None:
            found["roles"] = roles
            found["realm_access"] = {"roles": roles}
        found.update(claims)
        return (key or self.keys[0]).mint({k: v for k, v in found.items() if v is not None})

    def start(self) -> IdentityProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                time.sleep(provider.delay)
                if provider.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                body = json.dumps({"keys": [k.jwk for k in provider.keys]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode())
                scheme, _, encoded = self.headers.get("Authorization", "").partition(" ")
                client, _, secret = base64.b64decode(encoded or b"").decode().partition(":")
                known = provider.clients.get(client)
                if scheme != "Basic" or known is None or known[0] != secret:
                    self.send_response(401)
                    self.end_headers()
                    return
                asked = form.get("scope", [" ".join(known[1])])[0].split()
                token = provider.token(client, [s for s in asked if s in known[1]])
                body = json.dumps({"access_token": token, "expires_in": 300}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

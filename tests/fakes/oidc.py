"""An OpenID Connect provider over real HTTP for the console's sign-in: discovery, a sign-in
page with one button per known user, the authorization code grant with PKCE (S256, checked
here independently of the server's library), ID tokens with the nonce, and the JWKS."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from tests.fakes.identity import AUDIENCE, ISSUER, IdentityProvider

CLIENT_ID = "tmf-console"


@dataclass(frozen=True)
class User:
    scopes: tuple[str, ...]
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grant:
    user: str
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str
    scope: str


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class OpenIdProvider:
    """``users`` sign in by name; ``wrong_nonce`` makes ID tokens carry another nonce."""

    def __init__(self, users: dict[str, User], token_seconds: int = 300) -> None:
        self.keys = IdentityProvider()  # the keys, and access tokens as the API tests mint them
        self.users = users
        self.token_seconds = token_seconds
        self.wrong_nonce = False
        self.codes: dict[str, Grant] = {}
        self.exchanged: list[str] = []  # codes redeemed, in order
        self.server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def settings(self, secret: str = "s" * 40) -> dict[str, str]:
        """What the server needs to trust this provider and sign its console users in."""
        return {
            "TMF_AUTH": "jwt",
            "TMF_AUTH_JWKS_URL": f"{self.base}/jwks",
            "TMF_AUTH_ISSUER": ISSUER,
            "TMF_AUTH_AUDIENCE": AUDIENCE,
            "TMF_AUTH_ROLES_CLAIM": "realm_access.roles",
            "TMF_CONSOLE_CLIENT_ID": CLIENT_ID,
            "TMF_CONSOLE_OIDC_METADATA_URL": f"{self.base}/.well-known/openid-configuration",
            "TMF_CONSOLE_SESSION_SECRET": secret,
        }

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": ISSUER,
            "authorization_endpoint": f"{self.base}/authorize",
            "token_endpoint": f"{self.base}/token",
            "jwks_uri": f"{self.base}/jwks",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
        }

    def sign_in_page(self, query: dict[str, str]) -> str:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
        )
        buttons = "".join(
            f'<button name="user" value="{html.escape(u)}">Sign in as {html.escape(u)}</button>'
            for u in self.users
        )
        form = f"<form method=post action=/authorize>{hidden}{buttons}</form>"
        return f"<!doctype html><title>Identity provider</title>{form}"

    def authorize(self, form: dict[str, str]) -> str:
        """The redirect back to the client, with a code for the user who signed in."""
        problems = [
            name
            for name, ok in (
                ("response_type", form.get("response_type") == "code"),
                ("client_id", form.get("client_id") == CLIENT_ID),
                ("code_challenge_method", form.get("code_challenge_method") == "S256"),
                ("code_challenge", bool(form.get("code_challenge"))),
                ("user", form.get("user") in self.users),
            )
            if not ok
        ]
        back = form.get("redirect_uri", "")
        if problems:
            return (
                f"{back}?{urlencode({'error': 'invalid_request', 'state': form.get('state', '')})}"
            )
        code = secrets.token_urlsafe(16)
        self.codes[code] = Grant(
            form["user"],
            form["client_id"],
            back,
            form["code_challenge"],
            form.get("nonce", ""),
            form.get("scope", ""),
        )
        return f"{back}?{urlencode({'code': code, 'state': form.get('state', '')})}"

    def exchange(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = self.codes.pop(form.get("code", ""), None)  # a code is good once
        if form.get("grant_type") != "authorization_code" or grant is None:
            return 400, {"error": "invalid_grant"}
        if (
            form.get("client_id") != grant.client_id
            or form.get("redirect_uri") != grant.redirect_uri
        ):
            return 400, {"error": "invalid_grant"}
        if s256(form.get("code_verifier", "")) != grant.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        self.exchanged.append(form["code"])
        user = self.users[grant.user]
        asked = grant.scope.split()
        access = self.keys.token(
            grant.user,
            [s for s in user.scopes if s in asked],
            roles=list(user.roles),
            exp=int(time.time()) + self.token_seconds,
        )
        now = int(time.time())
        identity = self.keys.keys[0].mint(
            {
                "iss": ISSUER,
                "aud": grant.client_id,
                "sub": grant.user,
                "iat": now,
                "exp": now + self.token_seconds,
                "nonce": "not-yours" if self.wrong_nonce else grant.nonce,
            }
        )
        return 200, {
            "access_token": access,
            "id_token": identity,
            "token_type": "Bearer",
            "expires_in": self.token_seconds,
        }

    def start(self) -> OpenIdProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: bytes, kind: str, location: str = "") -> None:
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._answer(200, json.dumps(provider.metadata()).encode(), "application/json")
                elif url.path == "/jwks":
                    keys = {"keys": [k.jwk for k in provider.keys.keys]}
                    self._answer(200, json.dumps(keys).encode(), "application/json")
                elif url.path == "/authorize":
                    self._answer(200, provider.sign_in_page(query).encode(), "text/html")
                else:
                    self._answer(404, b"", "text/plain")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path == "/authorize":
                    self._answer(302, b"", "text/plain", provider.authorize(form))
                elif self.path == "/token":
                    status, body = provider.exchange(form)
                    self._answer(status, json.dumps(body).encode(), "application/json")
                else:
                    self._answer(404, b"", "text/plain")

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

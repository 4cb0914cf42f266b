"""OAuth2 client credentials (RFC 6749 section 4.4) for the HTTP adapters: a token from the
provider's token endpoint, kept until shortly before it expires, sent as a bearer token."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass

import httpx

EARLY_SECONDS = 30  # a token is renewed this long before its expiry, so none expires in flight


class TokenUnavailable(httpx.ConnectError):
    """No token could be had: the call was not sent (retryable, like a refused connection)."""


@dataclass(frozen=True)
class ClientCredentials:
    token_url: str
    client_id: str
    client_secret: str
    scope: str | None = None


class ClientCredentialsAuth(httpx.Auth):
    """An ``httpx.Auth`` that adds ``Authorization: Bearer`` with a cached token; a 401 from
    the system renews the token once (it may have been revoked)."""

    def __init__(
        self,
        credentials: ClientCredentials,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.credentials = credentials
        self.clock = clock
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, transport=transport)
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.fetches = 0  # token requests made (what an operator would graph)

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self.token(renew=True)}"
            yield request

    def token(self, renew: bool = False) -> str:
        with self._lock:
            if renew or self._token is None or self.clock() >= self._expires_at:
                self._token, lifetime = self._fetch()
                self._expires_at = self.clock() + max(lifetime - EARLY_SECONDS, 0)
            return self._token

    def _fetch(self) -> tuple[str, float]:
        found = self.credentials
        form = {"grant_type": "client_credentials"}
        if found.scope:
            form["scope"] = found.scope
        self.fetches += 1
        try:
            response = self._client.post(
                found.token_url, data=form, auth=(found.client_id, found.client_secret)
            )
            response.raise_for_status()
            body = response.json()
            token = body["access_token"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            raise TokenUnavailable(f"no token from {found.token_url}: {error!r}") from None
        if not isinstance(token, str) or not token:
            raise TokenUnavailable(f"no token from {found.token_url}: empty access_token")
        expires_in = body.get("expires_in")
        return token, float(expires_in) if isinstance(expires_in, int | float) else 300.0

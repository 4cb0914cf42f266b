"""Signing in to the console with TMF_AUTH=jwt: OpenID Connect authorization code with PKCE
against the configured issuer (Authlib for the PKCE challenge and tokens). The access token it
gets is checked exactly as an API caller's and kept in a signed cookie; the gate reads it on
every request, so a console user has their token's scopes and roles, nothing more."""

from __future__ import annotations

import logging
import threading
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from console import BASE_PATH, csrf
from console.session import SIGN_IN, SessionCookies, forget
from core.errors import Forbidden, InvalidRequest
from server.auth.tokens import InvalidToken, TokenVerifier
from server.settings import Settings

log = logging.getLogger("tmf.console")
TIMEOUT_SECONDS = 5.0


class SignInFailed(Forbidden):
    """The identity provider or its answer let nobody in: shown as a page, never a 500."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "Sign-in failed")


class SignIn:
    """The console as an OpenID Connect client of the issuer the API trusts."""

    def __init__(self, settings: Settings, verifier: TokenVerifier, cookies: SessionCookies):
        assert settings.console_client_id
        self.client_id = settings.console_client_id
        self.client_secret = settings.console_client_secret
        self.scopes = settings.console_scopes
        self.metadata_url = settings.console_metadata_url
        self.public_base_url = settings.public_base_url
        self.verifier = verifier
        self.cookies = cookies
        self._metadata: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def metadata(self) -> dict[str, Any]:
        """The issuer's endpoints, fetched once (again after a failure)."""
        with self._lock:
            if self._metadata is None:
                try:
                    answer = httpx.get(self.metadata_url, timeout=TIMEOUT_SECONDS)
                    answer.raise_for_status()
                    found = answer.json()
                except (httpx.HTTPError, ValueError) as error:
                    log.warning("OpenID Connect metadata %s: %s", self.metadata_url, error)
                    raise SignInFailed("the identity provider cannot be reached") from None
                if found.get("issuer") != self.verifier.issuer or not isinstance(
                    found.get("authorization_endpoint"), str
                ):
                    raise SignInFailed("the identity provider's metadata is not for our issuer")
                self._metadata = found
            return self._metadata

    def redirect_uri(self, request: Request) -> str:
        base = self.public_base_url or f"{request.url.scheme}://{request.url.netloc}"
        return f"{base.rstrip('/')}{BASE_PATH}/callback"

    async def login(self, request: Request) -> Response:
        """Off to the identity provider, with a fresh state, nonce and PKCE verifier."""
        metadata = await run_in_threadpool(self.metadata)
        target = request.query_params.get("next", "")
        pending = {
            "state": generate_token(32),
            "nonce": generate_token(32),
            "verifier": generate_token(64),
            "next": target if _ours(target) else BASE_PATH,
        }
        url = add_params_to_uri(
            metadata["authorization_endpoint"],
            [
                ("response_type", "code"),
                ("client_id", self.client_id),
                ("redirect_uri", self.redirect_uri(request)),
                ("scope", self.scopes),
                ("state", pending["state"]),
                ("nonce", pending["nonce"]),
                ("code_challenge", create_s256_code_challenge(pending["verifier"])),
                ("code_challenge_method", "S256"),
            ],
        )
        response = RedirectResponse(url, 303)
        self.cookies.set_sign_in(response, pending, csrf.secure_cookies(request))
        return response

    async def callback(self, request: Request) -> Response:
        """Back from the identity provider: the code exchanged, the tokens checked."""
        pending = self.cookies.sign_in(request.scope)
        if pending is None:
            raise InvalidRequest("no sign-in is in progress here (or it took too long): try again")
        params = request.query_params
        if params.get("state") != pending["state"]:
            raise InvalidRequest("the sign-in answer is not for the sign-in started here")
        if params.get("error"):
            raise SignInFailed(f"the identity provider said {params['error']}")
        code = params.get("code")
        if not code:
            raise InvalidRequest("the sign-in answer has no code")
        access_token = await run_in_threadpool(
            self._exchange, code, pending, self.redirect_uri(request)
        )
        response = RedirectResponse(pending["next"], 303)
        response.delete_cookie(SIGN_IN, path=BASE_PATH)
        self.cookies.set_session(response, access_token, csrf.secure_cookies(request))
        return response

    def _exchange(self, code: str, pending: dict[str, str], redirect_uri: str) -> str:
        """The code for tokens; the ID token's nonce and the access token checked (as the API
        checks a bearer token); the access token."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": pending["verifier"],
            "client_id": self.client_id,
        }
        auth = (self.client_id, self.client_secret) if self.client_secret else None
        try:
            answer = httpx.post(
                self.metadata()["token_endpoint"], data=form, auth=auth, timeout=TIMEOUT_SECONDS
            )
            tokens = answer.json()
        except (httpx.HTTPError, ValueError, KeyError) as error:
            log.warning("console sign-in: token endpoint: %s", error)
            raise SignInFailed("the identity provider did not answer the sign-in") from None
        if answer.status_code != 200 or not isinstance(tokens, dict):
            said = tokens.get("error") if isinstance(tokens, dict) else None
            why = said or answer.status_code
            raise SignInFailed(f"the identity provider refused the code ({why})")
        access, identity = tokens.get("access_token"), tokens.get("id_token")
        if not isinstance(access, str) or not isinstance(identity, str):
            raise SignInFailed("the identity provider gave no access token and ID token")
        try:
            claims = self.verifier.claims(identity, self.client_id)
            if claims.get("nonce") != pending["nonce"]:
                raise InvalidToken("the ID token is not for this sign-in (nonce)")
            principal = self.verifier.verify(access)
        except InvalidToken as error:
            raise SignInFailed(str(error)) from None
        log.info("console sign-in: %s", principal.actor)
        return access

    async def logout(self, request: Request) -> Response:
        """Both cookies gone; the provider asked to end its session too when it can (the
        caller has checked the form's CSRF token)."""
        target = f"{BASE_PATH}/login?signed_out=1"
        end = (self._metadata or {}).get("end_session_endpoint")
        if isinstance(end, str):
            back = self.redirect_uri(request).replace("/callback", "/login?signed_out=1")
            target = add_params_to_uri(
                end, [("client_id", self.client_id), ("post_logout_redirect_uri", back)]
            )
        response = RedirectResponse(target, 303)
        forget(response)
        return response


def _ours(path: str) -> bool:
    """A console path to return to after signing in (never another site)."""
    return path.startswith(BASE_PATH) and not path.startswith("//") and "\\" not in path

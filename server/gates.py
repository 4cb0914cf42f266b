"""What every request passes before connexion routes it: CORS, the request guard and, with
``TMF_AUTH=jwt``, the authentication gate; built from the settings."""

from __future__ import annotations

import connexion
from connexion.middleware import MiddlewarePosition
from starlette.middleware.cors import CORSMiddleware

import openapi
from server.access import AccessLog, RequestRecorder
from server.auth.gate import AuthGate, Sessions
from server.auth.scopes import ScopeMap
from server.auth.tokens import ClaimNames, KeySet, TokenVerifier, jwks_from_file, jwks_from_url
from server.guard import RequestGuard
from server.settings import Settings

APIS = (
    "tmf620",
    "tmf622",
    "tmf637",
    "admin",
)  # the documents served, whose operations the gate knows


def add_gates(
    app: connexion.AsyncApp,
    settings: Settings,
    recorder: RequestRecorder | None = None,
    verifier: TokenVerifier | None = None,
    sessions: Sessions | None = None,
) -> None:
    """What every request passes before connexion routes it, outermost first: the access log
    (correlation id, log line, request metrics), CORS (only for the origins configured), the
    request guard (size, control characters, header bounds, security headers), and with
    ``TMF_AUTH=jwt`` the authentication gate (token and scope)."""
    documents = {api: openapi.load(api) for api in APIS}
    app.add_middleware(
        AccessLog,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        documents=documents,
        recorder=recorder,
    )
    origins = settings.allowed_origins()
    if origins:
        app.add_middleware(
            CORSMiddleware,
            position=MiddlewarePosition.BEFORE_EXCEPTION,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "If-Match",
                "X-Correlation-ID",
                "X-Correction-Reason",
            ],
            expose_headers=[
                "Location",
                "ETag",
                "X-Total-Count",
                "X-Result-Count",
                "X-Total-Count-Estimated",
                "X-Correlation-ID",
            ],
        )
    app.add_middleware(
        RequestGuard,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        max_body_bytes=settings.max_body_bytes,
        no_store=settings.auth == "jwt",
    )
    if settings.auth == "jwt":
        app.add_middleware(
            AuthGate,
            position=MiddlewarePosition.BEFORE_EXCEPTION,
            verifier=verifier or build_verifier(settings),
            scopes=ScopeMap(documents),
            sessions=sessions,
        )


def build_verifier(settings: Settings) -> TokenVerifier:
    """The token checks ``TMF_AUTH_*`` describe (keys from a JWKS URL or file)."""
    assert settings.auth_issuer and settings.auth_audience  # the settings insist on them
    load = (
        jwks_from_url(settings.auth_jwks_url, settings.auth_jwks_timeout_seconds)
        if settings.auth_jwks_url
        else jwks_from_file(str(settings.auth_jwks_file))
    )
    return TokenVerifier(
        KeySet(load, settings.auth_jwks_refetch_seconds),
        settings.auth_issuer,
        settings.auth_audience,
        ClaimNames(settings.auth_actor_claim, settings.auth_roles_claim, settings.auth_party_claim),
        settings.auth_leeway_seconds,
    )

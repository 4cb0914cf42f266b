"""Development only: a local signing key, its JWKS, and tokens signed with it, so the README's
production tour runs without an identity provider. Never a production issuer."""

from __future__ import annotations

import json
import pathlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

DEV_ISSUER = "http://127.0.0.1:8620/dev-idp"
DEV_AUDIENCE = "tmf-adapter"


@dataclass(frozen=True)
class SigningKey:
    """A private key with its ``kid`` and algorithm; ``jwk`` is its public half."""

    private: Any
    kid: str
    algorithm: str

    @classmethod
    def generate(cls, algorithm: str = "RS256", kid: str | None = None) -> SigningKey:
        private: Any
        if algorithm.startswith("ES"):
            private = ec.generate_private_key(ec.SECP256R1())
        else:
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(private, kid or uuid.uuid4().hex[:12], algorithm)

    @property
    def jwk(self) -> dict[str, Any]:
        codec = ECAlgorithm if self.algorithm.startswith("ES") else RSAAlgorithm
        found: dict[str, Any] = json.loads(codec.to_jwk(self.private.public_key()))
        return {**found, "kid": self.kid, "alg": self.algorithm, "use": "sig"}

    def public_pem(self) -> bytes:
        return bytes(
            self.private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def mint(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        return jwt.encode(
            claims,
            self.private,
            algorithm=self.algorithm,
            headers={"kid": self.kid, **(headers or {})},
        )

    def save(self, folder: pathlib.Path) -> None:
        """``private.pem`` (kid and algorithm in ``key.json``) and the public ``jwks.json``."""
        folder.mkdir(parents=True, exist_ok=True)
        pem = self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        (folder / "private.pem").write_bytes(pem)
        (folder / "private.pem").chmod(0o600)
        (folder / "key.json").write_text(json.dumps({"kid": self.kid, "alg": self.algorithm}))
        (folder / "jwks.json").write_text(json.dumps({"keys": [self.jwk]}, indent=2))

    @classmethod
    def load(cls, folder: pathlib.Path) -> SigningKey:
        meta = json.loads((folder / "key.json").read_text())
        private = serialization.load_pem_private_key(
            (folder / "private.pem").read_bytes(), password=None
        )
        return cls(private, meta["kid"], meta["alg"])


def claims(
    subject: str,
    scopes: list[str],
    *,
    roles: list[str] | None = None,
    party_ids: list[str] | None = None,
    issuer: str = DEV_ISSUER,
    audience: str = DEV_AUDIENCE,
    lifetime_seconds: int = 3600,
    now: float | None = None,
) -> dict[str, Any]:
    """The claims of a Keycloak-like access token."""
    issued = int(now if now is not None else time.time())
    found: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "preferred_username": subject,
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime_seconds,
        "scope": " ".join(scopes),
        "roles": roles or [],
        "realm_access": {"roles": roles or []},
    }
    if party_ids is not None:
        found["party_ids"] = party_ids
    return found

"""Bearer tokens: JWTs signed by the identity provider's keys (its JWKS), checked with PyJWT,
and the principal they name. No key material or signature code of ours."""

from __future__ import annotations

import json
import logging
import pathlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from core.lru import LRU

log = logging.getLogger("tmf.auth")

# Asymmetric algorithms only: a shared secret (HS*) would let anyone holding the public key
# sign, and "none" signs nothing.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
_KEY_TYPE = {"RS": "RSA", "PS": "RSA", "ES": "EC"}


class InvalidToken(Exception):
    """The token cannot be believed (401); the message says why, without echoing it."""


class UnknownKey(InvalidToken):
    """The token names a key the cached key set does not hold (a refetch may find it)."""


@dataclass(frozen=True)
class Principal:
    """Who calls, as the token says: the actor, roles, scopes and, for a partner, the only
    customers (party ids) it may reach; ``party_ids`` None is an internal system."""

    actor: str
    roles: frozenset[str]
    scopes: frozenset[str]
    party_ids: frozenset[str] | None = None


@dataclass(frozen=True)
class ClaimNames:
    """Where the principal is in the claims: dotted paths (``realm_access.roles``)."""

    actor: str = "sub"
    roles: str = "roles"
    party_ids: str = "party_ids"


def claim(claims: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of the claims, None when any step is missing."""
    node: Any = claims
    for step in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    return node


def _names(value: Any, split: bool = True) -> frozenset[str]:
    """A claim holding a list of names, or one string: names separated by white space when
    ``split``, else a single name (a party id may hold a space)."""
    if isinstance(value, str):
        return frozenset(value.split()) if split else frozenset({value})
    if isinstance(value, list):
        return frozenset(v for v in value if isinstance(v, str) and v)
    return frozenset()


def principal_of(claims: dict[str, Any], names: ClaimNames) -> Principal:
    actor = claim(claims, names.actor)
    if not isinstance(actor, str) or not actor.strip():
        raise InvalidToken(f"the token has no {names.actor!r} claim to name its actor")
    scopes = _names(claims.get("scope")) | _names(claims.get("scp"))
    parties = claim(claims, names.party_ids)
    return Principal(
        actor=actor,
        roles=_names(claim(claims, names.roles)),
        scopes=scopes,
        party_ids=None if parties is None else _names(parties, split=False),
    )


def jwks_from_url(url: str, timeout: float) -> Callable[[], dict[str, Any]]:
    """Reads a JWKS over HTTP(S) within ``timeout`` seconds."""

    def fetch() -> dict[str, Any]:
        response = httpx.get(url, timeout=timeout, follow_redirects=False)
        response.raise_for_status()
        found: dict[str, Any] = response.json()
        return found

    return fetch


def jwks_from_file(path: str) -> Callable[[], dict[str, Any]]:
    def read() -> dict[str, Any]:
        found: dict[str, Any] = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
        return found

    return read


@dataclass(frozen=True)
class SigningKey:
    """One public key of the set: the key, its type, and the algorithm it names, if any."""

    key: Any
    kty: str
    alg: str | None

    def signs_with(self, algorithm: str) -> bool:
        return self.kty == _KEY_TYPE[algorithm[:2]] and self.alg in (None, algorithm)


class KeySet:
    """The provider's public keys by ``kid``: loaded once, and again when a token names a key
    not held, at most once per ``refetch_seconds`` (a flood of forged kids costs one fetch).
    A failed fetch keeps the keys held: a provider that is down does not log anyone out."""

    def __init__(
        self,
        load: Callable[[], dict[str, Any]],
        refetch_seconds: float = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._refetch_seconds = refetch_seconds
        self._clock = clock
        self._keys: dict[str | None, SigningKey] = {}
        self._fetched_at: float | None = None
        self._lock = threading.Lock()
        self.generation = 0  # changes whenever the keys held change

    def cached(self, kid: str | None) -> SigningKey | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid)

    def refresh(self) -> None:
        """Fetch the set again unless it was fetched (or tried) too recently."""
        with self._lock:
            now = self._clock()
            if self._fetched_at is not None and now - self._fetched_at < self._refetch_seconds:
                return
            self._fetched_at = now
            try:
                document = self._load()
                keys = {}
                for entry in document.get("keys", []):
                    if entry.get("use", "sig") != "sig" or entry.get("kty") not in ("RSA", "EC"):
                        continue
                    try:
                        found = jwt.PyJWK(entry)
                        keys[entry.get("kid")] = SigningKey(
                            found.key, entry["kty"], entry.get("alg")
                        )
                    except jwt.PyJWTError as error:
                        log.warning("JWKS key %r left out: %s", entry.get("kid"), error)
            except Exception as error:  # a provider down or answering nonsense: keep ours
                log.warning(
                    "JWKS fetch failed; keeping the %d keys held: %s", len(self._keys), error
                )
                return
            if keys != self._keys:
                self._keys = keys
                self.generation += 1


VERIFIED_CACHE = 4096  # tokens whose check is remembered (a signature check costs ~0.3 ms)


class TokenVerifier:
    """Checks signature, algorithm, issuer, audience and times; names the principal.

    A token that passed is remembered until it expires (or the provider's keys change), so a
    client sending the same token again is not checked again: the claims cannot change
    without changing the token.
    """

    def __init__(
        self,
        keys: KeySet,
        issuer: str,
        audience: str,
        names: ClaimNames | None = None,
        leeway_seconds: float = 30,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.names = names or ClaimNames()
        self.leeway = leeway_seconds
        self.clock = clock
        self._verified: LRU[str, tuple[Principal, float, int]] = LRU(VERIFIED_CACHE)

    def verify(self, token: str, fetch: bool = True) -> Principal:
        """The principal of a valid token; ``InvalidToken`` otherwise. With ``fetch`` False an
        unknown key raises ``UnknownKey`` instead of fetching the key set (no I/O)."""
        known = self._verified.get(token)
        if known is not None:
            principal, expires, generation = known
            if generation == self.keys.generation and self.clock() <= expires + self.leeway:
                return principal
            self._verified.pop(token)
        generation = self.keys.generation  # as the token is checked against it
        principal, expires = self._check(token, fetch)
        self._verified.put(token, (principal, expires, generation))
        return principal

    def _check(self, token: str, fetch: bool) -> tuple[Principal, float]:
        """The full check: the principal and when the token expires."""
        claims = self.claims(token, self.audience, fetch)
        return principal_of(claims, self.names), float(claims["exp"])

    def claims(self, token: str, audience: str, fetch: bool = True) -> dict[str, Any]:
        """The claims of a token of our issuer, signed by one of its keys, for ``audience``
        (an access token for us; an ID token for the console's client); ``InvalidToken``."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("the token is not a JWS compact serialization") from None
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise InvalidToken(f"algorithm {algorithm!r} is not accepted")
        kid = header.get("kid")
        key = self.keys.cached(kid)
        if key is None:
            if not fetch:
                raise UnknownKey("the token names a key that is not known")
            self.keys.refresh()
            key = self.keys.cached(kid)
            if key is None:
                raise InvalidToken("the token names a key that is not known")
        if not key.signs_with(algorithm):
            raise InvalidToken(f"key {kid!r} does not sign with {algorithm}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("the token is not valid yet") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("the token is not meant for this server (audience)") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("the token was not issued by the trusted issuer") from None
        except jwt.MissingRequiredClaimError as error:
            raise InvalidToken(f"the token has no {error.claim!r} claim") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("the token's signature does not verify") from None
        except jwt.PyJWTError as error:
            raise InvalidToken(f"the token is not valid: {type(error).__name__}") from None
        return claims

"""The key set's fetch discipline (on a clock the test moves) and the verifier's memory of
tokens it has checked."""

from __future__ import annotations

import time
from typing import Any

import pytest

from server.auth.devkeys import SigningKey, claims
from server.auth.tokens import InvalidToken, KeySet, TokenVerifier


class Provider:
    def __init__(self) -> None:
        self.keys = [SigningKey.generate("RS256", kid="a")]
        self.calls = 0
        self.fail = False

    def __call__(self) -> dict[str, Any]:
        self.calls += 1
        if self.fail:
            raise OSError("connection refused")
        return {"keys": [k.jwk for k in self.keys]}


@pytest.fixture
def provider() -> Provider:
    return Provider()


def test_an_unknown_kid_fetches_at_most_once_per_30_seconds(provider: Provider) -> None:
    now = [1000.0]
    keys = KeySet(provider, clock=lambda: now[0])
    keys.refresh()
    assert keys.cached("a") is not None and provider.calls == 1
    provider.keys.append(SigningKey.generate("ES256", kid="b"))
    for _ in range(100):
        keys.refresh()
    assert keys.cached("b") is None and provider.calls == 1
    now[0] += 29
    keys.refresh()
    assert provider.calls == 1
    now[0] += 2
    keys.refresh()
    assert keys.cached("b") is not None and provider.calls == 2


def test_a_failed_fetch_keeps_the_keys_held(provider: Provider) -> None:
    now = [0.0]
    keys = KeySet(provider, clock=lambda: now[0])
    keys.refresh()
    provider.fail = True
    now[0] += 31
    keys.refresh()
    assert provider.calls == 2 and keys.cached("a") is not None


def test_keys_that_cannot_sign_are_left_out(provider: Provider) -> None:
    secret = {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"}
    encryption = {**provider.keys[0].jwk, "kid": "enc", "use": "enc"}

    def serve() -> dict[str, Any]:
        return {"keys": [secret, encryption, provider.keys[0].jwk]}

    keys = KeySet(serve)
    keys.refresh()
    assert keys.cached("hmac") is None and keys.cached("enc") is None
    assert keys.cached("a") is not None


def verifier(provider: Provider, leeway: float = 0) -> TokenVerifier:
    keys = KeySet(provider, refetch_seconds=0)
    keys.refresh()
    return TokenVerifier(keys, "https://idp", "tmf", leeway_seconds=leeway)


def test_a_remembered_token_still_expires(provider: Provider) -> None:
    check = verifier(provider)
    token = provider.keys[0].mint(
        claims("sam", ["tmf620:read"], issuer="https://idp", audience="tmf", lifetime_seconds=1)
    )
    assert check.verify(token).actor == "sam"
    assert check.verify(token).actor == "sam"  # remembered
    time.sleep(2.1)
    with pytest.raises(InvalidToken, match="expired"):
        check.verify(token)


def test_a_key_withdrawn_by_the_provider_ends_the_tokens_it_signed(provider: Provider) -> None:
    check = verifier(provider)
    token = provider.keys[0].mint(claims("sam", [], issuer="https://idp", audience="tmf"))
    assert check.verify(token).actor == "sam"
    provider.keys = [SigningKey.generate("ES256", kid="b")]
    check.keys.refresh()
    with pytest.raises(InvalidToken, match="not known"):
        check.verify(token)

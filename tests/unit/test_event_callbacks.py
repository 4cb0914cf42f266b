"""The SSRF guard and subscription filters, without a network."""

from __future__ import annotations

import pytest

from core.errors import InvalidRequest
from core.events.callbacks import CallbackGuard, CallbackRefused
from core.events.filters import EventFilter


def resolving(table: dict[str, list[str]]) -> CallbackGuard:
    return CallbackGuard("", resolver=lambda host, _port: table.get(host, [host]))


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/",
        "http://192.168.1.5:8080/hook",
        "http://172.16.0.9/",
        "http://127.0.0.1:9000/",
        "http://[::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0/",
        "http://metadata.google.internal/",
        "http://100.64.0.1/",  # carrier-grade NAT: not public either
    ],
)
def test_internal_addresses_are_refused(url: str) -> None:
    with pytest.raises(CallbackRefused) as refused:
        resolving({}).check(url)
    assert "refused" in refused.value.message


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "gopher://x/", "x"])
def test_only_http_and_https_are_called(url: str) -> None:
    with pytest.raises(CallbackRefused):
        resolving({}).check(url)


def test_a_name_that_resolves_to_loopback_is_refused_unless_allowed() -> None:
    table = {"hooks.example.com": ["93.184.216.34", "127.0.0.1"]}
    with pytest.raises(CallbackRefused) as refused:
        resolving(table).check("https://hooks.example.com/x")
    assert "127.0.0.1" in refused.value.message
    allowed = CallbackGuard("127.0.0.0/8", resolver=lambda h, p: table[h])
    assert allowed.check("https://hooks.example.com/x").address == "93.184.216.34"


def test_real_dns_for_localhost_is_refused_then_admitted_by_the_allowlist() -> None:
    with pytest.raises(CallbackRefused):
        CallbackGuard("").check("http://localhost:9000/hooks")
    target = CallbackGuard("127.0.0.1, ::1").check("http://localhost:9000/hooks")
    assert target.port == 9000 and target.host == "localhost"
    assert CallbackGuard("localhost").check("http://localhost/").address in ("127.0.0.1", "::1")


def test_public_addresses_pass_with_their_vetted_address() -> None:
    target = resolving({"partner.example": ["93.184.216.34"]}).check("https://partner.example/")
    assert (target.scheme, target.port, target.address) == ("https", 443, "93.184.216.34")


def test_credentials_in_the_url_and_unresolvable_names_are_refused() -> None:
    with pytest.raises(CallbackRefused):
        resolving({}).check("http://user:pw@93.184.216.34/")

    def fail(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    with pytest.raises(CallbackRefused, match="does not resolve"):
        CallbackGuard("", resolver=fail).check("http://nowhere.invalid/")


EVENT = {
    "eventType": "ProductOrderStateChangeEvent",
    "eventTime": "2026-03-01T10:00:00.000Z",
    "event": {
        "productOrder": {
            "id": "42",
            "state": "completed",
            "priority": "2",
            "productOrderItem": [{"id": "1", "action": "add"}, {"id": "2", "action": "delete"}],
            "requestedCompletionDate": "2026-03-05T00:00:00.000Z",
        }
    },
}


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        ("", True),
        ("eventType=ProductOrderStateChangeEvent", True),
        ("?eventType=ProductOrderCreateEvent", False),
        ("eventType=ProductOrderCreateEvent,ProductOrderStateChangeEvent", True),
        ("event.productOrder.state=completed", True),
        ("event.productOrder.state.ne=completed", False),
        ("event.productOrder.state[ne]=failed", True),
        ("event.productOrder.productOrderItem.action=delete", True),
        ("event.productOrder.productOrderItem.action=modify", False),
        ("event.productOrder.priority.gte=2", True),
        ("event.productOrder.priority.gt=2", False),
        ("event.productOrder.requestedCompletionDate.lt=2026-03-06", True),
        ("event.productOrder.requestedCompletionDate.gte=2026-03-05T01:00:00%2B01:00", True),
        ("eventType=ProductOrderStateChangeEvent&event.productOrder.state=failed", False),
        ("event.productOrder.missing=x", False),
    ],
)
def test_subscription_queries_match_events(query: str, matches: bool) -> None:
    assert EventFilter.parse(query).matches(EVENT) is matches


@pytest.mark.parametrize("query", ["colour=red", "event..x=1", "&&", "=x"])
def test_a_query_that_cannot_be_read_is_a_400(query: str) -> None:
    with pytest.raises(InvalidRequest):
        EventFilter.parse(query)

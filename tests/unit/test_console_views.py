"""What the console draws: the task plan in dependency columns, one time line of an order's
story, the changes between two versions, ages; and its CSRF and identity rules."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request

from console import csrf
from console.identity import format_as, parse_as, viewer
from console.views import GAP_X, GAP_Y, NODE_H, NODE_W, PAD, changes, task_graph, time_line
from console.views import age as age_of


def task(key: str, *waits: str, status: str = "waiting") -> dict[str, object]:
    return {
        "idempotencyKey": key,
        "task": key,
        "item": "1",
        "dependsOn": list(waits),
        "status": status,
    }


def test_each_task_sits_right_of_everything_it_waits_on() -> None:
    graph = task_graph(
        [
            task("crm"),
            task("contract", "crm"),
            task("line", "crm"),
            task("billing", "line", "contract"),
        ]
    )
    columns = {n.key: n.column for n in graph.nodes}
    assert columns == {"crm": 0, "contract": 1, "line": 1, "billing": 2}
    rows = {n.key: n.row for n in graph.nodes}
    assert rows["contract"] != rows["line"]
    assert len(graph.edges) == 4
    billing = next(n for n in graph.nodes if n.key == "billing")
    into_billing = [e for e in graph.edges if e.x2 == billing.x]
    assert len(into_billing) == 2 and all(
        e.x1 == PAD + NODE_W + 0 * 0 + 50 + NODE_W for e in into_billing
    )
    assert graph.width == 2 * PAD + 3 * NODE_W + 2 * GAP_X
    assert graph.height == 2 * PAD + 2 * NODE_H + GAP_Y


def test_a_cycle_or_a_missing_task_does_not_hang_the_drawing() -> None:
    graph = task_graph([task("a", "b"), task("b", "a"), task("c", "gone")])
    assert {n.key for n in graph.nodes} == {"a", "b", "c"}
    assert next(n for n in graph.nodes if n.key == "c").column == 0


def test_the_time_line_merges_the_story_in_the_order_it_happened() -> None:
    story = {
        "states": [
            {
                "at": "2026-01-01T10:00:00.000Z",
                "item": None,
                "from": None,
                "to": "acknowledged",
                "reason": "accepted",
                "actor": "sam",
            }
        ],
        "calls": [
            {
                "at": "2026-01-01T10:00:01.000Z",
                "task": "crm.check",
                "call": "operation",
                "idempotencyKey": "o/order/crm",
                "outcome": "done",
                "worker": "w1",
                "detail": None,
                "reference": None,
            }
        ],
        "manualActions": [
            {
                "at": "2026-01-01T10:00:05.000Z",
                "action": "skip",
                "actor": "fiona",
                "reason": "by hand",
            }
        ],
        "events": [
            {
                "at": "2026-01-01T10:00:00.000Z",
                "eventType": "ProductOrderCreateEvent",
                "eventId": "e1",
            }
        ],
    }
    moments = time_line(story)
    assert [m.kind for m in moments] == ["state", "event", "call", "repair"]
    assert moments[0].title == "order: new → acknowledged" and moments[0].actor == "sam"
    assert moments[2].key == "o/order/crm" and moments[2].actor == "worker w1"
    assert moments[3].title == "skip by hand" and moments[3].actor == "fiona"


def test_changes_between_versions_leave_bookkeeping_out() -> None:
    older = {"version": "1.0", "lastUpdate": "a", "name": "S", "price": [{"id": "p1"}], "gone": 1}
    newer = {
        "version": "1.1",
        "lastUpdate": "b",
        "name": "S+",
        "price": [{"id": "p1"}, {"id": "p2"}],
    }
    found = {(c.path, repr(c.before), repr(c.after)) for c in changes(older, newer)}
    assert found == {
        ("/version", "'1.0'", "'1.1'"),
        ("/name", "'S'", "'S+'"),
        ("/price/1", "None", "{'id': 'p2'}"),
        ("/gone", "1", "None"),
    }


def test_ages_read_as_people_say_them() -> None:
    now = datetime(2026, 1, 2, 12, 0, 0, tzinfo=UTC)
    assert age_of("2026-01-02T11:59:20.000Z", now) == "40 s"
    assert age_of("2026-01-02T09:55:00.000Z", now) == "2 h 5 min"
    assert age_of("2025-12-30T08:00:00.000Z", now) == "3 d 4 h"
    assert age_of(None, now) == ""


def request(headers: dict[str, str], url: str = "http://127.0.0.1:8620/console/x") -> Request:
    scheme, rest = url.split("://")
    host, _, path = rest.partition("/")
    return Request(
        {
            "type": "http",
            "method": "POST",
            "scheme": scheme,
            "server": (host.split(":")[0], int(host.split(":")[1]) if ":" in host else 443),
            "path": "/" + path,
            "query_string": b"",
            "headers": [
                (k.lower().encode(), v.encode()) for k, v in {"host": host, **headers}.items()
            ],
        }
    )


def test_a_form_passes_only_with_its_own_token_from_its_own_origin() -> None:
    token = "t" * 43
    cookie = {"cookie": f"{csrf.COOKIE}={token}"}
    assert csrf.refusal(request(cookie), token) is None
    assert csrf.refusal(request({**cookie, "origin": "http://127.0.0.1:8620"}), token) is None
    assert "may not post here" in str(
        csrf.refusal(request({**cookie, "origin": "https://evil.test"}), token)
    )
    assert "may not post here" in str(csrf.refusal(request({**cookie, "origin": "null"}), token))
    assert csrf.refusal(request(cookie), "u" * 43) is not None
    assert csrf.refusal(request({}), token) is not None
    assert csrf.refusal(request({"cookie": f"{csrf.COOKIE}=short"}), "short") is not None


def test_cookies_are_secure_except_on_loopback_over_plain_http() -> None:
    assert not csrf.secure_cookies(request({}, "http://127.0.0.1:8620/console"))
    assert not csrf.secure_cookies(request({}, "http://localhost:8620/console"))
    assert csrf.secure_cookies(request({}, "http://console.example:8620/console"))
    assert csrf.secure_cookies(request({}, "https://console.example/console"))


def test_a_name_counts_its_roles_only_in_development_mode() -> None:
    value = format_as("dora", "sales-director, finance")
    assert parse_as(value) == ("dora", frozenset({"sales-director", "finance"}))
    named = request({"cookie": f"tmf_console_as={value}"})
    trusted = viewer(named, trust_named_roles=True)
    assert trusted.how == "development" and trusted.deciding_actor == "dora"
    assert trusted.roles == {"sales-director", "finance"}
    plain = viewer(named, trust_named_roles=False)
    assert plain.how == "named" and plain.actor == "dora" and plain.deciding_actor is None
    assert plain.roles == frozenset()
    assert viewer(request({}), trust_named_roles=True).how == "anonymous"

"""Small pure rules: the fields projection, merge/JSON patch, version labels."""

from __future__ import annotations

import pytest

from core.catalog.patching import apply_patch, merge_patch, server_owned_changes
from core.catalog.versioning import content_changed, next_version
from core.errors import InvalidRequest
from core.query import project

DOC = {
    "id": "1",
    "href": "h",
    "name": "n",
    "validFor": {"startDateTime": "s", "endDateTime": "e"},
    "productOfferingPrice": [{"id": "p1", "name": "a"}, {"id": "p2", "name": "b"}],
}


def test_projection_keeps_id_href_and_asked_paths() -> None:
    assert project(DOC, (("name",),)) == {"id": "1", "href": "h", "name": "n"}
    assert project(DOC, ()) == {"id": "1", "href": "h"}
    assert project(DOC, (("validFor", "endDateTime"),))["validFor"] == {"endDateTime": "e"}
    assert project(DOC, (("productOfferingPrice", "name"),))["productOfferingPrice"] == [
        {"name": "a"},
        {"name": "b"},
    ]
    assert project(DOC, None) is DOC


def test_merge_patch_follows_rfc_7386() -> None:
    patched = merge_patch(DOC, {"name": "m", "validFor": {"endDateTime": None}, "new": [1]})
    assert patched["name"] == "m"
    assert patched["validFor"] == {"startDateTime": "s"}
    assert patched["new"] == [1]
    assert DOC["name"] == "n"  # the original is untouched


def test_json_patch_applies_and_reports_failures() -> None:
    patched = apply_patch(
        DOC, [{"op": "replace", "path": "/productOfferingPrice/0/name", "value": "z"}], "json"
    )
    assert patched["productOfferingPrice"][0]["name"] == "z"
    with pytest.raises(InvalidRequest, match="cannot be applied"):
        apply_patch(DOC, [{"op": "remove", "path": "/missing"}], "json")
    with pytest.raises(InvalidRequest, match="array of operations"):
        apply_patch(DOC, {"op": "remove"}, "json")
    with pytest.raises(InvalidRequest, match="JSON object"):
        apply_patch(DOC, [1], "merge")


def test_server_owned_attributes_may_be_repeated_but_not_changed() -> None:
    assert server_owned_changes(DOC, dict(DOC), ("id", "href")) == []
    assert server_owned_changes(DOC, dict(DOC, id="2"), ("id", "href")) == [
        "id is set by the server and cannot be changed"
    ]


@pytest.mark.parametrize(
    ("current", "taken", "expected"),
    [
        ("1.0", set(), "1.1"),
        ("2", set(), "3"),
        ("1.0.9", set(), "1.0.10"),
        ("v1", set(), "v1.1"),
        ("1.0", {"1.1"}, "1.2"),
    ],
)
def test_next_version_label(current: str, taken: set[str], expected: str) -> None:
    assert next_version(current, taken) == expected


def test_a_lifecycle_move_is_not_a_change_of_content() -> None:
    assert not content_changed(DOC, dict(DOC, lifecycleStatus="Retired", lastUpdate="x"))
    assert content_changed(DOC, dict(DOC, name="other"))


def test_projection_keeps_what_the_schema_requires_at_every_level() -> None:
    required = {(): ("items",), ("items",): ("id", "action"), ("items", "party"): ("id",)}
    document = {
        "id": "o",
        "href": "h",
        "state": "x",
        "note": "n",
        "items": [{"id": "1", "action": "add", "qty": 2, "party": {"id": "p", "name": "P"}}],
    }
    keep = lambda path: required.get(path, ())  # noqa: E731
    assert project(document, (("state",),), keep) == {
        "id": "o",
        "href": "h",
        "items": [{"id": "1", "action": "add"}],
        "state": "x",
    }
    assert project(document, (("items", "party", "name"),), keep)["items"] == [
        {"id": "1", "action": "add", "party": {"id": "p", "name": "P"}}
    ]
    assert project(document, (("items",),), keep)["items"] == document["items"]

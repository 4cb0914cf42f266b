"""Our OpenAPI documents match the official TM Forum documents, except for documented choices."""

from __future__ import annotations

import json
import os
import pathlib

import pytest

import openapi
from openapi import drift, words

ROOT = pathlib.Path(__file__).resolve().parents[1]
REFERENCE_DIR = pathlib.Path(
    os.environ.get("TMF_REFERENCE_DIR", ROOT.parent / "shared" / "tmf-reference")
)
DOCUMENTS = {
    "tmf620": "TMF620-ProductCatalog-v4.1.0.swagger.json",
    "tmf622": "TMF622-ProductOrdering-v4.0.0.swagger.json",
    "tmf637": "TMF637-ProductInventory-v4.0.0.swagger.json",
}


def reference(api: str) -> dict:  # type: ignore[type-arg]
    path = REFERENCE_DIR / DOCUMENTS[api]
    if not path.exists():
        if os.environ.get("CI") or os.environ.get("TMF_REFERENCE_DIR"):
            pytest.fail(f"the TMF reference document is missing: {path}")
        pytest.skip(f"no TMF reference at {path}; set TMF_REFERENCE_DIR")
    return json.loads(path.read_text())


def allowed() -> list[str]:
    return drift.allowed_differences((ROOT / "docs" / "decisions.md").read_text())


def served(api: str) -> list[dict]:  # type: ignore[type-arg]
    """Both documents we serve for an API: as it is, and with TMF_AUTH=jwt (bearer scheme)."""
    return [openapi.load(api), openapi.secured(api)]


@pytest.mark.parametrize("api", sorted(DOCUMENTS))
def test_every_difference_from_the_standard_is_documented(api: str) -> None:
    found = [d for document in served(api) for d in drift.differences(reference(api), document)]
    left, _ = drift.unexplained(found, allowed())
    assert not left, "undocumented differences from the TMF reference:\n" + "\n".join(left)


def test_the_secured_document_differs_only_by_its_security() -> None:
    plain, secured = served("tmf622")
    extra = set(drift.differences(reference("tmf622"), secured)) - set(
        drift.differences(reference("tmf622"), plain)
    )
    assert extra and all(d.startswith("security: ") for d in extra), extra


def test_every_documented_difference_still_exists() -> None:
    found = [
        d
        for api in DOCUMENTS
        for document in served(api)
        for d in drift.differences(reference(api), document)
    ]
    _, stale = drift.unexplained(found, allowed())
    assert not stale, "docs/decisions.md explains differences that no longer exist:\n" + "\n".join(
        stale
    )


@pytest.mark.parametrize("api", sorted(DOCUMENTS))
def test_no_description_is_copied_from_the_standard(api: str) -> None:
    texts: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "description" and isinstance(value, str) and len(value) > 30:
                    texts.add(" ".join(value.split()))
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(reference(api))
    ours = " ".join(openapi.spec_path(api).read_text().split())
    copied = [t for t in texts if t[:60] in ours]
    assert not copied, f"copied descriptions: {copied[:3]}"


def test_the_drift_check_notices_a_changed_attribute() -> None:
    """The comparison is not vacuous: removing a required field and changing a type are seen."""
    document = json.loads(json.dumps(openapi.load("tmf620")))
    document["components"]["schemas"]["ProductOffering_Create"]["required"] = []
    document["components"]["schemas"]["Money"]["properties"]["value"]["type"] = "string"
    found = drift.differences(reference("tmf620"), document)
    assert any(d.startswith("schema ProductOffering_Create: required") for d in found)
    assert any(d.startswith("schema Money.value:") for d in found)
    assert words.definition_text("ProductOfferingCreateEvent")

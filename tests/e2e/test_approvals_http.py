"""Approval over HTTP as the README tour runs it: pending, self-approval refused, approved."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import jcs
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from core.persistence.database import Database
from core.pricing.snapshot import fingerprint
from tests.e2e.conftest import make_client
from tests.e2e.test_tmf620_http import assert_error
from tests.orders import add, order

ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
APPROVALS = "/admin/v1/approvals"


def independent_jcs_sha256(value: Any) -> str:
    """sha256 over RFC 8785 as the ``jcs`` package writes it (not the implementation we use)."""
    return hashlib.sha256(jcs.canonicalize(value)).hexdigest()


def actor(name: str, *roles: str) -> dict[str, str]:
    return {"X-Actor-Id": name, "X-Actor-Roles": ",".join(roles)}


@pytest.fixture
def dev(shop_db: Database, file_dirs: dict[str, str]) -> Iterator[TestClient]:
    with make_client(shop_db, TMF_DEVELOPMENT_MODE=True, TMF_RUN_JOBS=False, **file_dirs) as client:
        yield client


def business_order(percent: float) -> dict[str, Any]:
    item = {
        **add("1", "po-mobile-s"),
        "itemPrice": [
            {
                "priceType": "recurring",
                "priceAlteration": [{"priceType": "recurring", "price": {"percentage": percent}}],
            }
        ],
    }
    return order("cust-carol", item, category="business")


def test_the_approval_tour(dev: TestClient) -> None:
    placed = dev.post(ORDERS, json=business_order(15), headers=actor("sam", "sales"))
    assert placed.status_code == 201, placed.text
    assert placed.json()["state"] == "pending"
    (case,) = dev.get(APPROVALS, params={"status": "open", "role": "sales-director"}).json()
    assert case["orderId"] == placed.json()["id"] and case["openRoles"] == [["sales-director"]]
    view = dev.get(f"{APPROVALS}/{case['id']}").json()
    assert view["pricingSnapshot"]["fingerprint"] == case["fingerprint"]
    decision = {"decision": "approve", "reason": "fine", "fingerprint": case["fingerprint"]}
    mine = dev.post(
        f"{APPROVALS}/{case['id']}/decision", json=decision, headers=actor("sam", "sales-director")
    )
    assert_error(mine, 403, "cannot decide")
    approved = dev.post(
        f"{APPROVALS}/{case['id']}/decision", json=decision, headers=actor("dora", "sales-director")
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert dev.get(f"{ORDERS}/{case['orderId']}").json()["state"] == "acknowledged"
    again = dev.post(
        f"{APPROVALS}/{case['id']}/decision", json=decision, headers=actor("dan", "sales-director")
    )
    assert_error(again, 409, "already approved")


def test_without_development_mode_actor_headers_are_ignored(shop: TestClient) -> None:
    placed = shop.post(ORDERS, json=business_order(15), headers=actor("sam", "sales"))
    (case,) = [c for c in shop.get(APPROVALS).json() if c["orderId"] == placed.json()["id"]]
    assert case["requester"] is None
    decision = {"decision": "approve", "reason": "fine", "fingerprint": case["fingerprint"]}
    refused = shop.post(
        f"{APPROVALS}/{case['id']}/decision", json=decision, headers=actor("dora", "sales-director")
    )
    assert_error(refused, 403, "authenticated actor")


def test_bad_decisions_are_400_and_unknown_cases_404(dev: TestClient) -> None:
    assert_error(
        dev.post(
            f"{APPROVALS}/nope/decision",
            json={"decision": "approve", "reason": "x", "fingerprint": "f"},
        ),
        404,
    )
    placed = dev.post(ORDERS, json=business_order(15), headers=actor("sam", "sales")).json()
    (case,) = [c for c in dev.get(APPROVALS).json() if c["orderId"] == placed["id"]]
    assert_error(
        dev.post(
            f"{APPROVALS}/{case['id']}/decision",
            json={"decision": "maybe", "reason": "x", "fingerprint": "f"},
        ),
        400,
    )
    assert_error(dev.post(f"{APPROVALS}/{case['id']}/decision", json={"decision": "approve"}), 400)


def test_the_evidence_package_reproduces_every_fingerprint(dev: TestClient) -> None:
    loyalty = {
        "priceType": "recurring",
        "price": {},
        "productOfferingPrice": {"id": "pop-mobile-l-loyalty"},
    }
    manual = {"priceType": "recurring", "name": "Deal", "price": {"percentage": 20}}
    item = {
        **add("1", "po-mobile-l"),
        "itemPrice": [{"priceType": "recurring", "priceAlteration": [loyalty, manual]}],
    }
    placed = dev.post(
        ORDERS, json=order("cust-carol", item, category="business"), headers=actor("sam", "sales")
    ).json()
    (case,) = [c for c in dev.get(APPROVALS).json() if c["orderId"] == placed["id"]]
    for who, role in (("dora", "sales-director"), ("fin", "finance"), ("max", "sales-manager")):
        decision = {
            "decision": "approve",
            "reason": f"ok by {who}",
            "fingerprint": case["fingerprint"],
        }
        assert (
            dev.post(
                f"{APPROVALS}/{case['id']}/decision", json=decision, headers=actor(who, role)
            ).status_code
            == 200
        )
    package = dev.get(f"/admin/v1/orders/{placed['id']}/evidence").json()
    snapshot = package["priceCalculation"]["snapshot"]
    unsigned = {k: v for k, v in snapshot.items() if k != "fingerprint"}
    assert fingerprint(unsigned) == snapshot["fingerprint"] == package["fingerprints"]["snapshot"]
    # Recomputed with another RFC 8785 implementation than ours (the ``jcs`` package).
    assert snapshot["fingerprintScheme"] == package["fingerprints"]["scheme"] == "jcs-sha256"
    assert "sha256:" + independent_jcs_sha256(unsigned) == snapshot["fingerprint"]
    assert (
        package["approval"]["status"] == "approved"
        and package["approval"]["policyVersion"] == "2026-12-01.1"
    )
    assert {d["fingerprint"] for d in package["approval"]["decisions"]} == {snapshot["fingerprint"]}
    catalog = {(e["kind"], e["id"], e["version"]): e for e in package["catalog"]}
    assert set(catalog) >= {
        ("productOffering", "po-mobile-l", "1.0"),
        ("productSpecification", "ps-mobile-line", "1.0"),
        ("productOfferingPrice", "pop-mobile-l-monthly", "1.0"),
        ("productOfferingPrice", "pop-mobile-l-loyalty", "1.0"),
    }
    for entity in catalog.values():
        assert entity["hashScheme"] == "jcs-sha256"
        assert independent_jcs_sha256(entity["document"]) == entity["sha256"]
    assert {"sam", "dora", "fin", "max"} <= set(package["actors"]) and package["correlationIds"]
    assert [s["to"] for s in package["timeline"] if s["item"] is None] == [
        "pending",
        "acknowledged",
    ]
    zipped = dev.get(f"/admin/v1/orders/{placed['id']}/evidence", params={"format": "zip"})
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        manifest = json.loads(archive.read("manifest.json"))["files"]
        for name, digest in manifest.items():
            assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
        inside = json.loads(archive.read("evidence.json"))
    assert {k: v for k, v in inside.items() if k != "generatedAt"} == {
        k: v for k, v in package.items() if k != "generatedAt"
    }
    assert_error(dev.get("/admin/v1/orders/nope/evidence"), 404)


def test_delegation_over_http(dev: TestClient) -> None:
    placed = dev.post(ORDERS, json=business_order(15), headers=actor("sam", "sales")).json()
    (case,) = [c for c in dev.get(APPROVALS).json() if c["orderId"] == placed["id"]]
    handed = dev.post(
        f"{APPROVALS}/{case['id']}/delegation",
        json={"to": "cole", "reason": "on holiday"},
        headers=actor("dora", "sales-director"),
    )
    assert handed.status_code == 200 and handed.json()["delegations"][0]["to"] == "cole"
    back = dev.post(
        f"{APPROVALS}/{case['id']}/delegation",
        json={"to": "dora", "reason": "no"},
        headers=actor("cole", "sales"),
    )
    assert_error(back, 409, "cycle")
    decision = {"decision": "approve", "reason": "for dora", "fingerprint": case["fingerprint"]}
    approved = dev.post(
        f"{APPROVALS}/{case['id']}/decision", json=decision, headers=actor("cole", "sales")
    )
    assert approved.status_code == 200 and approved.json()["decisions"][0]["onBehalfOf"] == ["dora"]


def test_the_policy_is_managed_through_the_admin_api(dev: TestClient) -> None:
    shipped = dev.get("/admin/v1/approvalPolicy").json()
    assert shipped["version"] == "2026-12-01.1"
    stricter = {
        "version": "2026-12-02.1",
        "rules": [
            {
                "id": "any-discount",
                "when": {"discountPercent": {"gt": 0}},
                "require": {"allOf": ["finance"]},
            }
        ],
    }
    assert_error(dev.put("/admin/v1/approvalPolicy", json=stricter), 403, "actor")
    wrong = {
        "version": "x",
        "rules": [{"id": "r", "when": {"colour": ["red"]}, "require": {"allOf": ["a"]}}],
    }
    assert_error(
        dev.put("/admin/v1/approvalPolicy", json=wrong, headers=actor("ops", "admin")),
        400,
        "rule 'r': when.colour",
    )
    put = dev.put("/admin/v1/approvalPolicy", json=stricter, headers=actor("ops", "admin"))
    assert put.status_code == 200 and put.json()["version"] == "2026-12-02.1"
    assert_error(
        dev.put("/admin/v1/approvalPolicy", json=stricter, headers=actor("ops", "admin")),
        409,
        "exists",
    )
    placed = dev.post(ORDERS, json=business_order(5), headers=actor("sam", "sales")).json()
    assert placed["state"] == "pending"  # 5 % asks for Finance under the new version
    (case,) = [c for c in dev.get(APPROVALS).json() if c["orderId"] == placed["id"]]
    assert case["policyVersion"] == "2026-12-02.1" and case["requiredRoles"] == [["finance"]]


def test_the_evidence_shows_a_catalog_version_changed_after_the_order(
    dev: TestClient, shop_db: Database
) -> None:
    """The hashes taken at capture prove the catalog as priced; editing a stored version
    behind the API's back shows as a mismatch."""
    placed = dev.post(ORDERS, json=order("cust-carol", add("1", "po-mobile-s"))).json()
    captured = placed["pricingSnapshot"]["catalogHashes"]
    assert "productOffering/po-mobile-s@1.0" in captured
    assert all(h.startswith("jcs-sha256:") for h in captured.values())
    url = f"/admin/v1/orders/{placed['id']}/evidence"
    before = dev.get(url).json()
    assert before["fingerprints"]["catalogIntact"] is True
    assert all(e["intact"] is True for e in before["catalog"])
    with shop_db.engine.begin() as connection:
        row = connection.execute(
            sa.text(
                "SELECT document FROM catalog_entity WHERE kind = 'productOffering' "
                "AND entity_id = 'po-mobile-s' AND version = '1.0'"
            )
        ).scalar_one()
        original = json.loads(row) if isinstance(row, str) else row
    rewrite = sa.text(
        "UPDATE catalog_entity SET document = :d WHERE kind = 'productOffering' "
        "AND entity_id = 'po-mobile-s' AND version = '1.0'"
    )
    with shop_db.engine.begin() as connection:
        connection.execute(rewrite, {"d": json.dumps({**original, "description": "rewritten"})})
    try:
        after = dev.get(url).json()
    finally:  # the demo catalog as the other tests know it
        with shop_db.engine.begin() as connection:
            connection.execute(rewrite, {"d": json.dumps(original)})
    assert after["fingerprints"]["catalogIntact"] is False
    changed = {(e["kind"], e["id"]) for e in after["catalog"] if e["intact"] is False}
    assert changed == {("productOffering", "po-mobile-s")}

"""Orders are never destroyed: a DELETE keeps the TMF answer (204, then 404, gone from lists)
but the order and its whole story stay, and the admin API still tells it."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from core.persistence.database import Database
from tests.e2e.test_approvals_http import (
    APPROVALS,
    actor,
    business_order,
    independent_jcs_sha256,
)
from tests.e2e.test_tmf620_http import assert_error
from tests.orders import add, order

ORDERS = "/tmf-api/productOrderingManagement/v4/productOrder"
CANCELS = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"
ADMIN = "/admin/v1"


def test_a_completed_order_deleted_keeps_its_timeline_and_evidence(shop: TestClient) -> None:
    body = order("cust-carol", add("1", "po-mobile-s"), externalId="web-77")
    placed = shop.post(ORDERS, json=body, headers={"Idempotency-Key": "k-77"}).json()
    shop.app.container.orchestrator.run_until_idle()  # type: ignore[attr-defined]
    before = shop.get(f"{ADMIN}/orders/{placed['id']}/timeline").json()
    assert before["order"]["state"] == "completed" and before["deleted"] is None
    assert shop.delete(f"{ORDERS}/{placed['id']}").status_code == 204
    assert_error(shop.get(f"{ORDERS}/{placed['id']}"), 404)
    listed = shop.get(ORDERS)
    assert listed.json() == [] and listed.headers["x-total-count"] == "0"
    after = shop.get(f"{ADMIN}/orders/{placed['id']}/timeline")
    assert after.status_code == 200
    story = after.json()
    assert story["deleted"]["at"] and story["order"]["state"] == "completed"
    for part in ("states", "tasks", "calls"):
        assert story[part] == before[part] and story[part], part
    assert [e["eventType"] for e in story["events"]][-1] == "ProductOrderDeleteEvent"
    evidence = shop.get(f"{ADMIN}/orders/{placed['id']}/evidence").json()
    assert evidence["deleted"] == story["deleted"]
    assert evidence["fingerprints"]["snapshot"] == placed["pricingSnapshot"]["fingerprint"]
    # Complete, and every fingerprint recomputes with another RFC 8785 implementation.
    snapshot = evidence["priceCalculation"]["snapshot"]
    unsigned = {k: v for k, v in snapshot.items() if k != "fingerprint"}
    assert "sha256:" + independent_jcs_sha256(unsigned) == snapshot["fingerprint"]
    assert [s["to"] for s in evidence["timeline"] if s["item"] is None][-1] == "completed"
    assert evidence["fingerprints"]["catalogIntact"] is True and evidence["catalog"]
    for entity in evidence["catalog"]:
        assert independent_jcs_sha256(entity["document"]) == entity["sha256"]
        assert f"jcs-sha256:{entity['sha256']}" == entity["capturedHash"]
    # What named the deleted order stays taken.
    replay = shop.post(ORDERS, json=body, headers={"Idempotency-Key": "k-77"})
    assert_error(replay, 409, "deleted")
    assert_error(shop.post(ORDERS, json=body), 409, "web-77")
    cancel = {"productOrder": {"id": placed["id"]}, "cancellationReason": "late"}
    assert_error(shop.post(CANCELS, json=cancel), 400, "does not exist")


def test_a_deleted_order_that_never_started_is_never_fulfilled(
    shop: TestClient, shop_db: Database
) -> None:
    placed = shop.post(ORDERS, json=order("cust-carol", add("1", "po-mobile-s"))).json()
    assert placed["state"] == "acknowledged"
    assert shop.delete(f"{ORDERS}/{placed['id']}").status_code == 204
    shop.app.container.orchestrator.run_until_idle()  # type: ignore[attr-defined]
    story = shop.get(f"{ADMIN}/orders/{placed['id']}/timeline").json()
    assert story["order"]["state"] == "acknowledged" and story["tasks"] == []


@pytest.fixture
def dev(shop_db: Database, file_dirs: dict[str, str]):  # type: ignore[no-untyped-def]
    from tests.e2e.conftest import make_client

    with make_client(shop_db, TMF_DEVELOPMENT_MODE=True, TMF_RUN_JOBS=False, **file_dirs) as c:
        yield c


def test_deleting_a_pending_order_withdraws_its_approval_case(dev: TestClient) -> None:
    placed = dev.post(ORDERS, json=business_order(15), headers=actor("sam", "sales")).json()
    assert placed["state"] == "pending"
    (case,) = [c for c in dev.get(APPROVALS).json() if c["orderId"] == placed["id"]]
    deleted = dev.delete(f"{ORDERS}/{placed['id']}", headers=actor("sam", "sales"))
    assert deleted.status_code == 204
    kept = dev.get(f"{APPROVALS}/{case['id']}").json()
    assert kept["status"] == "withdrawn"
    assert kept["withdrawal"]["actor"] == "sam" and "deleted" in kept["withdrawal"]["reason"]
    decision = {"decision": "approve", "reason": "late", "fingerprint": case["fingerprint"]}
    late = dev.post(
        f"{APPROVALS}/{case['id']}/decision", json=decision, headers=actor("dora", "sales-director")
    )
    assert_error(late, 409, "withdrawn")
    evidence = dev.get(f"{ADMIN}/orders/{placed['id']}/evidence").json()
    assert evidence["approval"]["status"] == "withdrawn"
    assert evidence["deleted"]["by"] == "sam"

"""MACD on the installed base: switching offering only along the catalog's paths, suspend and
resume checked against the product's status."""

from __future__ import annotations

import pytest

from adapters.simulated import Ledger
from core.errors import Conflict
from core.fulfillment.orchestrator import Orchestrator
from core.inventory.model import InstalledProduct
from core.ordering.service import OrderingService
from core.requests import RequestContext
from tests.integration.test_fulfillment import effects, fulfil
from tests.integration.test_order_capture import refused
from tests.orders import change, order, party


def switch(product: str, offering: str) -> dict:  # type: ignore[type-arg]
    return {
        "id": "1",
        "action": "modify",
        "productOffering": {"id": offering},
        "product": {"id": product},
    }


def install(ordering: OrderingService, product_id: str, offering: str, status: str) -> None:
    document = {
        "id": product_id,
        "status": status,
        "productOffering": {"id": offering},
        "productCharacteristic": [
            {"name": "dataAllowanceGB", "value": 5},
            {"name": "msisdn", "value": "+33600000042"},
            {"name": "roaming", "value": False},
        ],
        "relatedParty": party("cust-alice"),
    }
    with ordering.db.uow() as uow:
        uow.inventory.add(
            InstalledProduct(product_id, "cust-alice", document), "2026-01-01T00:00:00.000Z"
        )
        uow.commit()


def test_an_upgrade_along_the_catalogs_path_is_accepted(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    placed, _ = ordering.place(
        order("cust-alice", switch("prod-alice-mobile", "po-mobile-l")), order_ctx
    )
    assert placed.state == "acknowledged"
    assert placed.snapshot is not None
    assert placed.snapshot["items"][0]["productOffering"]["id"] == "po-mobile-l"


def test_a_switch_without_a_path_is_refused_naming_the_allowed_targets(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    problems = refused(
        ordering, order_ctx, order("cust-alice", switch("prod-alice-mobile", "po-mobile-xl-2025"))
    )
    assert any(
        "cannot move from productOffering 'po-mobile-s' to 'po-mobile-xl-2025'" in p
        and "(allowed targets: 'po-mobile-l')" in p
        for p in problems
    ), problems


def test_a_replaced_offering_moves_to_the_one_that_replaces_it_only(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    install(ordering, "prod-alice-xl", "po-mobile-xl-2025", "active")
    problems = refused(
        ordering, order_ctx, order("cust-alice", switch("prod-alice-xl", "po-mobile-s"))
    )
    assert any("(allowed targets: 'po-mobile-l')" in p for p in problems), problems
    placed, _ = ordering.place(
        order("cust-alice", switch("prod-alice-xl", "po-mobile-l")), order_ctx
    )
    assert placed.state == "acknowledged"


def test_lenient_switches_without_a_path(
    lenient_ordering: OrderingService, order_ctx: RequestContext
) -> None:
    install(lenient_ordering, "prod-alice-xl", "po-mobile-xl-2025", "active")
    body = order("cust-alice", switch("prod-alice-xl", "po-mobile-s"))
    assert lenient_ordering.place(body, order_ctx)[0].state == "acknowledged"


def status(product: str, value: str, **chars: object) -> dict:  # type: ignore[type-arg]
    item = change("1", "modify", product, **chars)
    item["product"]["status"] = value
    return item


def product_status(ordering: OrderingService, product_id: str) -> str:
    with ordering.db.uow(write=False) as uow:
        found = uow.inventory.get(product_id)
    assert found is not None
    return found.status


def in_steps(done: list[str]) -> list[list[str]]:
    """The effects grouped by system in the order the steps ran: the services of one item are
    provisioned side by side (in any order), billing after all of them."""
    steps: list[list[str]] = []
    for effect in done:
        system = effect.split(".")[0]
        if steps and steps[-1][0].split(".")[0] == system:
            steps[-1] = sorted([*steps[-1], effect])
        else:
            steps.append([effect])
    return steps


def test_suspend_then_resume_pause_and_resume_the_services_and_billing(
    ordering: OrderingService,
    orchestrator: Orchestrator,
    ledger: Ledger,
    order_ctx: RequestContext,
) -> None:
    line = "prod-alice-mobile"
    suspend, _ = ordering.place(order("cust-alice", status(line, "suspended")), order_ctx)
    assert suspend.snapshot is not None
    assert suspend.snapshot["items"][0]["statusChange"] == "suspend"
    assert fulfil(orchestrator, ordering, suspend).state == "completed"
    assert in_steps(effects(ledger, suspend.id)) == [
        ["crm.check_customer order"],
        ["provisioning.suspend 1 ss-mobile-data", "provisioning.suspend 1 ss-mobile-voice"],
        ["billing.pause 1"],
    ]
    assert product_status(ordering, line) == "suspended"

    for body, why in (
        (change("1", "modify", line, roaming=True), "is suspended: resume it"),
        (status(line, "active", roaming=True), "a resume changes only product.status"),
        (status(line, "suspended"), "is suspended: resume it"),
        (status(line, "terminated"), "cannot be ordered"),
    ):
        problems = refused(ordering, order_ctx, order("cust-alice", body))
        assert any(why in p for p in problems), (why, problems)

    resume, _ = ordering.place(order("cust-alice", status(line, "active")), order_ctx)
    assert fulfil(orchestrator, ordering, resume).state == "completed"
    assert in_steps(effects(ledger, resume.id))[1:] == [
        ["provisioning.resume 1 ss-mobile-data", "provisioning.resume 1 ss-mobile-voice"],
        ["billing.resume 1"],
    ]
    assert product_status(ordering, line) == "active"
    problems = refused(ordering, order_ctx, order("cust-alice", status(line, "active")))
    assert any("is active already: there is nothing to resume" in p for p in problems)


def test_a_suspended_product_can_be_deleted_and_a_suspend_claims_it(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    install(ordering, "prod-alice-held", "po-mobile-s", "suspended")
    suspend, _ = ordering.place(
        order("cust-alice", status("prod-alice-mobile", "suspended")), order_ctx
    )
    with pytest.raises(Conflict, match=suspend.id):
        ordering.place(order("cust-alice", change("1", "delete", "prod-alice-mobile")), order_ctx)
    leave, _ = ordering.place(
        order("cust-alice", change("1", "delete", "prod-alice-held")), order_ctx
    )
    assert leave.state == "acknowledged"


def test_a_moved_product_keeps_only_values_its_new_offering_allows(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    placed, _ = ordering.place(
        order("cust-alice", switch("prod-alice-fibre", "po-fibre-300")), order_ctx
    )
    assert placed.snapshot is not None
    config = {c["name"]: c["value"] for c in placed.snapshot["items"][0]["configuration"]}
    assert config == {"downloadMbps": 300, "installationAddress": "12 rue des Lilas, Lyon"}


def test_a_collision_is_a_409_before_the_rules_and_never_about_another_customer(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    ordering.place(order("cust-alice", switch("prod-alice-fibre", "po-fibre-300")), order_ctx)
    with pytest.raises(Conflict, match="is being changed by open productOrder"):
        ordering.place(order("cust-alice", switch("prod-alice-fibre", "po-fibre-1000")), order_ctx)
    ordering.place(order("cust-bob", change("1", "delete", "prod-bob-tv")), order_ctx)
    problems = refused(
        ordering, order_ctx, order("cust-alice", change("1", "delete", "prod-bob-tv"))
    )
    assert problems == ["item '1': product 'prod-bob-tv' belongs to another customer"]

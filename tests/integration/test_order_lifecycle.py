"""After capture, on each back end: idempotency, patch rules, delete, cancellation, snapshots."""

from __future__ import annotations

import threading

import pytest

from core.catalog.service import CatalogService, CatalogSettings
from core.errors import Conflict, InvalidRequest, NotFound, PreconditionFailed
from core.ordering.cancellation import CancellationService
from core.ordering.model import ProductOrder, Stamp
from core.ordering.service import OrderingService
from core.requests import RequestContext
from core.schema import ResourceSchemas
from tests.integration.test_order_capture import rows
from tests.orders import add, order


def place(ordering: OrderingService, ctx: RequestContext, **extra: object) -> ProductOrder:
    return ordering.place(order("cust-carol", add("1", "po-mobile-s"), **extra), ctx)[0]


def test_the_same_idempotency_key_and_body_give_the_same_order(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    body = order("cust-carol", add("1", "po-mobile-s"))
    first, new = ordering.place(body, order_ctx, idempotency_key="key-1")
    again, again_new = ordering.place(body, order_ctx, idempotency_key="key-1")
    assert new and not again_new
    assert again.id == first.id and again.document == first.document
    assert rows(ordering.db, "product_order") == 1 and rows(ordering.db, "outbox") == 1
    other = order("cust-carol", add("1", "po-mobile-l"))
    with pytest.raises(Conflict, match="used for a different productOrder request"):
        ordering.place(other, order_ctx, idempotency_key="key-1")
    assert rows(ordering.db, "product_order") == 1


def test_external_id_is_unique_per_customer(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    place(ordering, order_ctx, externalId="crm-7")
    with pytest.raises(Conflict, match="externalId 'crm-7' is already used"):
        place(ordering, order_ctx, externalId="crm-7")
    other = order("cust-bob", add("1", "po-mobile-s"), externalId="crm-7")
    assert ordering.place(other, order_ctx)[0].external_id == "crm-7"


def test_patch_changes_what_the_state_allows(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    placed = place(ordering, order_ctx)
    patched = ordering.patch(
        placed.id, {"description": "gift", "note": [{"text": "call first"}]}, "merge", order_ctx
    )
    assert patched.document["description"] == "gift" and patched.row_version == 2
    with pytest.raises(InvalidRequest, match="state is set by the server"):
        ordering.patch(placed.id, {"state": "completed"}, "merge", order_ctx)
    with pytest.raises(InvalidRequest, match="orderDate is set by the server"):
        ordering.patch(
            placed.id,
            [{"op": "replace", "path": "/orderDate", "value": "2020-01-01T00:00:00Z"}],
            "json",
            order_ctx,
        )
    with ordering.db.uow(write=False) as uow:
        kinds = [e.event_type for e in uow.outbox.list("productOrder", placed.id)]
    assert kinds == ["ProductOrderCreateEvent", "ProductOrderAttributeValueChangeEvent"]


def test_changing_items_of_an_order_not_started_checks_and_prices_again(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    placed = place(ordering, order_ctx)
    items = [dict(placed.item("1"), quantity=2)]
    patched = ordering.patch(placed.id, {"productOrderItem": items}, "merge", order_ctx)
    assert patched.item("1")["itemPrice"][0]["price"]["dutyFreeAmount"]["value"] == 30.0
    assert patched.item("1")["state"] == "acknowledged"
    assert patched.snapshot and placed.snapshot
    assert patched.snapshot["fingerprint"] != placed.snapshot["fingerprint"]
    bad = [dict(placed.item("1"), productOffering={"id": "po-mobile-xl-2025"})]
    with pytest.raises(InvalidRequest, match="Retired"):
        ordering.patch(placed.id, {"productOrderItem": bad}, "merge", order_ctx)
    assert ordering.get(placed.id).row_version == 2


def test_a_final_order_takes_only_notes(
    ordering: OrderingService, cancellation: CancellationService, order_ctx: RequestContext
) -> None:
    placed = place(ordering, order_ctx)
    cancellation.cancel({"productOrder": {"id": placed.id}}, order_ctx)
    with pytest.raises(Conflict, match="is cancelled: only note can change now, not description"):
        ordering.patch(placed.id, {"description": "late"}, "merge", order_ctx)
    noted = ordering.patch(placed.id, {"note": [{"text": "customer called"}]}, "merge", order_ctx)
    assert noted.document["note"] == [{"text": "customer called"}]


def test_if_match_and_lost_updates(ordering: OrderingService, order_ctx: RequestContext) -> None:
    placed = place(ordering, order_ctx)
    with pytest.raises(PreconditionFailed):
        ordering.patch(placed.id, {"description": "x"}, "merge", order_ctx, if_match='"stale"')
    ordering.patch(placed.id, {"description": "x"}, "merge", order_ctx, if_match=placed.etag)
    # A writer that read before that change must not overwrite it.
    with ordering.db.uow() as uow, pytest.raises(Conflict, match="changed by another request"):
        stale = ProductOrder(
            placed.id,
            dict(placed.document, description="y"),
            placed.snapshot,
            placed.row_version + 1,
        )
        uow.orders.update(stale, "2026-01-01T00:00:00.000Z")


def test_cancelling_an_order_not_started(
    ordering: OrderingService, cancellation: CancellationService, order_ctx: RequestContext
) -> None:
    placed = place(ordering, order_ctx)
    request, _ = cancellation.cancel(
        {"productOrder": {"id": placed.id}, "cancellationReason": "changed my mind"}, order_ctx
    )
    assert request.state == "done" and request.document["effectiveCancellationDate"]
    cancelled = ordering.get(placed.id)
    assert cancelled.state == "cancelled" and cancelled.item("1")["state"] == "cancelled"
    assert cancelled.document["cancellationReason"] == "changed my mind"
    steps = [(e.item_id, e.to_state) for e in ordering.timeline(placed.id) if e.from_state]
    assert steps == [
        ("1", "assessingCancellation"),
        (None, "assessingCancellation"),
        ("1", "pendingCancellation"),
        (None, "pendingCancellation"),
        ("1", "cancelled"),
        (None, "cancelled"),
    ]
    with ordering.db.uow(write=False) as uow:
        events = [(e.event_type, e.resource_id) for e in uow.outbox.list()]
    assert events[1:] == [
        ("CancelProductOrderCreateEvent", request.id),
        ("CancelProductOrderStateChangeEvent", request.id),
        ("ProductOrderStateChangeEvent", placed.id),
        ("ProductOrderStateChangeEvent", placed.id),
        ("ProductOrderStateChangeEvent", placed.id),
        ("CancelProductOrderStateChangeEvent", request.id),
    ]
    assert cancellation.get(request.id).document == request.document


def test_cancelling_a_final_order_ends_in_error_with_the_reason(
    ordering: OrderingService, cancellation: CancellationService, order_ctx: RequestContext
) -> None:
    placed = place(ordering, order_ctx)
    cancellation.cancel({"productOrder": {"id": placed.id}}, order_ctx)
    again, _ = cancellation.cancel({"productOrder": {"id": placed.id}}, order_ctx)
    assert again.state == "terminatedWithError"
    assert "already cancelled" in again.document["stateReason"]
    with pytest.raises(InvalidRequest, match="productOrder 'nope' does not exist"):
        cancellation.cancel({"productOrder": {"id": "nope"}}, order_ctx)
    with pytest.raises(InvalidRequest, match="state is set by the server"):
        cancellation.cancel({"productOrder": {"id": placed.id}, "state": "done"}, order_ctx)


def test_delete_archives_the_order_its_timeline_and_cancellations(
    ordering: OrderingService, cancellation: CancellationService, order_ctx: RequestContext
) -> None:
    placed = place(ordering, order_ctx)
    cancellation.cancel({"productOrder": {"id": placed.id}}, order_ctx)
    timeline = rows(ordering.db, "order_timeline")
    ordering.delete(placed.id, order_ctx)
    assert rows(ordering.db, "product_order") == rows(ordering.db, "cancel_product_order") == 1
    assert rows(ordering.db, "order_timeline") == timeline > 0
    with pytest.raises(NotFound):
        ordering.get(placed.id)
    assert ordering.get_all([]).total == cancellation.get_all([]).total == 0
    with ordering.db.uow(write=False) as uow:
        kept = uow.orders.get(placed.id)
        assert kept is not None and kept.deleted is not None and kept.snapshot == placed.snapshot
        assert all(c.deleted is not None for c in uow.cancels.of_order(placed.id))
        assert (
            uow.outbox.list("productOrder", placed.id)[-1].event_type == "ProductOrderDeleteEvent"
        )


def test_an_order_under_way_cannot_be_deleted(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    placed = place(ordering, order_ctx)
    with ordering.db.uow() as uow:  # what the orchestrator will do once fulfillment lands
        running = uow.orders.get(placed.id)
        assert running is not None
        running.move(
            "inProgress",
            Stamp("2026-01-01T00:00:00.000Z"),
        )
        running.row_version += 1
        uow.orders.update(running, "2026-01-01T00:00:00.000Z")
        uow.commit()
    with pytest.raises(Conflict, match="is inProgress; only orders not yet started"):
        ordering.delete(placed.id, order_ctx)


def test_a_catalog_change_after_the_order_leaves_its_snapshot_alone(
    ordering: OrderingService,
    order_ctx: RequestContext,
    schemas: ResourceSchemas,
    ctx: RequestContext,
) -> None:
    placed = place(ordering, order_ctx)
    catalog = CatalogService(ordering.db, schemas, CatalogSettings(strict=True))
    catalog.patch(
        "productOfferingPrice",
        "pop-mobile-s-monthly",
        {"price": {"unit": "EUR", "value": 19.0}},
        "merge",
        ctx,
    )
    stored = ordering.get(placed.id)
    assert stored.snapshot == placed.snapshot
    assert stored.item("1")["itemPrice"] == placed.item("1")["itemPrice"]
    later = place(ordering, order_ctx)
    assert later.item("1")["itemPrice"][0]["price"]["dutyFreeAmount"]["value"] == 19.0
    assert (
        later.snapshot
        and later.snapshot["items"][0]["price"][0]["productOfferingPrice"]["version"] == "1.1"
    )


def test_concurrent_patches_with_the_same_etag_let_one_win(
    ordering: OrderingService, order_ctx: RequestContext
) -> None:
    """Two clients read the same version and both patch it: one wins, the other gets 409/412."""
    placed = place(ordering, order_ctx)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def patch(text: str) -> None:
        barrier.wait()
        try:
            ordering.patch(
                placed.id, {"description": text}, "merge", order_ctx, if_match=placed.etag
            )
            outcomes.append("ok")
        except (Conflict, PreconditionFailed) as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=patch, args=(t,)) for t in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[1:] == ["ok"] and outcomes.count("ok") == 1
    assert ordering.get(placed.id).row_version == 2

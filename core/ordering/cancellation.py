"""cancelProductOrder: cancel an order at once, by compensation, or say why it cannot be."""

from __future__ import annotations

import copy

from core import tracing
from core.catalog.patching import identity_sent
from core.errors import Conflict, InvalidRequest
from core.fulfillment import compensation
from core.fulfillment.progress import STARTED, advance
from core.fulfillment.recording import OrderWriter
from core.ordering import states
from core.ordering.model import CancelRequest, JsonObject, ProductOrder, Stamp
from core.ordering.support import UseCases, href, request_hash
from core.persistence.listing import Found
from core.persistence.uow import UnitOfWork
from core.query import Query
from core.requests import RequestContext

KIND = "cancelProductOrder"
SCHEMA = "CancelProductOrder"
SERVER_SET = ("state", "effectiveCancellationDate", "stateReason")


class CancellationService(UseCases[CancelRequest]):
    """Cancellation requests over one database."""

    kind = KIND
    schema = SCHEMA

    def load(self, uow: UnitOfWork, resource_id: str) -> CancelRequest | None:
        return uow.cancels.get(resource_id)

    def find(
        self, uow: UnitOfWork, query: Query, parties: frozenset[str] | None = None
    ) -> Found[CancelRequest]:
        return uow.cancels.list(query, parties)

    def party_of(self, uow: UnitOfWork, resource: CancelRequest) -> str | None:
        order = uow.orders.get(resource.order_id)
        return order.customer_id if order is not None else None

    @tracing.traced("ordering.cancel")
    def cancel(
        self, body: JsonObject, ctx: RequestContext, idempotency_key: str | None = None
    ) -> tuple[CancelRequest, bool]:
        """Record the request and carry it out: at once when the order has not started, by
        compensation while it runs; a final order, or one past the point of no return, ends the
        request in terminatedWithError with the reason in ``stateReason``.
        """
        earlier = self.replay(idempotency_key, body, ctx)
        if earlier is not None:
            return earlier, False
        document = copy.deepcopy(body)
        problems = identity_sent(body, ("id", "href", *SERVER_SET))
        order_id = str((body.get("productOrder") or {}).get("id", ""))
        now = self.now()
        cancel_id = self.ids.new_id()
        document.update(id=cancel_id, href=href(ctx, KIND, cancel_id), state="acknowledged")
        document.setdefault("@type", SCHEMA)
        problems.extend(self.schemas.validate(SCHEMA, document))
        problems.extend(self.schemas.normalize_datetimes(SCHEMA, document))
        if problems:
            raise InvalidRequest(problems, "Invalid cancellation request")
        with self.db.uow() as uow:
            order = uow.orders.lock(order_id)
            if order is None or order.deleted or not ctx.sees_party(order.customer_id):
                raise InvalidRequest(f"productOrder {order_id!r} does not exist", "Unknown order")
            if any(c.state in states.CANCEL_OPEN for c in uow.cancels.of_order(order_id)):
                raise Conflict(
                    f"productOrder {order_id!r} already has a cancellation in progress",
                    "Cancellation in progress",
                )
            document["productOrder"] = {
                **document["productOrder"],
                "href": order.document.get("href", href(ctx, "productOrder", order_id)),
            }
            request = CancelRequest(cancel_id, order_id, document)
            self.emit(uow, KIND, "Create", copy.deepcopy(document), now, ctx)
            self._carry_out(uow, request, order, now, ctx)
            request = uow.cancels.get(cancel_id) or request  # compensation may have finished it
            if idempotency_key is not None:
                uow.idempotency.add(
                    self.key_scope(ctx), idempotency_key, request_hash(body), cancel_id, now
                )
            uow.commit()
        return request, True

    def _carry_out(
        self,
        uow: UnitOfWork,
        request: CancelRequest,
        order: ProductOrder,
        now: str,
        ctx: RequestContext,
    ) -> None:
        """Cancel at once (not started), compensate (started), or say why it cannot be done."""
        reason = request.document.get("cancellationReason") or "cancelled on request"
        stamp = Stamp(
            now, f"cancelProductOrder {request.id}: {reason}", ctx.actor, ctx.correlation_id
        )
        if order.state in states.NOT_STARTED:
            request.move("inProgress")
            for step in ("assessingCancellation", "pendingCancellation", "cancelled"):
                order.move_items(step, stamp)
                order.move(step, stamp)
            order.document["cancellationDate"] = now
            order.document["cancellationReason"] = reason
            order.state_changes[-1] = copy.deepcopy(order.document)
            request.document["effectiveCancellationDate"] = now
            request.move("done")
        elif order.state in states.ORDER_FINAL:
            request.document["stateReason"] = (
                f"productOrder {order.id!r} is already {order.state}; there is nothing to cancel"
            )
            request.move("terminatedWithError")
        elif order.state in STARTED:
            self._compensate(uow, request, order, reason, stamp, ctx)
            return
        else:
            request.document["stateReason"] = (
                f"productOrder {order.id!r} is {order.state}; it cannot be cancelled now"
            )
            request.move("terminatedWithError")
        uow.cancels.add(request, now)
        if order.state_changes:
            order.row_version += 1
            uow.orders.update(order, now)
            uow.timeline.add(order.timeline)
        events = [(KIND, doc) for doc in request.state_changes]
        events[-1:-1] = [("productOrder", doc) for doc in order.state_changes]
        for kind, doc in events:
            self.emit(uow, kind, "StateChange", doc, now, ctx)

    def _compensate(
        self,
        uow: UnitOfWork,
        request: CancelRequest,
        order: ProductOrder,
        reason: str,
        stamp: Stamp,
        ctx: RequestContext,
    ) -> None:
        """Undo the work done so far, unless it is past the point of no return."""
        tasks = uow.tasks.of_order(order.id, lock=True)
        past = compensation.past_point_of_no_return(order, tasks, self.settings.point_of_no_return)
        if past is not None:
            request.document["stateReason"] = (
                f"productOrder {order.id!r} is past the point of no return: {past}"
            )
            request.move("terminatedWithError")
            uow.cancels.add(request, stamp.at)
            self.emit(uow, KIND, "StateChange", request.state_changes[-1], stamp.at, ctx)
            return
        request.move("inProgress")
        uow.cancels.add(request, stamp.at)
        self.emit(uow, KIND, "StateChange", request.state_changes[-1], stamp.at, ctx)
        request.state_changes.clear()
        order.document["cancellationReason"] = reason
        changed, undo = compensation.begin(order, tasks, stamp)
        progress = advance(order, tasks + undo, stamp)
        uow.tasks.add(undo)
        writer = OrderWriter(uow, self.ids)
        writer.store(order, tasks + undo, progress, stamp, changed)
        writer.flush(stamp.at)

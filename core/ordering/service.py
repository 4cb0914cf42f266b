"""Order use cases: place (validate, price, snapshot), read, list, patch and delete orders."""

from __future__ import annotations

import copy
import functools
from typing import Any

from core import tracing
from core.approval.assessment import Assessment, assess, open_case, repriced, withdraw_case
from core.approval.policy import Policy
from core.approval.store import PolicyInForce
from core.catalog.hashes import CatalogHashes
from core.catalog.patching import apply_patch, identity_sent
from core.catalog.relationships import RelationshipCache
from core.errors import Conflict, Forbidden, InvalidRequest, NotFound
from core.ordering import states
from core.ordering.bundles import with_bundle_children
from core.ordering.capture import Capture, capture
from core.ordering.collisions import claim_products, claimable, record_changes
from core.ordering.items import OrderItem, read_items, structural_problems
from core.ordering.loading import load_context
from core.ordering.model import (
    SERVER_OWNED,
    JsonObject,
    ProductOrder,
    Stamp,
    TimelineEntry,
    customer_of,
)
from core.ordering.patching import PRICES, patch_problems, reprice_needed
from core.ordering.support import Page, UseCases, href, request_hash
from core.persistence.listing import Found
from core.persistence.uow import UnitOfWork
from core.pricing import discounts
from core.pricing.snapshot import order_price, total_price
from core.query import Query
from core.requests import Deletion, RequestContext, require_match

KIND = "productOrder"
SCHEMA = "ProductOrder"


class OrderingService(UseCases[ProductOrder]):
    """Product orders over one database."""

    kind = KIND
    schema = SCHEMA

    @functools.cached_property
    def catalog_hashes(self) -> CatalogHashes:
        """Content hashes of catalog versions, shared by every capture of this service."""
        return CatalogHashes()

    @functools.cached_property
    def relationships(self) -> RelationshipCache:
        """Which offerings require or exclude which, per catalog generation."""
        return RelationshipCache()

    @functools.cached_property
    def policies(self) -> PolicyInForce:
        """The approval policy in force: stored through the admin API, else the settings'."""
        return PolicyInForce(self.settings.approval_policy)

    # -- reads -----------------------------------------------------------------------------

    def load(self, uow: UnitOfWork, resource_id: str) -> ProductOrder | None:
        return uow.orders.get(resource_id)

    def find(
        self, uow: UnitOfWork, query: Query, parties: frozenset[str] | None = None
    ) -> Found[ProductOrder]:
        return uow.orders.list(query, parties)

    def party_of(self, uow: UnitOfWork, resource: ProductOrder) -> str | None:
        return resource.customer_id

    def rendered_page(
        self, query: Query, ctx: RequestContext | None, href_prefix: str, snapshot_key: str
    ) -> Page[str]:
        """``page`` as JSON texts made by the store (a list without a projection): each order
        with its href (``href_prefix`` and its id) and its snapshot under ``snapshot_key``."""
        parties = ctx.party_ids if ctx is not None else None
        with self.db.uow(write=False) as uow:  # the page and its count: one statement
            found = uow.orders.rendered(query, parties, href_prefix, snapshot_key)
        return Page(found.items, found.total, query, found.exact)

    def quick_rendered_page(
        self, query: Query, ctx: RequestContext | None, href_prefix: str, snapshot_key: str
    ) -> Page[str] | None:
        """``rendered_page`` when the same page was read quickly the last time; None (nothing
        read) otherwise: fit to run on an event loop."""
        parties = ctx.party_ids if ctx is not None else None
        with self.db.uow(write=False) as uow:
            found = uow.orders.quick_rendered(query, parties, href_prefix, snapshot_key)
        return None if found is None else Page(found.items, found.total, query, found.exact)

    def timeline(self, order_id: str) -> list[TimelineEntry]:
        with self.db.uow(write=False) as uow:
            return uow.timeline.of(order_id)

    # -- place -----------------------------------------------------------------------------

    @tracing.traced("ordering.place")
    def place(
        self,
        body: JsonObject,
        ctx: RequestContext,
        idempotency_key: str | None = None,
        schema_checked: bool = False,
    ) -> tuple[ProductOrder, bool]:
        """Accept an order if every rule holds (400 with every problem otherwise).

        ``schema_checked``: the caller has validated ``body`` against the create schema (the
        API layer does, per request), so only timestamps are normalized here. Returns the
        order and whether it is new (False: replayed by its Idempotency-Key).
        """
        earlier = self.replay(idempotency_key, body, ctx)
        if earlier is not None:
            return earlier, False
        customer = customer_of(body)
        if not ctx.sees_party(customer):
            allowed = ", ".join(sorted(ctx.party_ids or ()))
            raise Forbidden(
                f"this caller may order only for its customers ({allowed}), not for {customer!r}",
                "Customer not allowed",
            )
        document = copy.deepcopy(body)
        problems = identity_sent(body, SERVER_OWNED)
        items = read_items(document)
        problems.extend(structural_problems(items, self.settings.strict))
        now = self.now()
        order_id = self.ids.new_id()
        document.update(id=order_id, href=href(ctx, KIND, order_id), orderDate=now)
        document.setdefault("@type", SCHEMA)
        if schema_checked:
            problems.extend(self.schemas.normalize_datetimes(SCHEMA, document))
        else:
            problems.extend(self.schemas.check(SCHEMA, document))
        if problems:
            raise InvalidRequest(problems, "Invalid order")
        with self.db.uow() as uow:
            # Read before capture queues its inserts, so that they go with the order's.
            policy = self.policies.current(uow)
            priced = self._capture(uow, document, items, now)
            order = ProductOrder(
                order_id,
                document,
                priced.snapshot,
                correlation_id=ctx.correlation_id,
                traceparent=tracing.current(),
            )
            assessment = self._assess(policy, priced, document, ctx)
            if assessment is not None and assessment.needed:
                why = f"approval needed ({assessment.summary()})"
                order.start("pending", Stamp(now, why, ctx.actor, ctx.correlation_id))
            else:
                order.start(
                    "acknowledged", Stamp(now, "order accepted", ctx.actor, ctx.correlation_id)
                )
            uow.orders.add(order, now)
            uow.timeline.add(order.timeline)
            if idempotency_key is not None:
                uow.idempotency.add(
                    self.key_scope(ctx), idempotency_key, request_hash(body), order_id, now
                )
            self.emit(uow, KIND, "Create", order.document, now, ctx)
            if assessment is not None and assessment.needed:
                open_case(uow, self.ids.new_id, order, assessment, ctx, now)
                self.emit(uow, KIND, "InformationRequired", order.document, now, ctx)
            uow.commit()
        return order, True

    def _capture(
        self,
        uow: UnitOfWork,
        document: JsonObject,
        items: list[OrderItem],
        now: str,
        again: bool = False,
    ) -> Capture:
        """Validate and price ``document`` (whose ``items`` are given) in place; 400 with every
        problem, 409 when another open order changes one of its products. ``again``: a stored
        order captured anew (a new one has no claims or recorded changes to replace). A deleted
        bundle product's children are deleted with it: their items are added to the order."""
        items = with_bundle_children(uow, document, items)
        ctx = load_context(
            uow,
            document,
            items,
            now,
            self.settings.strict,
            self.settings.lifecycle,
            self.catalog_hashes,
            self.relationships,
        )
        order_id = str(document["id"])
        # A collision first: another open order's changes would only be echoed as problems.
        claim_products(uow, order_id, claimable(items, ctx), now, again)
        result = capture(document, items, ctx)
        if result.problems:
            raise InvalidRequest(result.problems, "Invalid order")
        uow.catalog_history.record_uses(order_id, result.unreleased)
        record_changes(uow, order_id, customer_of(document), result.outcomes, again)
        for outcome in result.outcomes:
            item = outcome.item.document
            if outcome.lines or outcome.offering is not None:
                item["itemPrice"] = [order_price(line) for line in outcome.lines]
                item["itemTotalPrice"] = [total_price(t) for t in outcome.totals]
        if result.order_totals or any(o.offering is not None for o in result.outcomes):
            document["orderTotalPrice"] = [total_price(t) for t in result.order_totals]
        return result

    # -- patch and delete ------------------------------------------------------------------

    @tracing.traced("ordering.patch")
    def patch(
        self,
        order_id: str,
        patch: Any,
        patch_format: str,
        ctx: RequestContext,
        if_match: str | None = None,
    ) -> ProductOrder:
        """Change what the order's state allows; items of an order not yet started re-price."""
        with self.db.uow() as uow:
            current = self._current(uow, order_id, if_match, ctx)
            document = apply_patch(current.document, patch, patch_format)
            if document == current.document:
                return current
            problems = patch_problems(current, document)
            if problems:
                raise InvalidRequest(problems, "Invalid change to productOrder")
            problems = self.schemas.check(SCHEMA, document)
            if problems:
                raise InvalidRequest(problems, "Invalid change to productOrder")
            now = self.now()
            snapshot, priced = current.snapshot, None
            if reprice_needed(current.document, document):
                priced = self._recapture(uow, current, document, now)
                snapshot = priced.snapshot
            order = ProductOrder(
                order_id,
                document,
                snapshot,
                current.row_version + 1,
                current.correlation_id,
                traceparent=current.traceparent,
            )
            assessment = (
                self._assess(self.policies.current(uow), priced, document, ctx)
                if priced is not None
                else None
            )
            target = (
                repriced(uow, self.ids.new_id, order, assessment, ctx, now) if assessment else None
            )
            if target is not None:
                stamp = Stamp(now, f"priced again: {target}", ctx.actor, ctx.correlation_id)
                order.move_items(target, stamp)
                order.move(target, stamp)
                uow.timeline.add(order.timeline)
            uow.orders.update(order, now)
            self.emit(uow, KIND, "AttributeValueChange", document, now, ctx)
            for changed in order.state_changes:
                self.emit(uow, KIND, "StateChange", changed, now, ctx)
            uow.commit()
        return order

    @tracing.traced("ordering.delete")
    def delete(self, order_id: str, ctx: RequestContext, if_match: str | None = None) -> None:
        """Delete a final or never-started order: to the TMF API it is gone (404, left out of
        lists), but it is archived with who and when, never erased; its timeline, snapshot,
        calls, repairs, cancellations, approval case and events stay as evidence."""
        with self.db.uow() as uow:
            order = self._current(uow, order_id, if_match, ctx)
            if order.state not in states.ORDER_FINAL | states.NOT_STARTED:
                raise Conflict(
                    f"productOrder {order_id!r} is {order.state}; only orders not yet started "
                    f"or in a final state ({', '.join(sorted(states.ORDER_FINAL))}) can be "
                    "deleted",
                    "Order in progress",
                )
            if any(c.state in states.CANCEL_OPEN for c in uow.cancels.of_order(order_id)):
                raise Conflict(
                    f"productOrder {order_id!r} has a cancellation in progress", "Order in use"
                )
            now = self.now()
            deletion = Deletion(now, ctx.actor)
            uow.orders.archive(order, deletion)
            uow.cancels.archive_of_order(order_id, deletion)
            withdraw_case(uow, self.ids.new_id, order_id, ctx, now)
            self.emit(uow, KIND, "Delete", order.document, now, ctx)
            uow.commit()

    # -- helpers ---------------------------------------------------------------------------

    def _assess(
        self, policy: Policy | None, priced: Capture, document: JsonObject, ctx: RequestContext
    ) -> Assessment | None:
        """What the approval policy in force says of a priced order (None: there is none)."""
        if policy is None:
            return None
        categories = {
            o.offering.id: frozenset(
                str(c.get("id"))
                for c in o.offering.document.get("category") or []
                if isinstance(c, dict)
            )
            for o in priced.outcomes
            if o.offering is not None
        }
        return assess(policy, priced.snapshot, document, categories, ctx.roles)

    def _recapture(
        self, uow: UnitOfWork, current: ProductOrder, document: JsonObject, now: str
    ) -> Capture:
        """Check and price changed items again; each keeps its state, new ones get the order's."""
        items = read_items(document)
        kept: dict[str, Any] = {}
        for item in items:
            kept[item.id] = item.document.pop("state", current.state)
            asked = discounts.requests_of(item.document.get("itemPrice"))
            for name in PRICES:
                item.document.pop(name, None)
            if asked:
                item.document["itemPrice"] = asked
        document.pop("orderTotalPrice", None)
        problems = structural_problems(items, self.settings.strict)
        if problems:
            raise InvalidRequest(problems, "Invalid change to productOrder")
        priced = self._capture(uow, document, items, now, again=True)
        for outcome in priced.outcomes:  # the items, with any a bundle's delete added
            outcome.item.document["state"] = kept.get(outcome.item.id, current.state)
        return priced

    def _current(
        self, uow: UnitOfWork, order_id: str, if_match: str | None, ctx: RequestContext
    ) -> ProductOrder:
        order = self.visible(uow, order_id, ctx)
        if order is None:
            raise NotFound(KIND, order_id)
        require_match(if_match, order.etag, f"productOrder {order_id!r}")
        return order

"""TMF637 writes: migrations and corrections of the installed base, never the way a customer's
products change (orders do that). Off unless the operator turns them on; each one needs an
actor and a reason, is kept in the audit trail with the product before and after, raises the
product's events, and waits for no open order: a product an open order changes is refused."""

from __future__ import annotations

import copy
import logging
from typing import Any

from core import tracing
from core.catalog.patching import apply_patch, identity_sent
from core.errors import Conflict, Forbidden, InvalidRequest, MethodNotAllowed, NotFound
from core.inventory.events import product_events
from core.inventory.model import InstalledProduct
from core.inventory.service import KIND, SCHEMA, etag_of
from core.ordering.model import customer_of
from core.persistence.database import Database
from core.persistence.uow import UnitOfWork
from core.ports import Clock, IdGenerator, SystemClock, UuidGenerator
from core.requests import RequestContext, require_match
from core.schema import ResourceSchemas
from core.timeutil import format_utc

log = logging.getLogger("tmf.inventory")
REASON_LIMIT = 500
# Set by the server on every product: a client neither sends nor changes them.
SERVER_OWNED = ("id", "href")


class InventoryCorrections:
    """Create, patch and delete products through TMF637, for the operator's migrations."""

    def __init__(
        self,
        db: Database,
        schemas: ResourceSchemas,
        enabled: bool = False,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
    ) -> None:
        self.db = db
        self.schemas = schemas
        self.enabled = enabled
        self.clock = clock or SystemClock()
        self.ids = ids or UuidGenerator()

    @tracing.traced("inventory.correct")
    def create(self, body: Any, ctx: RequestContext, reason: str | None) -> InstalledProduct:
        actor, why = self._allowed(ctx, reason)
        if not isinstance(body, dict):
            raise InvalidRequest("the body is a Product object")
        problems = identity_sent(body, SERVER_OWNED)
        if problems:
            raise InvalidRequest(problems)
        document = {**copy.deepcopy(body), "id": self.ids.new_id()}
        document.setdefault("@type", "Product")
        now = format_utc(self.clock.now())
        with self.db.uow() as uow:
            product = self._checked(uow, document, 1)
            uow.inventory.add(product, now)
            self._record(uow, "create", product, None, ctx, actor, why, now)
            uow.commit()
        return product

    @tracing.traced("inventory.correct")
    def patch(
        self,
        product_id: str,
        body: Any,
        patch_format: str,
        ctx: RequestContext,
        if_match: str | None,
        reason: str | None,
    ) -> InstalledProduct:
        actor, why = self._allowed(ctx, reason)
        now = format_utc(self.clock.now())
        with self.db.uow() as uow:
            current = self._current(uow, product_id, if_match, now)
            document = apply_patch(copy.deepcopy(current.document), body, patch_format)
            if document.get("id", current.id) != current.id:
                raise InvalidRequest("id is set by the server and cannot be changed")
            document["id"] = current.id
            document.pop("href", None)  # the server's, added when shown
            product = self._checked(uow, document, current.row_version + 1)
            uow.inventory.update(product, now)
            self._record(uow, "patch", product, current.document, ctx, actor, why, now)
            uow.commit()
        return product

    @tracing.traced("inventory.correct")
    def delete(
        self, product_id: str, ctx: RequestContext, if_match: str | None, reason: str | None
    ) -> None:
        actor, why = self._allowed(ctx, reason)
        now = format_utc(self.clock.now())
        with self.db.uow() as uow:
            current = self._current(uow, product_id, if_match, now)
            uow.inventory.remove(current)
            self._record(uow, "delete", current, current.document, ctx, actor, why, now)
            uow.commit()

    # -- rules ----------------------------------------------------------------------------

    def _allowed(self, ctx: RequestContext, reason: str | None) -> tuple[str, str]:
        """Who corrects and why; refused while writes are off, and to partners."""
        if not self.enabled:
            raise MethodNotAllowed(
                "the product inventory changes through orders; TMF637 writes are for "
                "migrations and corrections and are off (the operator turns them on with "
                "TMF_INVENTORY_WRITES=on)",
                "Inventory writes disabled",
                ("GET",),
            )
        if ctx.party_ids is not None:
            raise Forbidden("a partner cannot correct the inventory; send an order")
        problems = []
        if not (ctx.actor or "").strip():
            problems.append(
                "say who corrects: an authenticated caller (or X-Actor-Id in "
                "development mode); every correction is audited"
            )
        why = (reason or "").strip()
        if not why or len(why) > REASON_LIMIT:
            problems.append(
                f"say why in the X-Correction-Reason header (1 to {REASON_LIMIT} "
                "characters); every correction is audited"
            )
        if problems:
            raise InvalidRequest(problems, "Correction not audited")
        assert ctx.actor is not None
        return ctx.actor, why

    def _current(
        self, uow: UnitOfWork, product_id: str, if_match: str | None, now: str
    ) -> InstalledProduct:
        """The product to correct, not claimed by an open order (which holds it while the
        correction's transaction runs, so no order can claim it meanwhile)."""
        current = uow.inventory.get(product_id)
        if current is None:
            raise NotFound(KIND, product_id)
        require_match(if_match, etag_of(current), f"product {product_id!r}")
        holder_key = f"correction:{self.ids.new_id()}"
        holder = uow.claims.claim(product_id, holder_key, "-", "correct", now)
        if holder is not None:
            raise Conflict(
                f"product {product_id!r} is being changed by open order {holder.order_id!r} "
                f"(item {holder.item_id!r}, {holder.action}); correct it once that order ends",
                "Product in use by another order",
            )
        uow.claims.release_others(holder_key, set())
        return current

    def _checked(self, uow: UnitOfWork, document: dict[str, Any], version: int) -> InstalledProduct:
        """The product ``document`` describes: valid, of one customer, of a known offering."""
        problems = self.schemas.validate(SCHEMA, document)
        customer = customer_of(document)
        if customer is None:
            problems.append(
                "relatedParty: a product belongs to one customer; name the party with role Customer"
            )
        offering = (document.get("productOffering") or {}).get("id")
        if not offering:
            problems.append("productOffering.id: name the catalog offering the product is of")
        elif not uow.catalog.existing_ids("productOffering", {str(offering)}):
            problems.append(f"productOffering.id: no offering {offering!r} in the catalog")
        if problems:
            raise InvalidRequest(problems)
        assert customer is not None
        return InstalledProduct(str(document["id"]), customer, document, version)

    def _record(
        self,
        uow: UnitOfWork,
        action: str,
        product: InstalledProduct,
        before: dict[str, Any] | None,
        ctx: RequestContext,
        actor: str,
        reason: str,
        now: str,
    ) -> None:
        """The audit record and the product's events, in the correction's transaction."""
        after = None if action == "delete" else product.document
        uow.corrections.add(product.id, action, actor, reason, now, before, after)
        uow.outbox.add_many(
            product_events(
                product,
                before,
                ctx.base_url,
                self.ids.new_id,
                now,
                ctx.correlation_id,
                actor,
                removed=action == "delete",
            )
        )
        log.warning("inventory %s of product %s by %s: %s", action, product.id, actor, reason)

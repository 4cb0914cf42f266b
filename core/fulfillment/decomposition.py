"""Decomposition: an accepted order becomes a plan of tasks, chosen from catalog data.

Which tasks an item needs is read from standard TMF620 attributes, never from code per
product: an offering with ``agreement`` entries needs a contract (CLM; a bundle's contract
covers its children); each
``serviceSpecification`` of its product specification is provisioned; an item with prices is
billed, and billing starts only after provisioning (the billable milestone). Every order first
checks its customer in CRM. A suspend or resume (a modify of the status alone) suspends or
resumes each service and pauses or resumes billing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.catalog.model import CatalogEntity
from core.fulfillment.model import READY, WAITING, JsonObject, Task
from core.inventory.model import InstalledProduct
from core.ordering.items import read_items
from core.ordering.model import ProductOrder


@dataclass
class CatalogFacts:
    """The catalog entities an order's plan is read from, by id (the versions that priced it)."""

    offerings: dict[str, CatalogEntity] = field(default_factory=dict)
    specifications: dict[str, CatalogEntity] = field(default_factory=dict)
    installed: dict[str, InstalledProduct] = field(default_factory=dict)

    def services_of(self, offering: CatalogEntity | None) -> list[str]:
        """Service specification ids to provision for an offering (its spec's, then its own)."""
        if offering is None:
            return []
        spec_ref = offering.document.get("productSpecification") or {}
        spec = self.specifications.get(str(spec_ref.get("id")))
        refs = (spec.document.get("serviceSpecification") if spec else None) or []
        return [str(r["id"]) for r in refs if isinstance(r, dict) and r.get("id") is not None]

    @staticmethod
    def agreements_of(offering: CatalogEntity | None) -> list[str]:
        refs = (offering.document.get("agreement") if offering else None) or []
        return [str(r["id"]) for r in refs if isinstance(r, dict) and r.get("id") is not None]

    @staticmethod
    def billed(offering: CatalogEntity | None, prices: list[Any]) -> bool:
        return bool(prices) or bool(offering and offering.document.get("productOfferingPrice"))


# A suspend holds the services and pauses billing, a resume undoes both, in that order: the
# customer is not billed for a service that is not there, nor given one that is not billed.
PAUSES = {
    "suspend": ("provisioning.suspend", "billing.pause"),
    "resume": ("provisioning.resume", "billing.resume"),
}


def snapshot_items(order: ProductOrder) -> list[JsonObject]:
    """The priced items of an order, as its snapshot froze them."""
    return list((order.snapshot or {}).get("items") or [])


def task_id(order_id: str, item_id: str | None, kind: str, target: str | None = None) -> str:
    """The task id, which is also the idempotency key: ``order/item/operation[:target]``."""
    return f"{order_id}/{item_id or 'order'}/{kind}" + (f":{target}" if target else "")


class _Planner:
    def __init__(self, order: ProductOrder, now: str) -> None:
        self.order = order
        self.now = now
        self.tasks: list[Task] = []

    def add(
        self,
        item_id: str | None,
        kind: str,
        after: list[str],
        request: JsonObject,
        target: str | None = None,
    ) -> str:
        task = Task(
            id=task_id(self.order.id, item_id, kind, target),
            order_id=self.order.id,
            item_id=item_id,
            kind=kind,
            depends_on=tuple(after),
            status=WAITING if after else READY,
            due_at=self.now,
            created_at=self.now,
            target=target,
            request=dict(request, target=target),
        )
        self.tasks.append(task)
        return task.id


def _name_new_product(order: ProductOrder, item_id: str, product_id: str) -> str:
    """Give an add item the id of the product it will make, in the order too: the client sees
    it, and a bundle's products can name each other before any of them exists."""
    item = order.item(item_id)
    product = item.get("product")
    item["product"] = {**(product if isinstance(product, dict) else {}), "id": product_id}
    return product_id


def plan(
    order: ProductOrder, facts: CatalogFacts, now: str, new_id: Callable[[], str]
) -> list[Task]:
    """The tasks of ``order`` with their dependencies (a DAG: each depends on earlier ones).
    Each add item is given the id of its product (``_name_new_product``)."""
    planner = _Planner(order, now)
    customer = order.customer_id
    parents = {i.id: i.parent_id for i in read_items(order.document)}
    contracts: dict[str, list[str]] = {}
    signed: dict[str, list[str]] = {}  # item -> the contract tasks its activation waits for
    crm = planner.add(
        None,
        "crm.check_customer",
        [],
        {"customer_id": customer, "traceparent": order.traceparent},
    )
    for item in snapshot_items(order):
        action = str(item.get("action"))
        product_id = str((item.get("product") or {}).get("id") or "") or None
        installed = facts.installed.get(product_id or "")
        offering_ref = item.get("productOffering") or (
            {"id": installed.offering_id} if installed else {}
        )
        offering = facts.offerings.get(str(offering_ref.get("id")))
        prices = list(item.get("price") or [])
        if action == "add":
            product_id = _name_new_product(order, str(item["id"]), new_id())
        base: JsonObject = {
            "correlation_id": order.correlation_id,
            "traceparent": order.traceparent,
            "customer_id": customer,
            "offering_id": offering_ref.get("id"),
            "product_id": product_id,
            "action": action,
            "characteristics": {c["name"]: c.get("value") for c in item.get("configuration") or []},
            "previous": {c.name: c.value for c in installed.characteristics} if installed else {},
            "prices": prices,
        }
        item_id = str(item["id"])
        services = facts.services_of(offering)
        # A bundle's contract covers its children: they sign nothing of their own under it.
        covered = contracts.get(parents.get(item_id) or "", [])
        agreements = [a for a in facts.agreements_of(offering) if a not in covered]
        contracts[item_id] = covered + agreements
        billed = facts.billed(offering, prices)
        if action == "add":
            # A child under its bundle's contract waits for that contract to be signed too.
            own = [planner.add(item_id, "clm.create_contract", [crm], base, a) for a in agreements]
            signed[item_id] = signed.get(parents.get(item_id) or "", []) + own
            after = signed[item_id] or [crm]
            provisioned = [
                planner.add(item_id, "provisioning.activate", after, base, s) for s in services
            ]
            if billed:
                planner.add(item_id, "billing.start", provisioned or after, base)
        elif action == "modify" and item.get("statusChange") in PAUSES:
            service_op, billing_op = PAUSES[str(item["statusChange"])]
            provisioned = [planner.add(item_id, service_op, [crm], base, s) for s in services]
            if billed:
                planner.add(item_id, billing_op, provisioned or [crm], base)
        elif action == "modify":
            provisioned = [
                planner.add(item_id, "provisioning.modify", [crm], base, s) for s in services
            ]
            if billed:
                planner.add(item_id, "billing.change", provisioned or [crm], base)
        elif action == "delete":
            after = [
                planner.add(item_id, "provisioning.deactivate", [crm], base, s) for s in services
            ] or [crm]
            if billed:
                after = [planner.add(item_id, "billing.stop", after, base)]
            for agreement in agreements:
                planner.add(item_id, "clm.cancel_contract", after, base, agreement)
    return planner.tasks

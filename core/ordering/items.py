"""Order items as the core reasons about them, and the structural rules every profile checks."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from core.errors import InvalidRequest
from core.inventory.model import Characteristic
from core.ordering.model import JsonObject, iter_items

MAX_ITEMS = 1000  # items of one order, bundle children included (documented)
ACTIONS = ("add", "modify", "delete", "noChange")
# A parent item lists its bundle children either nested or through this relationship type.
BUNDLES = "bundles"


@dataclass(frozen=True)
class OrderItem:
    """The parts of a productOrderItem that validation and pricing need."""

    id: str
    action: str
    quantity: int
    offering_id: str | None
    product_id: str | None
    characteristics: tuple[Characteristic, ...]
    children: tuple[str, ...]  # ids of bundle children (nested or related with "bundles")
    related: tuple[tuple[str, str], ...]  # (item id, relationship type)
    parent_id: str | None
    spec_ref: tuple[str | None, str | None] | None  # (id, version) the client named, if any
    document: JsonObject
    status: str | None = None  # product.status the item asks for (a suspend or a resume)

    @property
    def top_level(self) -> bool:
        return self.parent_id is None


def _ref_id(value: Any) -> str | None:
    if isinstance(value, dict) and value.get("id") is not None:
        return str(value["id"])
    return None


def _characteristics(product: Any) -> tuple[Characteristic, ...]:
    found = []
    if isinstance(product, dict):
        for c in product.get("productCharacteristic") or []:
            if isinstance(c, dict) and "name" in c:
                found.append(Characteristic(str(c["name"]), c.get("value"), c.get("valueType")))
    return tuple(found)


def _status(product: Any) -> str | None:
    status = product.get("status") if isinstance(product, dict) else None
    return str(status) if status is not None else None


def read_items(document: JsonObject) -> list[OrderItem]:
    """Every item of the order (depth first); raises only when there are too many to read."""
    raw = list(iter_items(document.get("productOrderItem")))
    if len(raw) > MAX_ITEMS:
        raise InvalidRequest(
            f"productOrderItem: an order holds at most {MAX_ITEMS} items (bundle children "
            f"included); this one has {len(raw)}. Split it into several orders.",
            "Order too large",
        )
    items = []
    for item in raw:
        product = item.get("product")
        related = tuple(
            (str(r.get("id")), str(r.get("relationshipType", "")))
            for r in item.get("productOrderItemRelationship") or []
            if isinstance(r, dict)
        )
        nested = tuple(str(c.get("id")) for c in item.get("productOrderItem") or [])
        bundled = tuple(target for target, kind in related if kind == BUNDLES)
        spec = product.get("productSpecification") if isinstance(product, dict) else None
        quantity = item.get("quantity", 1)
        items.append(
            OrderItem(
                id=str(item.get("id")),
                action=str(item.get("action")),
                quantity=quantity if isinstance(quantity, int) else 1,
                offering_id=_ref_id(item.get("productOffering")),
                product_id=_ref_id(product),
                characteristics=_characteristics(product),
                children=nested + bundled,
                related=related,
                parent_id=None,
                spec_ref=(_ref_id(spec), spec.get("version")) if isinstance(spec, dict) else None,
                document=item,
                status=_status(product),
            )
        )
    parents = parent_of(items)
    return [replace(i, parent_id=parents.get(i.id)) for i in items]


def structural_problems(items: list[OrderItem], strict: bool) -> list[str]:
    """Rules that hold in every profile: ids, quantities, relationships, server-owned state."""
    problems: list[str] = []
    if not items:
        problems.append("productOrderItem: an order needs at least one item")
    ids = [i.id for i in items]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"productOrderItem: id {dup!r} is used by more than one item")
    known = set(ids)
    for item in items:
        where = f"item {item.id!r}"
        if "state" in item.document:
            problems.append(f"{where}: state is set by the server; do not send it")
        if item.quantity < 1:
            problems.append(f"{where}: quantity must be at least 1, not {item.quantity}")
        for target, kind in item.related:
            if target == item.id:
                problems.append(f"{where}: productOrderItemRelationship points to the item itself")
            elif target not in known:
                problems.append(
                    f"{where}: productOrderItemRelationship ({kind or 'no type'}) points to "
                    f"{target!r}, which is not an item of this order"
                )
        if strict and item.action == "add" and item.offering_id is None:
            problems.append(f"{where}: an add item names the productOffering to order")
        if strict and item.action in ("modify", "delete", "noChange") and item.product_id is None:
            problems.append(f"{where}: a {item.action} item names the existing product.id")
    problems.extend(_cycles(items))
    problems.extend(_child_problems(items))
    return problems


def _cycles(items: list[OrderItem]) -> list[str]:
    """Item relationships must not loop (A relies on B relies on A)."""
    edges = {i.id: [t for t, _ in i.related] for i in items}
    done: set[str] = set()
    problems: list[str] = []

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            loop = " -> ".join([*path[path.index(node) :], node])
            problems.append(f"productOrderItemRelationship: items form a cycle ({loop})")
            return
        if node in done:
            return
        for target in edges.get(node, []):
            if target != node:
                visit(target, [*path, node])
        done.add(node)

    for item in items:
        if item.id not in done:
            visit(item.id, [])
    return sorted(set(problems))


def _child_problems(items: list[OrderItem]) -> list[str]:
    """A bundle child belongs to one parent and follows the parent's action."""
    by_id = {i.id: i for i in items}
    owners: dict[str, list[str]] = {}
    for item in items:
        for child in item.children:
            owners.setdefault(child, []).append(item.id)
    problems = []
    for child, parents in sorted(owners.items()):
        if len(set(parents)) > 1:
            problems.append(f"item {child!r}: is a bundle child of several items {sorted(parents)}")
        parent = by_id.get(parents[0])
        kid = by_id.get(child)
        if parent and kid and parent.action == "add" and kid.action != "add":
            problems.append(f"item {child!r}: a child of the add item {parent.id!r} must be add")
    return problems


def parent_of(items: list[OrderItem]) -> dict[str, str]:
    """Bundle parent of each child item, whichever way the order expressed it."""
    return {child: item.id for item in items for child in item.children}

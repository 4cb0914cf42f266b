"""Catalog integrity: references resolve, graphs are acyclic, bundles are coherent, publish gates.

Every rule returns problems instead of raising, so one request gets all of them in one answer.
The ``lenient`` profile skips only what depends on references resolving locally.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from core.catalog import prices
from core.catalog.kinds import DIRECTED_RELATIONSHIPS, KINDS, CatalogKind, Reference
from core.catalog.lifecycle import LifecyclePolicy
from core.persistence.repositories import CatalogRepository
from core.query.ast import Condition
from core.schema import ResourceSchemas

MAX_GRAPH_WALK = 10_000


@dataclass
class IntegrityContext:
    repo: CatalogRepository
    schemas: ResourceSchemas
    lifecycle: LifecyclePolicy
    strict: bool
    now: str


def reference_ids(document: dict[str, Any], reference: Reference) -> list[str]:
    """Ids the document refers to along ``reference.path``; by-value prices are not references."""
    return [i for i, _ in _reference_items(document, reference)]


def _reference_items(node: Any, reference: Reference) -> Iterator[tuple[str, Any]]:
    *parents, leaf = reference.path
    for holder in _walk(node, tuple(parents)):
        if not isinstance(holder, dict):
            continue
        if "priceType" in holder and reference.target == "productOfferingPrice":
            continue  # a price given by value, not a reference
        relation = holder.get("relationshipType")
        if (
            reference.path[0] == "productOfferingRelationship"
            and isinstance(relation, str)
            and relation not in DIRECTED_RELATIONSHIPS
            and reference.acyclic
        ):
            continue
        value = holder.get(leaf)
        if isinstance(value, str) and value:
            yield value, holder


def _walk(node: Any, path: tuple[str, ...]) -> Iterator[Any]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, path)
        return
    if not path:
        yield node
        return
    if isinstance(node, dict) and path[0] in node:
        yield from _walk(node[path[0]], path[1:])


def check(
    kind: CatalogKind,
    entity_id: str,
    document: dict[str, Any],
    old_status: str | None,
    ctx: IntegrityContext,
) -> list[str]:
    """All integrity problems of ``document`` about to be stored as ``kind`` ``entity_id``."""
    problems: list[str] = []
    for reference in kind.references:
        ids = reference_ids(document, reference)
        if ctx.strict and ids:
            missing = sorted(set(ids) - ctx.repo.existing_ids(reference.target, set(ids)))
            problems.extend(
                f"{'.'.join(reference.path)} {m!r} does not refer to an existing {reference.target}"
                for m in missing
            )
        if reference.acyclic and reference.target == kind.name:
            problems.extend(_cycles(entity_id, ids, reference, ctx))
    problems.extend(_valid_for(document, "validFor"))
    if kind.name == "productOffering":
        problems.extend(_bundle_rules(document))
        status = document.get("lifecycleStatus")
        entering = status in ctx.lifecycle.sellable and old_status not in ctx.lifecycle.sellable
        if entering:
            problems.extend(_publish_gates(document, ctx))
    return problems


def _cycles(
    entity_id: str, ids: list[str], reference: Reference, ctx: IntegrityContext
) -> list[str]:
    """Walk the graph from the direct targets; reaching ``entity_id`` again is a cycle."""
    label = ".".join(reference.path)
    if entity_id in ids:
        return [f"{label}: {reference.target} {entity_id!r} refers to itself"]
    parent: dict[str, str] = {i: entity_id for i in ids}
    frontier, seen = set(ids), set(ids)
    while frontier and len(seen) < MAX_GRAPH_WALK:
        found = ctx.repo.current_by_ids(reference.target, frontier)
        frontier = set()
        for node_id, node in found.items():
            for target in reference_ids(node.document, reference):
                if target == entity_id:
                    chain = [target, node_id]
                    while chain[-1] != entity_id:
                        chain.append(parent[chain[-1]])
                    return [f"{label} makes a cycle: {' -> '.join(reversed(chain))}"]
                if target not in seen:
                    seen.add(target)
                    parent[target] = node_id
                    frontier.add(target)
    return []


def _valid_for(document: dict[str, Any], where: str) -> list[str]:
    period = document.get("validFor")
    if not isinstance(period, dict):
        return []
    start, end = period.get("startDateTime"), period.get("endDateTime")
    if start and end and end < start:
        return [f"{where}: endDateTime {end} is before startDateTime {start}"]
    return []


def _bundle_rules(document: dict[str, Any]) -> list[str]:
    problems = []
    bundled = document.get("bundledProductOffering") or []
    if document.get("isBundle") is True and not bundled:
        problems.append("isBundle is true but bundledProductOffering is empty")
    if document.get("isBundle") is False and bundled:
        problems.append("bundledProductOffering is given but isBundle is false")
    for index, child in enumerate(bundled):
        option = child.get("bundledProductOfferingOption") if isinstance(child, dict) else None
        if not isinstance(option, dict):
            continue
        where = f"bundledProductOffering[{index}].bundledProductOfferingOption"
        low = option.get("numberRelOfferLowerLimit")
        high = option.get("numberRelOfferUpperLimit")
        default = option.get("numberRelOfferDefault")
        for name, value in (("lower limit", low), ("upper limit", high), ("default", default)):
            if value is not None and value < 0:
                problems.append(f"{where}: {name} {value} is negative")
        if low is not None and high is not None and low > high:
            problems.append(f"{where}: lower limit {low} is above upper limit {high}")
        if default is not None:
            if low is not None and default < low:
                problems.append(f"{where}: default {default} is below lower limit {low}")
            if high is not None and default > high:
                problems.append(f"{where}: default {default} is above upper limit {high}")
    return problems


def _publish_gates(document: dict[str, Any], ctx: IntegrityContext) -> list[str]:
    """What an offering needs before it may become sellable (Active, Launched)."""
    status = document.get("lifecycleStatus")
    problems = []
    end = (document.get("validFor") or {}).get("endDateTime")
    if end and end <= ctx.now:
        problems.append(f"cannot become {status}: validFor ended at {end}")
    if not ctx.strict:
        return problems
    spec_id = (document.get("productSpecification") or {}).get("id")
    if not document.get("isBundle"):
        spec = ctx.repo.get("productSpecification", spec_id) if spec_id else None
        if spec is None:
            problems.append(f"cannot become {status}: it needs a productSpecification")
        elif spec.lifecycle_status not in ctx.lifecycle.sellable:
            problems.append(
                f"cannot become {status}: productSpecification {spec_id!r} is "
                f"{spec.lifecycle_status!r}, not one of {sorted(ctx.lifecycle.sellable)}"
            )
    offered = list(
        prices.offered(
            document,
            ctx.repo.current_by_ids("productOfferingPrice", prices.referenced_ids(document)),
            (str(document.get("id")), str(document.get("version"))),
        )
    )
    if not any(prices.unusable(p, ctx.lifecycle, ctx.now, upcoming=True) is None for p in offered):
        problems.append(
            f"cannot become {status}: it needs at least one usable productOfferingPrice "
            f"({prices.reasons(offered, ctx.lifecycle, ctx.now, upcoming=True)})"
        )
    return problems


def referrers(kind: CatalogKind, entity_id: str, ctx: IntegrityContext) -> list[str]:
    """Current entities that refer to this one, as ``kind id`` labels (for a refused delete)."""
    found: list[str] = []
    for other in KINDS.values():
        for reference in other.references:
            if reference.target != kind.name:
                continue
            attribute = ctx.schemas.attribute(other.schema, reference.path)
            if attribute is None:
                continue
            condition = Condition(attribute, "eq", (entity_id,))
            found.extend(
                f"{other.name} {i!r}"
                for i in ctx.repo.matching(other.name, (condition,))
                if not (other.name == kind.name and i == entity_id)
            )
    return found

"""The evidence package of an order: who promised what, on which catalog, at which price, approved
by whom under which policy; every part carries what is needed to recompute its fingerprint."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

from core.canonical import SORTED_JSON_SHA256
from core.catalog.hashes import content_hash, key_of
from core.errors import NotFound
from core.ordering.model import iter_items
from core.persistence.database import Database
from core.persistence.uow import UnitOfWork

JsonObject = dict[str, Any]
PACKAGE_VERSION = "1"


def package(db: Database, order_id: str, generated_at: str) -> JsonObject:
    """Everything about the promise of ``order_id``, read in one consistent snapshot."""
    with db.uow(write=False, snapshot=True) as uow:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFound("productOrder", order_id)
        states = uow.timeline.of(order_id)
        case = uow.approvals.of_order(order_id)
        snapshot = order.snapshot or {}
        catalog = _catalog(uow, snapshot)
    document = {k: v for k, v in order.document.items() if k != "pricingSnapshot"}
    timeline = [s.view() for s in states]
    approval = case.to_document() if case else None
    decisions = approval["decisions"] if approval else []
    actors = {s["actor"] for s in timeline} | {d["actor"] for d in decisions}
    actors |= {approval["requester"]} if approval else set()
    return {
        "evidenceVersion": PACKAGE_VERSION,
        "generatedAt": generated_at,
        "order": document,
        "deleted": order.deleted.view() if order.deleted else None,
        "priceCalculation": {
            "inputs": [
                {
                    k: item.get(k)
                    for k in (
                        "id",
                        "action",
                        "quantity",
                        "productOffering",
                        "productSpecification",
                        "configuration",
                        "product",
                    )
                    if k in item
                }
                for item in snapshot.get("items") or []
            ],
            "trace": [
                {"item": item.get("id"), "lines": item.get("price")}
                for item in snapshot.get("items") or []
            ],
            "outputs": {
                "items": {
                    str(item.get("id")): {k: item.get(k) for k in ("itemPrice", "itemTotalPrice")}
                    for item in _items(document)
                },
                "orderTotalPrice": document.get("orderTotalPrice"),
            },
            "snapshot": snapshot,
        },
        "catalog": catalog,
        "approval": approval,
        "timeline": timeline,
        "actors": sorted(a for a in actors if a),
        "correlationIds": sorted({s["correlationId"] for s in timeline if s["correlationId"]}),
        "fingerprints": {
            "snapshot": snapshot.get("fingerprint"),
            "scheme": snapshot.get("fingerprintScheme", SORTED_JSON_SHA256),
            # Every catalog version as it was priced: False when one was changed since.
            "catalogIntact": all(e["intact"] is not False for e in catalog),
            "algorithm": "sha256 over the snapshot without its fingerprint, canonical per its "
            "scheme: jcs-sha256 is RFC 8785 (JSON Canonicalization Scheme), sorted-json-sha256 "
            "is JSON with sorted keys, no spaces, UTF-8 (orders before JCS); each catalog "
            "document is hashed under its hashScheme",
        },
    }


def zipped(evidence: JsonObject) -> bytes:
    """The same content as files, with a manifest of each file's sha256."""
    files: dict[str, bytes] = {"evidence.json": _json(evidence)}
    files["order.json"] = _json(evidence["order"])
    files["snapshot.json"] = _json(evidence["priceCalculation"]["snapshot"])
    files["approval.json"] = _json(evidence["approval"])
    files["timeline.json"] = _json(evidence["timeline"])
    for entity in evidence["catalog"]:
        files[f"catalog/{entity['kind']}/{entity['id']}@{entity['version']}.json"] = _json(entity)
    manifest = {"files": {name: _sha256(content) for name, content in sorted(files.items())}}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        archive.writestr("manifest.json", _json(manifest))
    return buffer.getvalue()


def _catalog(uow: UnitOfWork, snapshot: JsonObject) -> list[JsonObject]:
    """Each catalog entity the snapshot names, at the version it names, as it is stored."""
    wanted: set[tuple[str, str, str]] = set()
    for item in snapshot.get("items") or []:
        for kind, ref in (
            ("productOffering", item.get("productOffering")),
            ("productSpecification", item.get("productSpecification")),
        ):
            if isinstance(ref, dict) and ref.get("version"):
                wanted.add((kind, str(ref["id"]), str(ref["version"])))
        for line in item.get("price") or []:
            refs = [line.get("productOfferingPrice")] + [
                a.get("productOfferingPrice") for a in line.get("alterations") or []
            ]
            for ref in refs:
                if isinstance(ref, dict) and ref.get("version"):
                    wanted.add(("productOfferingPrice", str(ref["id"]), str(ref["version"])))
    captured = snapshot.get("catalogHashes") or {}
    found = []
    for kind, entity_id, version in sorted(wanted):
        entity = uow.catalog.get(kind, entity_id, version)
        archived = None if entity else uow.catalog_history.archived(kind, entity_id, version)
        document = entity.document if entity else archived.entity.document if archived else None
        stored = captured.get(key_of(kind, entity_id, version))
        now = content_hash(document) if document is not None else None
        scheme, _, digest = (now or "").partition(":")
        found.append(
            {
                "kind": kind,
                "id": entity_id,
                "version": version,
                "document": document,
                "sha256": digest or None,
                "hashScheme": scheme or None,
                # The hash taken when the order was priced (orders before: none) and whether
                # the version reads the same now.
                "capturedHash": stored,
                "intact": None if stored is None else stored == now,
                # Deleted from the catalog since: the archived copy, with when and by whom.
                "deleted": archived.deleted.view() if archived else None,
            }
        )
    return found


def _items(document: JsonObject) -> list[JsonObject]:
    return [item for item in iter_items(document.get("productOrderItem")) if isinstance(item, dict)]


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode()


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()

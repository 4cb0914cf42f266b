"""Hashes of catalog versions as an order was priced against them: kept with the snapshot, so
the evidence proves later that the catalog content was not changed afterwards."""

from __future__ import annotations

from core.canonical import JCS_SHA256, SORTED_JSON_SHA256, NotCanonical, jcs_sha256, sha256_of
from core.catalog.model import CatalogEntity, JsonObject
from core.lru import LRU


def key_of(kind: str, entity_id: str, version: str) -> str:
    """How a snapshot names one catalog version: ``productOffering/po-mobile-s@1.0``."""
    return f"{kind}/{entity_id}@{version}"


def content_hash(document: JsonObject) -> str:
    """``scheme:hex``: sha256 over RFC 8785, or over sorted JSON for a document that has no
    RFC 8785 form (an integer past 2**53 - 1)."""
    try:
        return f"{JCS_SHA256}:{jcs_sha256(document)}"
    except NotCanonical:
        return f"{SORTED_JSON_SHA256}:{sha256_of(document)}"


class CatalogHashes:
    """Content hashes remembered per catalog generation and version row, so capture does not
    canonicalize the same offering for every order. The generation is part of the key: a row
    can come back with the same version and row version but other content (deleted, then
    created again with its id by an import), and every catalog write moves the generation."""

    def __init__(self, size: int = 4096) -> None:
        self._known: LRU[tuple[int, str, str, str, int], str] = LRU(size)

    def of(self, entity: CatalogEntity, generation: int | None) -> str:
        if generation is None:  # no counter to key by: nothing is remembered
            return content_hash(entity.document)
        key = (generation, entity.kind, entity.id, entity.version, entity.row_version)
        found = self._known.get(key)
        if found is None:
            found = content_hash(entity.document)
            self._known.put(key, found)
        return found

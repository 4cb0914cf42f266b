"""TMF630 list queries on the demo catalog; the same results on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from core.catalog.service import CatalogService
from core.errors import InvalidRequest
from core.persistence import compiled
from core.requests import RequestContext


@pytest.fixture(autouse=True)
def every_read_is_quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """So that ``ids`` always gets the event loop's answer too (timing is tested apart)."""
    monkeypatch.setattr(compiled, "QUICK_SECONDS", 3600.0)


def ids(service: CatalogService, kind: str, *pairs: tuple[str, str]) -> list[str]:
    """The ids found, after checking that the three ways a list is read agree: counted with
    its page in one snapshot, the page compiled and run as driver SQL with the total cached,
    and the same on the event loop's path."""
    counted = service.get_all(kind, list(pairs))
    cached = service.get_all(kind, list(pairs))
    quick = service.quick_page(kind, list(pairs))
    if counted.entities:
        assert quick is not None
        for page in (cached, quick):
            assert page.total == counted.total
            assert page.entities == counted.entities  # documents, versions, row versions
    else:
        assert quick is None  # nothing to show: the count decides, in the thread pool
    return [e.id for e in counted.entities]


def test_equality_on_an_indexed_column(demo: CatalogService) -> None:
    found = ids(demo, "productOffering", ("lifecycleStatus", "Launched"), ("isSellable", "false"))
    assert sorted(found) == ["po-installation", "po-router-rental"]


def test_filter_through_an_array_of_embedded_objects(demo: CatalogService) -> None:
    found = ids(demo, "productOffering", ("bundledProductOffering.id", "po-tv-sports"))
    assert found == ["po-home-bundle", "po-tv-pack"]
    found = ids(
        demo, "productOffering", ("productOfferingRelationship.relationshipType", "requires")
    )
    assert sorted(found) == ["po-fibre-1000", "po-tv-sports"]


def test_comma_is_or_and_repeated_names_are_and(demo: CatalogService) -> None:
    assert sorted(ids(demo, "productOffering", ("name", "Mobile S,Mobile L"))) == [
        "po-mobile-l",
        "po-mobile-s",
    ]
    assert ids(demo, "productOffering", ("name", "Mobile S"), ("name", "Mobile L")) == []


def test_numeric_comparison_through_nested_arrays(demo: CatalogService) -> None:
    path = "bundledProductOffering.bundledProductOfferingOption.numberRelOfferLowerLimit"
    assert ids(demo, "productOffering", (f"{path}.gte", "1")) == ["po-home-bundle", "po-tv-pack"]
    assert ids(demo, "productOffering", (f"{path}.gt", "1")) == []
    assert ids(demo, "productOfferingPrice", ("price.value.gt", "40"), ("sort", "price.value")) == [
        "pop-fibre-1000-monthly",  # 45
        "pop-mobile-xl-2025-monthly",  # 49
        "pop-installation",  # 60
        "pop-home-bundle-monthly",  # 79
    ]


def test_dates_compare_as_dates_whatever_offset_the_client_uses(demo: CatalogService) -> None:
    everything = ids(
        demo, "productSpecification", ("validFor.startDateTime.lte", "2026-01-01T01:00:00+01:00")
    )
    assert len(everything) == 7
    assert (
        ids(
            demo, "productSpecification", ("validFor.startDateTime.lt", "2026-01-01T00:59:59+01:00")
        )
        == []
    )
    assert (
        ids(demo, "productSpecification", ("validFor.startDateTime[gt]", "2025-12-31"))
        == everything
    )


def test_not_equal_includes_entities_without_the_attribute(demo: CatalogService) -> None:
    found = ids(
        demo, "productOffering", ("productOfferingRelationship.relationshipType.ne", "requires")
    )
    assert "po-mobile-s" in found
    assert "po-tv-sports" not in found


def test_sort_is_binary_and_multi_key_on_both_back_ends(demo: CatalogService) -> None:
    names = [e.name for e in demo.get_all("productOffering", [("sort", "name")]).entities]
    assert names == sorted(names)
    by_type = demo.get_all("productOfferingPrice", [("sort", "-priceType,name")]).entities
    keys = [(e.document["priceType"], e.name or "") for e in by_type]
    assert keys == sorted(keys, key=lambda k: (_neg(k[0]), k[1]))


def _neg(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)


def test_paging_is_disjoint_complete_and_counts_everything(demo: CatalogService) -> None:
    pages = [
        demo.get_all("productOffering", [("sort", "name"), ("offset", str(o)), ("limit", "4")])
        for o in (0, 4, 8)
    ]
    seen = [e.id for page in pages for e in page.entities]
    assert len(seen) == len(set(seen)) == 11
    assert all(page.total == 11 for page in pages)
    assert demo.get_all("productOffering", [("limit", "0")]).total == 11


def test_filter_values_are_bound_not_spliced(demo: CatalogService) -> None:
    assert ids(demo, "productOffering", ("name", "x' OR '1'='1")) == []
    assert ids(demo, "productOffering", ("productOfferingPrice.id", 'a"} || true || {"')) == []


def test_totals_follow_every_change_although_they_are_cached(
    demo: CatalogService, ctx: RequestContext
) -> None:
    launched = [("lifecycleStatus", "Launched"), ("limit", "1")]
    assert demo.get_all("category", launched).total == 4
    assert demo.get_all("category", launched).total == 4  # served from the cache
    created = demo.create("category", {"name": "New", "lifecycleStatus": "Launched"}, ctx)
    assert demo.get_all("category", launched).total == 5
    demo.patch("category", created.id, {"lifecycleStatus": "Retired"}, "merge", ctx)
    assert demo.get_all("category", launched).total == 4
    draft = demo.create("category", {"name": "Draft"}, ctx)
    assert demo.get_all("category", [("limit", "0")]).total == 6
    demo.delete("category", draft.id, ctx)
    assert demo.get_all("category", [("limit", "0")]).total == 5


def test_a_refused_change_does_not_touch_the_totals(
    demo: CatalogService, ctx: RequestContext
) -> None:
    before = demo.get_all("productOffering", [("limit", "0")]).total
    with pytest.raises(InvalidRequest):
        demo.create("productOffering", {"name": "x", "productSpecification": {"id": "nope"}}, ctx)
    assert demo.get_all("productOffering", [("limit", "0")]).total == before


def test_a_list_is_read_quickly_once_it_was_read_and_counted(
    demo: CatalogService, ctx: RequestContext
) -> None:
    launched = [("lifecycleStatus", "Launched"), ("sort", "name"), ("limit", "3")]
    assert demo.quick_page("category", launched) is None  # never read: not known to be quick
    counted = demo.get_all("category", launched)
    quick = demo.quick_page("category", launched)
    assert quick is not None
    assert (quick.total, quick.entities) == (counted.total, counted.entities)
    demo.create("category", {"name": "AAA", "lifecycleStatus": "Launched"}, ctx)
    assert demo.quick_page("category", launched) is None  # the total is of another generation
    recounted = demo.get_all("category", launched)
    assert recounted.total == counted.total + 1
    assert recounted.entities[0].name == "AAA"
    again = demo.quick_page("category", launched)
    assert again is not None and again.entities == recounted.entities


def test_a_slow_list_is_not_read_on_the_quick_path(
    demo: CatalogService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compiled, "QUICK_SECONDS", 0.0)  # every read takes longer than this
    launched = [("lifecycleStatus", "Launched")]
    assert demo.get_all("category", launched).total == 4
    assert demo.quick_page("category", launched) is None


def test_a_bad_query_is_refused_on_the_quick_path_too(demo: CatalogService) -> None:
    with pytest.raises(InvalidRequest):
        demo.quick_page("productOffering", [("colour", "red")])

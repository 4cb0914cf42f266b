"""TMF630 list checks, registered with Schemathesis: filters, sort and paging, once per list."""

from __future__ import annotations

import re
import uuid
from typing import Any

from conformance import probe
from conformance.checking import (
    IDENTITY,
    VOLATILE,
    fail,
    instants,
    is_collection,
    json_body,
    tmf_check,
    url_of,
)
from conformance.probe import Answer

SIMPLE_VALUE = re.compile(r"^[A-Za-z0-9 ._:-]{1,60}$")
SORT_KEYS = ("creationDate", "orderDate", "name", "lastUpdate", "id")
PAGE_PROBE_MAX_TOTAL = 500
PAGE_PROBE_MAX_PAGES = 10


@tmf_check
def tmf_filter_matches(response: Any, case: Any) -> bool:
    """An attribute filter returns only matching resources; an impossible one an empty array."""
    found = _list_to_probe(case, response)
    if found is None:
        return False
    url, items = found
    pick = next(
        ((k, v) for item in items if isinstance(item, dict) for k, v in _filterable(item)), None
    )
    if pick is None or not probe.settings().first_time("tmf_filter_matches", case.operation.label):
        return False
    name, value = pick
    matching = probe.send("GET", url, params={name: value})
    if matching.status not in (200, 206) or not isinstance(matching.body, list):
        fail(
            f"filtering on {name}={value!r} (from the list itself) is not answered with a list",
            matching,
        )
    if not matching.body:
        fail(f"filtering on {name}={value!r}, a value the list holds, returns nothing", matching)
    wrong = [r.get("id") for r in matching.body if not isinstance(r, dict) or r.get(name) != value]
    if wrong:
        fail(f"filter {name}={value!r} returned resources that do not match: {wrong[:5]}", matching)
    impossible = f"tmf-conformance-{uuid.uuid4().hex[:12]}"
    empty = probe.send("GET", url, params={name: impossible})
    if empty.status not in (200, 206) or empty.body != []:
        fail(f"filter {name}={impossible!r} matches nothing; the answer must be 200 with []", empty)
    return True


@tmf_check
def tmf_sort_order(response: Any, case: Any) -> bool:
    """sort=a and sort=-a give the same values in opposite orders; dates and numbers ascend."""
    found = _list_to_probe(case, response)
    if found is None:
        return False
    url, items = found
    key = next((k for k in SORT_KEYS if any(isinstance(i, dict) and k in i for i in items)), None)
    if key is None or not probe.settings().first_time("tmf_sort_order", case.operation.label):
        return False
    ascending = probe.send("GET", url, params={"sort": key, "fields": key})
    descending = probe.send("GET", url, params={"sort": f"-{key}", "fields": key})
    for answer in (ascending, descending):
        if answer.status not in (200, 206) or not isinstance(answer.body, list):
            fail(f"sort={key} is not answered with a list", answer)
    up = [r.get(key) for r in ascending.body if isinstance(r, dict) and r.get(key) is not None]
    down = [r.get(key) for r in descending.body if isinstance(r, dict) and r.get(key) is not None]
    up_instants, down_instants = instants(up), instants(down)
    if up_instants is not None and up_instants != sorted(up_instants):
        fail(f"sort={key} does not return {key} ascending", ascending)
    if down_instants is not None and down_instants != sorted(down_instants, reverse=True):
        fail(f"sort=-{key} does not return {key} descending", descending)
    complete = all(a.count("X-Total-Count") in (None, len(a.body)) for a in (ascending, descending))
    if (
        complete
        and ascending.count("X-Total-Count") == descending.count("X-Total-Count")
        and up != down[::-1]
    ):
        fail(f"sort=-{key} is not sort={key} reversed", ascending, descending)
    return True


@tmf_check
def tmf_paging(response: Any, case: Any) -> bool:
    """offset/limit pages are disjoint and together hold every resource of the list."""
    found = _list_to_probe(case, response)
    if found is None or not probe.settings().first_time("tmf_paging", case.operation.label):
        return False
    url, _ = found
    first = probe.send("GET", url, params={"fields": "id", "limit": "1"})
    total = first.count("X-Total-Count")
    if total is None or not 2 <= total <= PAGE_PROBE_MAX_TOTAL:
        return False
    size = max(1, -(-total // min(PAGE_PROBE_MAX_PAGES - 1, 3)))
    seen: list[str] = []
    pages: list[Answer] = []
    for offset in range(0, total, size):
        page = probe.send(
            "GET", url, params={"fields": "id", "offset": str(offset), "limit": str(size)}
        )
        pages.append(page)
        if page.count("X-Total-Count") != total:
            return False  # the list changed while we paged: inconclusive
        if page.status not in (200, 206) or not isinstance(page.body, list):
            fail(f"offset={offset}&limit={size} is not answered with a list", page)
        if len(page.body) > size:
            fail(f"limit={size} returned {len(page.body)} resources", page)
        seen += [str(r.get("id")) for r in page.body if isinstance(r, dict)]
    repeated = sorted({i for i in seen if seen.count(i) > 1})
    if repeated:
        fail(f"pages of {size} overlap: {repeated[:5]} appear on more than one page", *pages)
    if len(seen) != total:
        fail(f"pages of {size} hold {len(seen)} resources, X-Total-Count says {total}", *pages)
    return True


def _list_to_probe(case: Any, response: Any) -> tuple[str, list[Any]] | None:
    """The list URL and items of a list answer worth probing (two resources or more)."""
    if (
        case.method.upper() != "GET"
        or not is_collection(case)
        or response.status_code not in (200, 206)
    ):
        return None
    body = json_body(response)
    if not isinstance(body, list) or len(body) < 2:
        return None
    return url_of(response), body


def _filterable(item: dict[str, Any]) -> list[tuple[str, str]]:
    """Top-level string attributes whose value can be sent as a filter as it is."""
    preferred = ("name", "lifecycleStatus", "state", "version", "priceType")
    names = sorted(
        item, key=lambda k: (k not in preferred, preferred.index(k) if k in preferred else 0, k)
    )
    return [
        (k, item[k])
        for k in names
        if k not in IDENTITY | VOLATILE
        and not k.startswith("@")
        and isinstance(item[k], str)
        and SIMPLE_VALUE.match(item[k])
        and "Date" not in k
    ]

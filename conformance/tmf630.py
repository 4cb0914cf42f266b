"""TMF630 semantic checks, registered with Schemathesis: what a TMF API does beyond its schema."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import schemathesis

from conformance import probe
from conformance.probe import Answer

RFC3339 = re.compile(
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)"
    r"(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)
# Attributes a server changes by itself between two reads (an order is fulfilled, a job runs).
VOLATILE = frozenset(
    {
        "state",
        "status",
        "errorLog",
        "lastUpdate",
        "completionDate",
        "expectedCompletionDate",
        "version",
    }
)
IDENTITY = frozenset({"id", "href"})
SIMPLE_VALUE = re.compile(r"^[A-Za-z0-9 ._:-]{1,60}$")
SORT_KEYS = ("creationDate", "orderDate", "name", "lastUpdate", "id")
PAGE_PROBE_MAX_TOTAL = 500
PAGE_PROBE_MAX_PAGES = 10


TmfCheck = Callable[[Any, Any], bool]


def tmf_check(func: TmfCheck) -> TmfCheck:
    """Register a check with Schemathesis; it returns whether it had something to verify."""

    def check(ctx: Any, response: Any, case: Any) -> None:
        if func(response, case):
            probe.settings().applies(func.__name__, case.id)

    check.__name__ = check.__qualname__ = func.__name__
    check.__doc__ = func.__doc__
    schemathesis.check(check)
    return func


def _is_collection(case: Any) -> bool:
    return not case.path.rstrip("/").endswith("}")


def _json(response: Any) -> Any:
    try:
        return response.json()
    except Exception:  # a body that is not JSON: the content-type checks report it
        return None


def _header(response: Any, name: str) -> str | None:
    for key, values in response.headers.items():
        if key.lower() == name.lower() and values:
            return str(values[0])
    return None


def _url(response: Any) -> str:
    return str(response.request.url).split("?", 1)[0]


def _document() -> Any:
    document = probe.settings().document
    if document is None:
        raise RuntimeError("conformance.probe.configure() was not called")
    return document


def _fail(message: str, *answers: Answer) -> None:
    """Fail with the follow-up requests that show the flaw, as curl lines."""
    lines = [message, *(f"  {answer.curl}  ->  {answer.status}" for answer in answers)]
    raise AssertionError("\n".join(lines))


@tmf_check
def tmf_create_returns_resource(response: Any, case: Any) -> bool:
    """POST answers 201 with Location, id and href; GET of that href returns the same resource."""
    if (
        case.method.upper() != "POST"
        or not _is_collection(case)
        or not 200 <= response.status_code < 300
    ):
        return False
    if response.status_code != 201:
        raise AssertionError(
            f"a successful POST must answer 201 Created, not {response.status_code}"
        )
    body = _json(response)
    if not isinstance(body, dict) or not body.get("id"):
        raise AssertionError("the created resource has no 'id'")
    location = _header(response, "Location")
    if not location:
        raise AssertionError("201 Created without a Location header")
    schema = _document().response_schema(case.path, "post", 201)
    if "href" not in _document().properties(schema):
        return True  # e.g. an EventSubscription: no href to follow
    href = body.get("href")
    if not href:
        raise AssertionError("the created resource has no 'href'")
    base = _url(response)
    if probe.resolve(base, location) != probe.resolve(base, str(href)):
        raise AssertionError(f"Location {location!r} is not the resource's href {href!r}")
    fetched = probe.send("GET", probe.resolve(base, str(href)))
    if fetched.status != 200:
        _fail("GET of the created resource's href does not answer 200", fetched)
    if _stable(fetched.body) != _stable(body):
        _fail("GET of the href returns a different resource than the POST answered", fetched)
    return True


@tmf_check
def tmf_list_is_array(response: Any, case: Any) -> bool:
    """Lists are JSON arrays; X-Result-Count is their length; 206 exactly when a page is partial."""
    if (
        case.method.upper() != "GET"
        or not _is_collection(case)
        or response.status_code not in (200, 206)
    ):
        return False
    body = _json(response)
    if not isinstance(body, list):
        raise AssertionError(f"a list answer must be a JSON array, got {type(body).__name__}")
    result = _int_header(response, "X-Result-Count")
    total = _int_header(response, "X-Total-Count")
    if result is not None and result != len(body):
        raise AssertionError(f"X-Result-Count is {result} but the array holds {len(body)}")
    if total is not None:
        if total < len(body):
            raise AssertionError(
                f"X-Total-Count {total} is less than the {len(body)} resources returned"
            )
        partial = len(body) < total
        if partial and response.status_code != 206:
            raise AssertionError(f"{len(body)} of {total} resources returned: that is 206, not 200")
        if not partial and response.status_code != 200:
            raise AssertionError(f"all {total} resources returned: that is 200, not 206")
    return True


@tmf_check
def tmf_fields_projection(response: Any, case: Any) -> bool:
    """fields=a,b returns only a, b, id, href and what the schema requires (none: no a, b)."""
    fields = (case.query or {}).get("fields")
    if (
        case.method.upper() != "GET"
        or not isinstance(fields, str)
        or not fields.strip(", ")  # nothing asked: not a projection
        or not 200 <= response.status_code < 300
    ):
        return False
    body = _json(response)
    resources = body if isinstance(body, list) else [body]
    asked = (
        set() if fields.strip() == "none" else {f.strip().split(".")[0] for f in fields.split(",")}
    )
    schema = _document().response_schema(case.path, "get", response.status_code)
    if isinstance(body, list):
        schema = _document().items(schema)
    allowed = asked | IDENTITY | _document().required(schema)
    for resource in resources:
        if isinstance(resource, dict) and (extra := sorted(set(resource) - allowed)):
            raise AssertionError(
                f"fields={fields} returned attributes that were not asked for: {extra}"
            )
    return True


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
        _fail(
            f"filtering on {name}={value!r} (from the list itself) is not answered with a list",
            matching,
        )
    if not matching.body:
        _fail(f"filtering on {name}={value!r}, a value the list holds, returns nothing", matching)
    wrong = [r.get("id") for r in matching.body if not isinstance(r, dict) or r.get(name) != value]
    if wrong:
        _fail(
            f"filter {name}={value!r} returned resources that do not match: {wrong[:5]}", matching
        )
    impossible = f"tmf-conformance-{uuid.uuid4().hex[:12]}"
    empty = probe.send("GET", url, params={name: impossible})
    if empty.status not in (200, 206) or empty.body != []:
        _fail(
            f"filter {name}={impossible!r} matches nothing; the answer must be 200 with []", empty
        )
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
            _fail(f"sort={key} is not answered with a list", answer)
    up = [r.get(key) for r in ascending.body if isinstance(r, dict) and r.get(key) is not None]
    down = [r.get(key) for r in descending.body if isinstance(r, dict) and r.get(key) is not None]
    up_instants, down_instants = _instants(up), _instants(down)
    if up_instants is not None and up_instants != sorted(up_instants):
        _fail(f"sort={key} does not return {key} ascending", ascending)
    if down_instants is not None and down_instants != sorted(down_instants, reverse=True):
        _fail(f"sort=-{key} does not return {key} descending", descending)
    complete = all(a.count("X-Total-Count") in (None, len(a.body)) for a in (ascending, descending))
    if (
        complete
        and ascending.count("X-Total-Count") == descending.count("X-Total-Count")
        and up != down[::-1]
    ):
        _fail(f"sort=-{key} is not sort={key} reversed", ascending, descending)
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
            _fail(f"offset={offset}&limit={size} is not answered with a list", page)
        if len(page.body) > size:
            _fail(f"limit={size} returned {len(page.body)} resources", page)
        seen += [str(r.get("id")) for r in page.body if isinstance(r, dict)]
    repeated = sorted({i for i in seen if seen.count(i) > 1})
    if repeated:
        _fail(f"pages of {size} overlap: {repeated[:5]} appear on more than one page", *pages)
    if len(seen) != total:
        _fail(f"pages of {size} hold {len(seen)} resources, X-Total-Count says {total}", *pages)
    return True


@tmf_check
def tmf_merge_patch(response: Any, case: Any) -> bool:
    """A merge PATCH changes the attributes it names and keeps every other one."""
    if case.method.upper() != "PATCH" or not 200 <= response.status_code < 300:
        return False
    document = _document()
    if "description" not in document.properties(document.request_schema(case.path, "patch")):
        return False
    if not any("merge-patch" in m for m in document.request_media_types(case.path, "patch")):
        return False
    if not probe.settings().first_time("tmf_merge_patch", case.operation.label):
        return False
    url = _url(response)
    before = probe.send("GET", url)
    if before.status != 200 or not isinstance(before.body, dict):
        return False
    text = f"tmf-conformance {uuid.uuid4().hex[:8]}"
    patched = probe.send(
        "PATCH", url, body={"description": text}, content_type="application/merge-patch+json"
    )
    if not 200 <= patched.status < 300:
        return False  # refused (e.g. a state that allows no change): nothing to verify
    after = probe.send("GET", url)
    if not isinstance(after.body, dict) or after.body.get("description") != text:
        _fail("a merge PATCH of description did not change it", patched, after)
    lost = sorted(
        k for k in before.body if k not in VOLATILE | {"description"} and k not in after.body
    )
    changed = sorted(
        k
        for k in before.body
        if k not in VOLATILE | {"description"}
        and k in after.body
        and _stable(after.body[k]) != _stable(before.body[k])
    )
    if lost or changed:
        _fail(
            f"a merge PATCH of description alone also removed {lost} and changed {changed}",
            patched,
            after,
        )
    return True


@tmf_check
def tmf_delete_then_gone(response: Any, case: Any) -> bool:
    """After a successful DELETE, GET of the resource answers 404."""
    if case.method.upper() != "DELETE" or not 200 <= response.status_code < 300:
        return False
    if not _document().has_operation(case.path, "get"):
        return False
    after = probe.send("GET", _url(response))
    if after.status != 404:
        _fail(f"GET after a successful DELETE answers {after.status}, not 404", after)
    return True


@tmf_check
def tmf_error_body(response: Any, case: Any) -> bool:
    """Error answers carry a TMF Error: a JSON object with string code and reason."""
    if response.status_code < 400 or case.method.upper() == "HEAD":
        return False
    body = _json(response)
    if not isinstance(body, dict):
        raise AssertionError(
            f"a {response.status_code} answer must carry a TMF Error object as JSON"
        )
    missing = [k for k in ("code", "reason") if not isinstance(body.get(k), str) or not body.get(k)]
    if missing:
        raise AssertionError(f"the TMF Error body lacks {missing} (strings)")
    if "status" in body and not isinstance(body["status"], str):
        raise AssertionError("a TMF Error's status is a string")
    return True


@tmf_check
def tmf_timestamps(response: Any, case: Any) -> bool:
    """Date-time attributes in answers are RFC 3339 (e.g. 2026-05-01T10:00:00Z)."""
    if not 200 <= response.status_code < 300:
        return False
    schema = _document().response_schema(case.path, case.method.lower(), response.status_code)
    found = _timestamps(_json(response), schema, "")
    for path, value in found:
        if not isinstance(value, str) or not RFC3339.match(value):
            raise AssertionError(f"{path} = {value!r} is not an RFC 3339 date-time")
    return bool(found)


def _list_to_probe(case: Any, response: Any) -> tuple[str, list[Any]] | None:
    """The list URL and items of a list answer worth probing (two resources or more)."""
    if (
        case.method.upper() != "GET"
        or not _is_collection(case)
        or response.status_code not in (200, 206)
    ):
        return None
    body = _json(response)
    if not isinstance(body, list) or len(body) < 2:
        return None
    return _url(response), body


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


def _timestamps(node: Any, schema: dict[str, Any], path: str) -> list[tuple[str, Any]]:
    """Date-time values, by name, along the attributes the schema defines (not in extensions)."""
    document = _document()
    found: list[tuple[str, Any]] = []
    if isinstance(node, list):
        for index, value in enumerate(node):
            found += _timestamps(value, document.items(schema), f"{path}[{index}]")
    elif isinstance(node, dict):
        defined = document.properties(schema)
        for key, value in node.items():
            where = f"{path}.{key}" if path else key
            if defined and key not in defined:
                continue
            if key.endswith(("Date", "DateTime")) or key in ("lastUpdate", "eventTime"):
                if value is not None:
                    found.append((where, value))
            elif defined:
                found += _timestamps(value, document.resolve(defined[key]), where)
    return found


def _instants(values: list[Any]) -> list[datetime] | None:
    """The values as points in time, or None when they are not all RFC 3339 date-times."""
    if not values or not all(isinstance(v, str) and RFC3339.match(v) for v in values):
        return None
    try:
        return [datetime.fromisoformat(v.upper().replace("Z", "+00:00")) for v in values]
    except ValueError:  # a leap second, which Python cannot hold
        return None


def _stable(node: Any) -> Any:
    """A resource without the attributes a server may change between two reads."""
    if isinstance(node, dict):
        return {k: _stable(v) for k, v in node.items() if k not in VOLATILE}
    if isinstance(node, list):
        return [_stable(v) for v in node]
    return node


def _int_header(response: Any, name: str) -> int | None:
    value = _header(response, name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise AssertionError(f"{name} must be an integer, got {value!r}") from None

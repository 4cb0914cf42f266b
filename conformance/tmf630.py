"""TMF630 checks of single answers, registered with Schemathesis: beyond what a schema says."""

from __future__ import annotations

import uuid
from typing import Any

from conformance import probe
from conformance.checking import (
    IDENTITY,
    RFC3339,
    VOLATILE,
    fail,
    header,
    holds,
    int_header,
    is_collection,
    json_body,
    spec_document,
    stable,
    tmf_check,
    url_of,
)
from conformance.probe import Answer


@tmf_check
def tmf_create_returns_resource(response: Any, case: Any) -> bool:
    """POST answers 201 with Location, id and href; GET of that href returns the same resource."""
    if (
        case.method.upper() != "POST"
        or not is_collection(case)
        or not 200 <= response.status_code < 300
    ):
        return False
    if response.status_code != 201:
        raise AssertionError(
            f"a successful POST must answer 201 Created, not {response.status_code}"
        )
    body = json_body(response)
    if not isinstance(body, dict) or not body.get("id"):
        raise AssertionError("the created resource has no 'id'")
    location = header(response, "Location")
    if not location:
        raise AssertionError("201 Created without a Location header")
    schema = spec_document().response_schema(case.path, "post", 201)
    if "href" not in spec_document().properties(schema):
        return True  # e.g. an EventSubscription: no href to follow
    href = body.get("href")
    if not href:
        raise AssertionError("the created resource has no 'href'")
    base = url_of(response)
    if probe.resolve(base, location) != probe.resolve(base, str(href)):
        raise AssertionError(f"Location {location!r} is not the resource's href {href!r}")
    fetched = probe.send("GET", probe.resolve(base, str(href)))
    if fetched.status != 200:
        fail("GET of the created resource's href does not answer 200", fetched)
    if not holds(fetched.body, body):
        fail("GET of the href returns a different resource than the POST answered", fetched)
    return True


@tmf_check
def tmf_list_is_array(response: Any, case: Any) -> bool:
    """Lists are JSON arrays; X-Result-Count is their length; 206 exactly when a page is partial."""
    if (
        case.method.upper() != "GET"
        or not is_collection(case)
        or response.status_code not in (200, 206)
    ):
        return False
    body = json_body(response)
    if not isinstance(body, list):
        raise AssertionError(f"a list answer must be a JSON array, got {type(body).__name__}")
    result = int_header(response, "X-Result-Count")
    total = int_header(response, "X-Total-Count")
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
    if case.method.upper() != "GET" or not 200 <= response.status_code < 300:
        return False
    body = json_body(response)
    fields = (case.query or {}).get("fields")
    if isinstance(fields, str) and fields.strip(", "):
        return _projected(body, fields, case.path, response.status_code, None)
    # No projection asked: ask one ourselves, once per operation, for an attribute it returned.
    sample = body[0] if isinstance(body, list) and body else body
    names = [k for k in sample if k not in IDENTITY] if isinstance(sample, dict) else []
    if not names or not probe.settings().first_time("tmf_fields_projection", case.operation.label):
        return False
    answer = probe.send("GET", str(response.request.url), params={"fields": names[0]})
    if 200 <= answer.status < 300:
        _projected(answer.body, names[0], case.path, answer.status, answer)
    return True


def _projected(body: Any, fields: str, path: str, status: int, answer: Answer | None) -> bool:
    """Fail when a projected answer holds attributes that were neither asked nor required."""
    resources = body if isinstance(body, list) else [body]
    asked = (
        set() if fields.strip() == "none" else {f.strip().split(".")[0] for f in fields.split(",")}
    )
    schema = spec_document().response_schema(path, "get", status)
    if isinstance(body, list):
        schema = spec_document().items(schema)
    allowed = asked | IDENTITY | spec_document().required(schema)
    for resource in resources:
        if isinstance(resource, dict) and (extra := sorted(set(resource) - allowed)):
            message = f"fields={fields} returned attributes that were not asked for: {extra}"
            if answer is None:
                raise AssertionError(message)
            fail(message, answer)
    return True


@tmf_check
def tmf_merge_patch(response: Any, case: Any) -> bool:
    """A merge PATCH changes the attributes it names and keeps every other one."""
    if case.method.upper() != "PATCH" or not 200 <= response.status_code < 300:
        return False
    document = spec_document()
    if "description" not in document.properties(document.request_schema(case.path, "patch")):
        return False
    if not any("merge-patch" in m for m in document.request_media_types(case.path, "patch")):
        return False
    if not probe.settings().first_time("tmf_merge_patch", case.operation.label):
        return False
    url = url_of(response)
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
        fail("a merge PATCH of description did not change it", patched, after)
    lost = sorted(
        k for k in before.body if k not in VOLATILE | {"description"} and k not in after.body
    )
    changed = sorted(
        k
        for k in before.body
        if k not in VOLATILE | {"description"}
        and k in after.body
        and stable(after.body[k]) != stable(before.body[k])
    )
    if lost or changed:
        fail(
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
    if not spec_document().has_operation(case.path, "get"):
        return False
    after = probe.send("GET", url_of(response))
    if after.status != 404:
        fail(f"GET after a successful DELETE answers {after.status}, not 404", after)
    return True


@tmf_check
def tmf_error_body(response: Any, case: Any) -> bool:
    """Error answers carry a TMF Error: a JSON object with string code and reason."""
    if response.status_code < 400 or case.method.upper() == "HEAD":
        return False
    body = json_body(response)
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
    schema = spec_document().response_schema(case.path, case.method.lower(), response.status_code)
    found = _timestamps(json_body(response), schema, "")
    for path, value in found:
        if not isinstance(value, str) or not RFC3339.match(value):
            raise AssertionError(f"{path} = {value!r} is not an RFC 3339 date-time")
    return bool(found)


def _timestamps(node: Any, schema: dict[str, Any], path: str) -> list[tuple[str, Any]]:
    """Date-time values, by name, along the attributes the schema defines (not in extensions)."""
    document = spec_document()
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

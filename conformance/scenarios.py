"""Stateful scenarios we drive ourselves: resource lifecycles, an order from create to cancel."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from conformance import probe
from conformance.probe import Answer
from conformance.results import Finding, Result
from conformance.spec import Document, Schema

if TYPE_CHECKING:
    from conformance.runner import Options

MARK = "tmf-conformance"


class NotApplicable(Exception):
    """The server does not offer what the scenario needs, as the standard allows (a 405)."""


class StepFailed(Exception):
    """A scenario step got an answer the standard does not allow."""

    def __init__(self, message: str, answer: Answer | None = None) -> None:
        super().__init__(message)
        self.answer = answer


def run(name: str, options: Options, document: Document, result: Result) -> None:
    """Run one scenario check over every resource it applies to."""
    if name == "tmf_resource_lifecycle":
        for path in _lifecycle_resources(document):
            _record(
                result,
                name,
                f"scenario: {path} lifecycle",
                lambda p=path: _lifecycle(options, document, p),
            )
    elif name == "tmf_product_from_order" and document.has_operation("/product/{id}", "get"):
        from conformance import inventory  # it builds on this module's steps

        _record(
            result,
            name,
            "scenario: productOrder to product",
            lambda: inventory.product_from_order(options),
        )
    elif name == "tmf_order_lifecycle" and document.has_operation("/productOrder", "post"):
        _record(
            result,
            name,
            "scenario: productOrder create to cancel",
            lambda: _order(options, document),
        )


def _record(result: Result, check: str, operation: str, scenario: Any) -> None:
    tally = result.tally(operation, check)
    try:
        scenario()
    except StepFailed as failure:
        tally.failed += 1
        curl = failure.answer.curl if failure.answer is not None else ""
        result.add(Finding(check, operation, "Scenario step failed", str(failure), curl))
    except probe.ProbeError as error:
        tally.failed += 1
        result.add(Finding(check, operation, "Scenario request failed", str(error), ""))
    except NotApplicable:
        result.tallies[operation].pop(check)  # nothing verified, nothing failed: not listed
        if not result.tallies[operation]:
            del result.tallies[operation]
    else:
        tally.passed += 1


def _lifecycle_resources(document: Document) -> list[str]:
    """Collections with create, get, patch and delete of a member, whose body we can build."""
    found = []
    for path in document.raw.get("paths", {}):
        item = f"{path}/{{id}}"
        if not (
            document.has_operation(path, "post")
            and all(document.has_operation(item, method) for method in ("get", "patch", "delete"))
        ):
            continue
        if _minimal_body(document, document.request_schema(path, "post")) is not None:
            found.append(path)
    return found


def _lifecycle(options: Options, document: Document, path: str) -> None:
    """create -> get -> patch -> list filtered by id -> delete -> get 404."""
    collection = options.base_url.rstrip("/") + path
    body = _minimal_body(document, document.request_schema(path, "post")) or {}
    answer = probe.send("POST", collection, body=body)
    if answer.status == 405:  # creation turned off (TMF637 writes, say): a documented answer
        _error(answer, f"POST {path} refused as not allowed")
        raise NotApplicable(path)
    created = expect(answer, (201,), f"POST {path} of a minimal body")
    resource = body_of(created, "the created resource")
    url = probe.resolve(collection, str(resource.get("href") or f"{collection}/{resource['id']}"))
    fetched = expect(probe.send("GET", url), (200,), "GET of the created resource")
    if body_of(fetched, "the fetched resource").get("id") != resource["id"]:
        raise StepFailed("GET of the created resource's href returns another id", fetched)
    if "description" in document.properties(document.request_schema(f"{path}/{{id}}", "patch")):
        text = f"{MARK} {uuid.uuid4().hex[:8]}"
        patched = probe.send(
            "PATCH", url, body={"description": text}, content_type="application/merge-patch+json"
        )
        expect(patched, (200,), "a merge PATCH of description")
        again = expect(probe.send("GET", url), (200,), "GET after PATCH")
        if body_of(again, "the patched resource").get("description") != text:
            raise StepFailed("GET after a merge PATCH does not show the new description", again)
    listed = expect(
        probe.send("GET", collection, params={"id": str(resource["id"])}), (200,), "list by id"
    )
    if not isinstance(listed.body, list) or [
        r.get("id") for r in listed.body if isinstance(r, dict)
    ] != [resource["id"]]:
        raise StepFailed(f"GET {path}?id=<new id> does not return exactly the new resource", listed)
    expect(probe.send("DELETE", url), (204, 200, 202), "DELETE of the created resource")
    expect(probe.send("GET", url), (404,), "GET after DELETE")


def _order(options: Options, document: Document) -> None:
    """create order -> get -> patch -> cancelProductOrder -> get cancel -> get order."""
    offering = options.offering_id or offering_to_order(options)
    orders = options.base_url.rstrip("/") + "/productOrder"
    body = {
        "description": f"{MARK} order",
        "productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": offering}}],
    }
    created = expect(
        probe.send("POST", orders, body=body), (201,), f"POST productOrder of offering {offering}"
    )
    order = body_of(created, "the created order")
    url = probe.resolve(orders, str(order.get("href") or f"{orders}/{order['id']}"))
    expect(probe.send("GET", url), (200,), "GET of the created order")
    text = f"{MARK} {uuid.uuid4().hex[:8]}"
    patched = probe.send(
        "PATCH", url, body={"description": text}, content_type="application/merge-patch+json"
    )
    if patched.status == 200:
        if body_of(patched, "the patched order").get("description") != text:
            raise StepFailed("a merge PATCH of the order's description did not change it", patched)
    else:
        _error(patched, "a PATCH the server refuses")
    request = {"productOrder": {"id": order["id"], "href": url}, "cancellationReason": MARK}
    cancels = options.base_url.rstrip("/") + "/cancelProductOrder"
    cancelled = probe.send("POST", cancels, body=request)
    if cancelled.status != 201:
        _error(cancelled, "a cancellation the server refuses")
        return
    cancel = body_of(cancelled, "the cancellation request")
    if (cancel.get("productOrder") or {}).get("id") != order["id"]:
        raise StepFailed("the cancellation request does not refer to the order", cancelled)
    cancel_url = probe.resolve(cancels, str(cancel.get("href") or f"{cancels}/{cancel['id']}"))
    expect(probe.send("GET", cancel_url), (200,), "GET of the cancellation request")
    after = body_of(
        expect(probe.send("GET", url), (200,), "GET of the order after cancelling"), "the order"
    )
    states = _enum(document, document.response_schema("/productOrder/{id}", "get", 200), "state")
    if states and after.get("state") not in states:
        raise StepFailed(f"the order's state {after.get('state')!r} is not one of {sorted(states)}")
    if cancel.get("state") == "done" and after.get("state") != "cancelled":
        raise StepFailed(
            f"the cancellation is done but the order is {after.get('state')!r}, not cancelled"
        )


def order_body(offering: str) -> dict[str, Any]:
    """The smallest order a TMF622 server should accept: one new product of one offering."""
    return {
        "description": f"{MARK} order",
        "productOrderItem": [{"id": "1", "action": "add", "productOffering": {"id": offering}}],
    }


def offering_to_order(options: Options) -> str:
    """A launched, sellable offering of the server's catalog, or one we create through TMF620."""
    if not options.catalog_url:
        raise StepFailed("no offering to order: pass --offering-id")
    catalog = options.catalog_url.rstrip("/")
    params = {
        "lifecycleStatus": "Launched",
        "isSellable": "true",
        "isBundle": "false",
        "limit": "20",
    }
    found = probe.send("GET", f"{catalog}/productOffering", params=params)
    if found.status in (200, 206) and isinstance(found.body, list):
        for offering in found.body:
            if isinstance(offering, dict) and _orderable_as_is(catalog, offering):
                return str(offering["id"])
    spec = expect(
        probe.send(
            "POST",
            f"{catalog}/productSpecification",
            body={"name": MARK, "lifecycleStatus": "Active"},
        ),
        (201,),
        "creating a productSpecification to order",
    )
    price = expect(
        probe.send(
            "POST",
            f"{catalog}/productOfferingPrice",
            body={
                "name": MARK,
                "priceType": "recurring",
                "recurringChargePeriodType": "month",
                "price": {"unit": "EUR", "value": 1},
                "lifecycleStatus": "Active",
            },
        ),
        (201,),
        "creating a productOfferingPrice to order",
    )
    offering = expect(
        probe.send(
            "POST",
            f"{catalog}/productOffering",
            body={
                "name": MARK,
                "isSellable": True,
                "lifecycleStatus": "Launched",
                "productSpecification": {"id": body_of(spec, "spec")["id"]},
                "productOfferingPrice": [{"id": body_of(price, "price")["id"]}],
            },
        ),
        (201,),
        "creating a productOffering to order (or pass --offering-id)",
    )
    return str(body_of(offering, "offering")["id"])


def _orderable_as_is(catalog: str, offering: dict[str, Any]) -> bool:
    """Whether an order of the offering needs no configuration: its specification (if any)
    asks for no characteristic that has no default value."""
    ref = offering.get("productSpecification")
    if not isinstance(ref, dict) or not ref.get("id"):
        return True
    spec = probe.send("GET", f"{catalog}/productSpecification/{ref['id']}")
    if spec.status != 200 or not isinstance(spec.body, dict):
        return False
    for characteristic in spec.body.get("productSpecCharacteristic") or []:
        values = characteristic.get("productSpecCharacteristicValue") or []
        has_default = any(isinstance(v, dict) and v.get("isDefault") for v in values)
        if (characteristic.get("minCardinality") or 0) >= 1 and not has_default:
            return False
    return True


def _minimal_body(document: Document, schema: Schema) -> dict[str, Any] | None:
    """The required attributes with plain values, or None when one cannot be made up."""
    body: dict[str, Any] = {}
    properties = document.properties(schema)
    for name in sorted(document.required(schema)):
        prop = document.resolve(properties.get(name, {}))
        if prop.get("enum"):
            body[name] = prop["enum"][0]
        elif prop.get("type") == "string" and not prop.get("format"):
            body[name] = f"{MARK} {name}"
        elif prop.get("type") == "boolean":
            body[name] = False
        else:
            return None
    return body


def expect(answer: Answer, statuses: tuple[int, ...], step: str) -> Answer:
    if answer.status not in statuses:
        detail = answer.body.get("message") if isinstance(answer.body, dict) else None
        extra = f": {detail}" if detail else ""
        raise StepFailed(
            f"{step}: expected {' or '.join(map(str, statuses))}, got {answer.status}{extra}",
            answer,
        )
    return answer


def _error(answer: Answer, step: str) -> None:
    """A refusal is allowed when it is a 4xx with a TMF Error body."""
    body = answer.body
    if not 400 <= answer.status < 500 or not isinstance(body, dict) or not body.get("code"):
        raise StepFailed(f"{step} must be a 4xx with a TMF Error, got {answer.status}", answer)


def body_of(answer: Answer, what: str) -> dict[str, Any]:
    if not isinstance(answer.body, dict) or not answer.body.get("id"):
        raise StepFailed(f"{what} is not a JSON object with an id", answer)
    return answer.body


def _enum(document: Document, schema: Schema, name: str) -> set[str]:
    return set(document.resolve(document.properties(schema).get(name, {})).get("enum") or [])

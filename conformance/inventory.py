"""The TMF637 scenario: what an order makes is found in the product inventory, once done."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from conformance import probe
from conformance.scenarios import MARK, StepFailed, body_of, expect, offering_to_order, order_body

if TYPE_CHECKING:
    from conformance.runner import Options

FINAL = ("completed", "failed", "cancelled", "rejected", "partial")
WAIT_SECONDS = 60.0


def product_from_order(options: Options) -> None:
    """order one product for a new customer (TMF622) -> wait until completed -> list the
    customer's products (TMF637) -> exactly that one, pointing back at the order -> GET it."""
    if not options.ordering_url:
        raise StepFailed("no TMF622 API to place the order: pass --ordering-base-path")
    offering = options.offering_id or offering_to_order(options)
    customer = f"{MARK}-{uuid.uuid4().hex[:10]}"
    body = {
        **order_body(offering),
        "relatedParty": [{"id": customer, "role": "Customer", "@referredType": "Individual"}],
    }
    orders = options.ordering_url.rstrip("/") + "/productOrder"
    created = body_of(
        expect(probe.send("POST", orders, body=body), (201,), "POST productOrder"), "the order"
    )
    url = probe.resolve(orders, str(created.get("href") or f"{orders}/{created['id']}"))
    state = _wait_until_final(url)
    if state != "completed":
        raise StepFailed(
            f"the order ended {state!r} or did not end within {WAIT_SECONDS:.0f} s, not "
            "completed: no product to look for"
        )
    products = options.base_url.rstrip("/") + "/product"
    listed = expect(
        probe.send("GET", products, params={"relatedParty.id": customer}),
        (200,),
        "GET product?relatedParty.id=<the order's customer>",
    )
    found = [p for p in listed.body if isinstance(p, dict)] if isinstance(listed.body, list) else []
    if len(found) != 1:
        raise StepFailed(f"the customer has {len(found)} products, not the 1 ordered", listed)
    product = found[0]
    if (product.get("productOffering") or {}).get("id") != offering:
        raise StepFailed(f"the product is not of the ordered offering {offering!r}", listed)
    if not any(_names(ref, created["id"]) for ref in product.get("productOrderItem") or []):
        raise StepFailed("the product's productOrderItem does not point at the order", listed)
    href = probe.resolve(products, str(product.get("href") or f"{products}/{product['id']}"))
    fetched = expect(probe.send("GET", href), (200,), "GET of the product's href")
    if body_of(fetched, "the product").get("id") != product.get("id"):
        raise StepFailed("GET of the product's href returns another product", fetched)


def _names(ref: Any, order_id: str) -> bool:
    return isinstance(ref, dict) and ref.get("productOrderId") == order_id


def _wait_until_final(url: str) -> str | None:
    """The order's state once final, or its last state when it does not end in time."""
    deadline = time.monotonic() + WAIT_SECONDS
    state = None
    while time.monotonic() < deadline:
        answer = probe.send("GET", url)
        if answer.status == 200 and isinstance(answer.body, dict):
            state = answer.body.get("state")
            if state in FINAL:
                return str(state)
        time.sleep(0.5)
    return None if state is None else f"{state} (still)"

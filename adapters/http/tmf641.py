"""Provisioning through a TMF641 Service Ordering API: one service order per task.

The task's idempotency key travels as the service order's ``externalId`` (and as an
``Idempotency-Key`` header), so the status of a call whose answer was lost is found with
``GET /serviceOrder?externalId=...``. Whether something happened decides the outcome: a refusal
before the system acted (connection refused, 429, 503) is retryable; a lost or ambiguous answer
(read timeout, dropped connection, 500, 502, 504, an order still in progress) is unknown and
reconciled by status; a rejection (4xx, state rejected or failed) is permanent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from adapters.http.answers import AnswerContract
from core import tracing
from core.ports import Outcome, OutcomeStatus, TaskRequest
from tmfclient.oauth import ClientCredentials, ClientCredentialsAuth

if TYPE_CHECKING:
    from adapters.registry import AdapterContext

ACTIONS = {
    "activate": "add",
    "modify": "modify",
    "deactivate": "delete",
    "suspend": "modify",
    "resume": "modify",
}
# A suspend or resume is a modify of the service's state (TMF641 v4 has no "suspended" state:
# a service held but kept is "inactive").
STATES = {"suspend": "inactive", "resume": "active"}
DONE_STATES = frozenset({"completed"})
FAILED_STATES = frozenset({"failed", "rejected", "cancelled"})
RETRY_LATER = frozenset({429, 503})


class Tmf641Provisioning:
    """A ``ProvisioningPort`` over HTTP."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 10.0,
        authorization: str | None = None,
        transport: httpx.BaseTransport | None = None,
        credentials: ClientCredentials | None = None,
    ) -> None:
        """``authorization`` is a static header; ``credentials`` fetch OAuth2 tokens instead."""
        headers = {"Accept": "application/json"}
        if authorization and credentials is None:
            headers["Authorization"] = authorization
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout),
            headers=headers,
            follow_redirects=False,
            transport=transport,
            auth=ClientCredentialsAuth(credentials, timeout) if credentials else None,
        )
        self.contract = AnswerContract("tmf641-answers.yaml", httpx.URL(base_url).path)

    def activate(self, request: TaskRequest) -> Outcome:
        return self._order("activate", request)

    def modify(self, request: TaskRequest) -> Outcome:
        return self._order("modify", request)

    def deactivate(self, request: TaskRequest) -> Outcome:
        return self._order("deactivate", request)

    def suspend(self, request: TaskRequest) -> Outcome:
        return self._order("suspend", request)

    def resume(self, request: TaskRequest) -> Outcome:
        return self._order("resume", request)

    def status(self, idempotency_key: str) -> Outcome:
        trace = tracing.current()
        headers = {"traceparent": trace} if trace else {}
        try:
            response = self.client.get(
                "/serviceOrder", params={"externalId": idempotency_key}, headers=headers
            )
        except httpx.HTTPError as error:
            return Outcome(OutcomeStatus.RETRYABLE, f"status query failed: {error!r}")
        if response.status_code != 200:
            return Outcome(OutcomeStatus.RETRYABLE, f"status query answered {response.status_code}")
        problem = self.contract.problem(response)
        if problem is not None:  # still not known: asked again later
            return Outcome(OutcomeStatus.RETRYABLE, f"status answer is not TMF641: {problem}")
        orders = response.json()
        if not orders:
            return Outcome(OutcomeStatus.NOT_FOUND, "no service order with this externalId")
        return _by_state(orders[0])

    def _order(self, operation: str, request: TaskRequest) -> Outcome:
        body = service_order(operation, request)
        headers = {"Idempotency-Key": request.idempotency_key}
        if request.correlation_id:
            headers["X-Correlation-ID"] = request.correlation_id
        if request.traceparent:
            headers["traceparent"] = request.traceparent
        try:
            response = self.client.post("/serviceOrder", json=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            return Outcome(OutcomeStatus.RETRYABLE, f"not reached: {error!r}")
        except httpx.HTTPError as error:  # sent, but no answer came back
            return Outcome(OutcomeStatus.UNKNOWN, f"no answer: {error!r}")
        code = response.status_code
        if code in (200, 201):
            problem = self.contract.problem(response)
            if problem is not None:  # it answered as if done: it may have acted
                return Outcome(OutcomeStatus.UNKNOWN, f"answer is not TMF641: {problem}")
            return _by_state(response.json())
        if code in RETRY_LATER:
            return Outcome(OutcomeStatus.RETRYABLE, f"answered {code}")
        if code >= 500 or code in (408, 409):
            return Outcome(OutcomeStatus.UNKNOWN, f"answered {code}")
        return Outcome(OutcomeStatus.PERMANENT, f"answered {code}: {_reason(response)}")


def service_order(operation: str, request: TaskRequest) -> dict[str, Any]:
    """The TMF641 ServiceOrder asking for one service of one product."""
    service: dict[str, Any] = {
        "serviceSpecification": {"id": request.target, "@type": "ServiceSpecificationRef"},
        "serviceCharacteristic": [
            {"name": name, "value": value} for name, value in request.characteristics.items()
        ],
        "@type": "Service",
    }
    if request.product_id:
        service["id"] = f"{request.product_id}:{request.target}"
    if operation in STATES:
        service["state"] = STATES[operation]
    order: dict[str, Any] = {
        "externalId": request.idempotency_key,
        "description": f"productOrder {request.order_id} item {request.item_id}",
        "serviceOrderItem": [
            {
                "id": "1",
                "action": ACTIONS[operation],
                "service": service,
                "@type": "ServiceOrderItem",
            }
        ],
        "@type": "ServiceOrder",
    }
    if request.customer_id:
        order["relatedParty"] = [
            {"id": request.customer_id, "role": "Customer", "@referredType": "Individual"}
        ]
    return order


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _reason(response: httpx.Response) -> str:
    body = _json(response)
    if isinstance(body, dict):
        return str(body.get("message") or body.get("reason") or body)
    return response.text[:200]


def _by_state(order: dict[str, Any]) -> Outcome:
    """The outcome a service order's state tells (the answer matched the document)."""
    state = str(order.get("state") or "")
    reference = str(order["id"]) if order.get("id") is not None else None
    if state in DONE_STATES:
        return Outcome(OutcomeStatus.DONE, f"service order {state}", reference)
    if state in FAILED_STATES:
        return Outcome(OutcomeStatus.PERMANENT, f"service order {state}", reference)
    return Outcome(OutcomeStatus.UNKNOWN, f"service order {state or 'without state'}", reference)


def factory(context: AdapterContext) -> Tmf641Provisioning:
    """From settings: ``TMF_PROVISIONING_URL``, ``_TIMEOUT`` (seconds), and either a static
    ``_AUTHORIZATION`` header or OAuth2 client credentials (``_TOKEN_URL``, ``_CLIENT_ID``,
    ``_CLIENT_SECRET``, ``_SCOPE``)."""
    options = context.options
    url = options.get("provisioning_url")
    if not url:
        raise ValueError("the tmf641 provisioning adapter needs TMF_PROVISIONING_URL")
    credentials = None
    if options.get("provisioning_token_url"):
        if not (
            options.get("provisioning_client_id") and options.get("provisioning_client_secret")
        ):
            raise ValueError("TMF_PROVISIONING_TOKEN_URL needs _CLIENT_ID and _CLIENT_SECRET")
        credentials = ClientCredentials(
            str(options["provisioning_token_url"]),
            str(options["provisioning_client_id"]),
            str(options["provisioning_client_secret"]),
            str(options["provisioning_scope"]) if options.get("provisioning_scope") else None,
        )
    return Tmf641Provisioning(
        str(url),
        float(options.get("provisioning_timeout") or 10),
        options.get("provisioning_authorization"),
        credentials=credentials,
    )

"""Admin handlers of approval cases (list, view with the snapshot, decide) and of the evidence
package of an order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from core.approval import evidence
from core.approval.service import ApprovalService
from core.errors import NotFound
from server import http

ADMIN_PATH = "/admin/v1"


class ApprovalHandlers:
    """Bound by operationId; the actor of a decision is the caller, never a body field."""

    def __init__(self, approvals: ApprovalService, trust_actor_headers: bool = False) -> None:
        self.approvals = approvals
        self.trust_actor_headers = trust_actor_headers

    def resolve(self, operation_id: str) -> Callable[..., Response] | None:
        handlers: dict[str, Callable[..., Response]] = {
            "listApprovals": self.list_cases,
            "retrieveApproval": self.retrieve,
            "decideApproval": self.decide,
            "delegateApproval": self.delegate,
            "retrieveOrderEvidence": self.evidence,
            "retrieveApprovalPolicy": self.retrieve_policy,
            "replaceApprovalPolicy": self.replace_policy,
        }
        return handlers.get(operation_id)

    def list_cases(
        self, status: str | None = None, role: str | None = None, overdue: bool = False
    ) -> Response:
        cases = self.approvals.listing(status, role, overdue)
        return http.json_response([case.to_document() for case in cases])

    def retrieve(self, id: str) -> Response:
        case, snapshot = self.approvals.with_snapshot(id)
        return http.json_response({**case.to_document(), "pricingSnapshot": snapshot})

    def delegate(self, id: str, body: dict[str, Any]) -> Response:
        ctx = http.context(None, ADMIN_PATH, self.trust_actor_headers)
        return http.json_response(
            self.approvals.delegate(id, body["to"], body["reason"], ctx).to_document()
        )

    def retrieve_policy(self) -> Response:
        policy = self.approvals.policy()
        if policy is None:
            raise NotFound("approvalPolicy", "in force")
        return http.json_response({"version": policy.version, "policy": dict(policy.document)})

    def replace_policy(self, body: dict[str, Any]) -> Response:
        ctx = http.context(None, ADMIN_PATH, self.trust_actor_headers)
        policy = self.approvals.replace_policy(body, ctx)
        return http.json_response({"version": policy.version, "policy": dict(policy.document)})

    def evidence(self, id: str, format: str = "json") -> Response:
        found = evidence.package(self.approvals.ordering.db, id, self.approvals.ordering.now())
        if format == "zip":
            headers = {"Content-Disposition": f'attachment; filename="evidence-{id}.zip"'}
            return Response(evidence.zipped(found), media_type="application/zip", headers=headers)
        return http.json_response(found)

    def decide(self, id: str, body: dict[str, Any]) -> Response:
        ctx = http.context(None, ADMIN_PATH, self.trust_actor_headers)
        case = self.approvals.decide(id, body["decision"], body["reason"], body["fingerprint"], ctx)
        return http.json_response(case.to_document())

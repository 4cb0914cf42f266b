"""The pages where people decide: the repair queue (retry, skip with a result, fail) and the
approval cases (approve, reject, ask for a change, delegate); each action needs a reason."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from console.pages import Pages, number, redirect, text
from console.views import age
from core.approval.case import DECISIONS, OPEN
from core.approval.service import ApprovalService
from core.errors import InvalidRequest
from core.fulfillment import evidence
from core.fulfillment.fallout import ACTIONS, FalloutService
from core.timeutil import parse_datetime
from server.approvals import ADMIN_PATH

PAGE = 50


class WorkPages:
    def __init__(self, pages: Pages, fallout: FalloutService, approvals: ApprovalService) -> None:
        self.pages = pages
        self.fallout = fallout
        self.approvals = approvals

    async def repair_queue(self, request: Request) -> Response:
        offset = number(request.query_params.get("offset"))
        tasks, total = await self.pages.call(self.fallout.list, PAGE, offset)
        now = parse_datetime(self.approvals.ordering.now())
        return self.pages.render(
            request,
            "fallout.html",
            tasks=[
                {**evidence.task_view(t), "waiting": age(t.finished_at or t.due_at, now)}
                for t in tasks
            ],
            total=total,
            offset=offset,
            page_size=PAGE,
        )

    async def repair(self, request: Request) -> Response:
        task_id, action = request.path_params["id"], request.path_params["action"]
        form = await self.pages.form(request)
        if action not in ACTIONS:
            raise InvalidRequest(f"action {action!r} is not one of {', '.join(ACTIONS)}")
        result = None
        if action == "skip":
            done = text(form, "result")
            result = {"note": done} if done else None  # as `tmf-adapter fallout skip --result`
        actor = self.pages.viewer(request).actor
        task = await self.pages.call(
            self.fallout.repair, task_id, action, actor, text(form, "reason"), result
        )
        done = f"{action} of task {task.kind} (item {task.item_id}) recorded"
        return redirect(f"/orders/{task.order_id}", done)

    async def cases(self, request: Request) -> Response:
        viewer = self.pages.viewer(request)
        everyone = request.query_params.get("all") == "1"
        offset = number(request.query_params.get("offset"))
        read = await self.pages.call(self.approvals.listing, OPEN, None, False, PAGE + 1, offset)
        more, cases = len(read) > PAGE, read[:PAGE]
        now = self.approvals.ordering.now()
        if viewer.roles and not everyone:
            cases = [c for c in cases if any(viewer.roles & set(s) for s in c.open_slots())]
        cases.sort(key=lambda c: (c.due_at is None or c.due_at >= now, c.due_at or "", c.id))
        moment = parse_datetime(now)
        return self.pages.render(
            request,
            "approvals.html",
            cases=cases,
            now=now,
            everyone=everyone,
            offset=offset,
            more=more,
            page_size=PAGE,
            age=lambda at: age(at, moment),
        )

    async def case(self, request: Request) -> Response:
        case_id = request.path_params["id"]
        case, snapshot = await self.pages.call(self.approvals.with_snapshot, case_id)
        ctx = self.pages.viewer(request).context(request, ADMIN_PATH)
        refusals = await self.pages.call(self.approvals.refusals, case, ctx)
        return self.pages.render(
            request,
            "approval.html",
            case=case,
            snapshot=snapshot or {},
            refusals=refusals,
            decisions=list(DECISIONS),
        )

    async def decide(self, request: Request) -> Response:
        case_id = request.path_params["id"]
        form = await self.pages.form(request)
        ctx = self.pages.viewer(request).context(request, ADMIN_PATH)
        case = await self.pages.call(
            self.approvals.decide,
            case_id,
            text(form, "decision"),
            text(form, "reason"),
            text(form, "fingerprint"),
            ctx,
        )
        return redirect(f"/approvals/{case.id}", f"decision recorded: the case is {case.status}")

    async def delegate(self, request: Request) -> Response:
        case_id = request.path_params["id"]
        form = await self.pages.form(request)
        ctx = self.pages.viewer(request).context(request, ADMIN_PATH)
        case = await self.pages.call(
            self.approvals.delegate, case_id, text(form, "to"), text(form, "reason"), ctx
        )
        return redirect(f"/approvals/{case.id}", f"delegated to {text(form, 'to')}")

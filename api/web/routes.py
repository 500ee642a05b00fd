"""Officer pages under /app: log in with a token, the case queue, a case with its findings, evidence on
the page image, reviews with comments, exports. Same access rules and views as the JSON API."""

from __future__ import annotations

import hmac
from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from api import audit, pages, reports, views
from api.auth import Principal, hash_token
from api.context import AppContext, get_context
from api.routes.common import Id
from api.schemas import CaseDetail, ReviewState, StoredFinding
from api.web import labels
from api.web.evidence import EvidenceView, evidence_views
from api.web.queue import QueueFilters, case_queue, finding_codes, visible_branches
from api.web.session import COOKIE, LIFETIME_S, WebSession, issue, user_for_token, verify
from docintel import sniff
from docintel.model import Severity
from docintel.store.db import read_transaction, transaction
from docintel.store.models import Case, Document, ReviewDecision, ReviewEvent, Role, SourceFile, utcnow

router = APIRouter(prefix="/app", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals.update(labels=labels)
_TYPE_ORDER = {doc_type: i for i, doc_type in enumerate(labels.DOC_TYPES)}


class LoginRequired(Exception):
    """No valid session: the handler sends the browser to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def login_redirect(request: Request, exc: LoginRequired) -> RedirectResponse:
    return RedirectResponse(f"/app/login?next={quote(exc.next_url)}", status.HTTP_303_SEE_OTHER)


def _secret(ctx: AppContext) -> bytes:
    return ctx.web_secret


def _session(request: Request) -> tuple[AppContext, WebSession]:
    ctx = get_context(request)
    web = verify(_secret(ctx), ctx.engine, request.cookies.get(COOKIE))
    if web is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return ctx, web


def _check_csrf(ctx: AppContext, web: WebSession, token: str) -> None:
    if not hmac.compare_digest(web.csrf(_secret(ctx)), token or ""):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "表单已失效，请刷新页面后重试（CSRF 校验失败）")


def _page(request: Request, name: str, web: WebSession | None, code: int = 200, **values: Any) -> HTMLResponse:
    ctx = get_context(request)
    csrf = web.csrf(_secret(ctx)) if web else ""
    user = web.principal if web else None
    return templates.TemplateResponse(request, name, {"user": user, "csrf": csrf, **values}, status_code=code)


def _safe_next(target: str | None) -> str:
    # Only our own pages: an open redirect would let a phishing link bounce through the login.
    if target and target.startswith("/app/") and not target.startswith("//"):
        return target
    return "/app/cases"


# --------------------------------------------------------------------------- login


@router.get("", response_class=RedirectResponse)
@router.get("/", response_class=RedirectResponse)
def home() -> RedirectResponse:
    return RedirectResponse("/app/cases", status.HTTP_303_SEE_OTHER)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _page(request, "login.html", None, next=_safe_next(next), error=None)


@router.post("/login", response_model=None)
def login(
    request: Request,
    token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    ctx = get_context(request)
    user = user_for_token(ctx.engine, hash_token(token.strip())) if token.strip() else None
    client = request.client.host if request.client else None
    with transaction(ctx.engine) as session:
        if user is None:
            audit.record(session, None, audit.Action.LOGIN_FAILED, None, client=client, via="web")
        else:
            audit.record(session, user.name, audit.Action.LOGIN, None, client=client, via="web", role=user.role)
    if user is None:
        return _page(request, "login.html", None, 401, next=_safe_next(next), error="令牌无效或已停用，请核对后重试。")
    response = RedirectResponse(_safe_next(next), status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        issue(_secret(ctx), user),
        max_age=LIFETIME_S,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/app",
    )
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> RedirectResponse:
    ctx, web = _session(request)
    _check_csrf(ctx, web, csrf)
    response = RedirectResponse("/app/login", status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path="/app")
    return response


# --------------------------------------------------------------------------- the queue


@router.get("/cases", response_class=HTMLResponse)
def queue(
    request: Request,
    code: Annotated[str | None, Query(max_length=100)] = None,
    severity: Severity | None = None,
    branch: Annotated[str | None, Query(max_length=200)] = None,
    review: ReviewState | None = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> HTMLResponse:
    ctx, web = _session(request)
    filters = QueueFilters(
        code=code or None, severity=severity.value if severity else None, branch=branch or None, review=review
    )
    with read_transaction(ctx.engine) as session:
        result = case_queue(session, web.principal, filters, page)
        codes, branches = finding_codes(session, web.principal), visible_branches(session, web.principal)
    params = {k: v for k, v in {"code": code, "severity": filters.severity, "branch": branch}.items() if v}
    if review:
        params["review"] = review.value
    return _page(
        request,
        "queue.html",
        web,
        result=result,
        filters=filters,
        codes=codes,
        branches=branches,
        query=urlencode(params),
    )


# --------------------------------------------------------------------------- one case


def _case_or_404(ctx: AppContext, principal: Principal, case_id: int) -> tuple[CaseDetail, dict[str, Any]]:
    with read_transaction(ctx.engine) as session:
        detail = views.case_detail(session, principal, case_id)
        if detail is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "案件不存在，或不属于您可查看的范围")
        row = session.get(Case, case_id)
        verification = dict(row.verification or {}) if row else {}
    return detail, verification


def _histories(ctx: AppContext, findings: list[StoredFinding]) -> dict[int, list[ReviewEvent]]:
    ids = [f.id for f in findings]
    history: dict[int, list[ReviewEvent]] = defaultdict(list)
    if ids:
        with read_transaction(ctx.engine) as session:
            events = session.scalars(
                select(ReviewEvent).where(ReviewEvent.finding_id.in_(ids)).order_by(ReviewEvent.id)
            ).all()
        for event in events:
            history[event.finding_id].append(event)
    return history


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: Id) -> HTMLResponse:
    ctx, web = _session(request)
    detail, verification = _case_or_404(ctx, web.principal, case_id)
    severity_order = {"high": 0, "medium": 1, "low": 2, "info": 3}
    findings = sorted(detail.findings, key=lambda f: (severity_order.get(f.severity.value, 9), f.id))
    with read_transaction(ctx.engine) as session:
        ids = [d.id for d in detail.documents]
        meta = dict(session.execute(select(Document.id, Document.pages_meta).where(Document.id.in_(ids))).all())
    geometry = {doc_id: pages or [] for doc_id, pages in meta.items()}
    evidence: dict[int, list[EvidenceView]] = {f.id: evidence_views(f, detail, geometry) for f in findings}
    by_type: dict[str, list[Any]] = defaultdict(list)
    for document in detail.documents:
        by_type[document.doc_type].append(document)
    path_of = {doc_id: file.path for file in detail.files for doc_id in file.document_ids}
    return _page(
        request,
        "case.html",
        web,
        case=detail,
        verification=verification,
        findings=findings,
        evidence=evidence,
        history=_histories(ctx, findings),
        by_type=dict(sorted(by_type.items(), key=lambda kv: _TYPE_ORDER.get(kv[0], 99))),
        path_of=path_of,
        can_review=web.principal.role in (Role.OFFICER, Role.ADMIN),
        decisions=[d.value for d in ReviewDecision],
    )


@router.post("/findings/{finding_id}/review", response_model=None)
def review(
    request: Request,
    finding_id: Id,
    decision: Annotated[ReviewDecision, Form()],
    csrf: Annotated[str, Form()] = "",
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    ctx, web = _session(request)
    _check_csrf(ctx, web, csrf)
    if web.principal.role not in (Role.OFFICER, Role.ADMIN):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "只有信贷员和管理员可以复核")
    with transaction(ctx.engine) as session:
        detail = views.finding_detail(session, web.principal, finding_id)
        if detail is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "问题不存在，或不属于您可查看的范围")
        if not detail.current:
            raise HTTPException(
                status.HTTP_409_CONFLICT, "该问题已被新的核验结果取代（或其文件已被替换），请复核案件的当前问题"
            )
        session.add(
            ReviewEvent(
                finding_id=finding_id,
                user_name=web.principal.name,
                decision=decision.value,
                comment=comment.strip() or None,
                at=utcnow(),
            )
        )
        target = f"finding:{finding_id}"
        audit.record(session, web.principal.name, audit.Action.REVIEW, target, decision=decision.value, via="web")
    target = f"/app/cases/{detail.case_id}?reviewed={finding_id}#finding-{finding_id}"
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER)


# --------------------------------------------------------------------------- exports and page images


def _export(request: Request, case_id: int, kind: str) -> tuple[CaseDetail, str]:
    ctx, web = _session(request)
    detail, _ = _case_or_404(ctx, web.principal, case_id)
    with transaction(ctx.engine) as session:
        audit.record(session, web.principal.name, audit.Action.EXPORT, f"case:{case_id}", format=kind, via="web")
    return detail, f'attachment; filename="case-{case_id}-report.{kind}"'


@router.get("/cases/{case_id}/report.xlsx")
def export_xlsx(request: Request, case_id: Id) -> Response:
    detail, disposition = _export(request, case_id, "xlsx")
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(reports.xlsx_report(detail), media_type=media, headers={"Content-Disposition": disposition})


@router.get("/cases/{case_id}/report.pdf")
def export_pdf(request: Request, case_id: Id) -> Response:
    detail, disposition = _export(request, case_id, "pdf")
    headers = {"Content-Disposition": disposition}
    return Response(reports.pdf_report(detail), media_type="application/pdf", headers=headers)


@router.get("/documents/{document_id}/pages/{page}.png")
def page_image(request: Request, document_id: Id, page: Id) -> Response:
    ctx, web = _session(request)
    with read_transaction(ctx.engine) as session:
        doc = views.visible_document(session, web.principal, document_id)
        if doc is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "文件不存在")
        source = session.get(SourceFile, doc.sha256)
        page_numbers, pages_meta = list(doc.page_numbers), doc.pages_meta
    if source is None or (page_numbers and page not in page_numbers):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "页面不存在")
    if source.media_type not in (sniff.PDF, *sniff.IMAGE_TYPES):
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "该文件类型没有页面图像")
    try:
        path = pages.page_as_read(ctx.blobs, ctx.settings, source, pages_meta, page)
    except (pages.PageNotFound, pages.PageNotRenderable) as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})

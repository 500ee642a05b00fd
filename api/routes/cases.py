"""Cases: create one from manifest fields, list them with filters, show one, export its report."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlalchemy import select

from api import audit, reports, views
from api.context import Ctx, User, not_found, require
from api.routes.common import Id, Limit, Offset, Text, errors
from api.schemas import CaseCreate, CaseDetail, CasePage, CaseStatus, Risk
from docintel.store.db import read_transaction, transaction
from docintel.store.models import Case, Role

router = APIRouter(tags=["cases"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post(
    "/cases",
    status_code=status.HTTP_201_CREATED,
    response_model=CaseDetail,
    responses=errors(401, 403, 409, 422),
    summary="Create a case from its manifest (the fields of case.json)",
)
def create_case(body: CaseCreate, user: User, ctx: Ctx, response: Response) -> CaseDetail:
    """Creating the same case again with the same manifest returns it (200); another manifest under an
    existing case_id is a 409."""
    require(user, Role.UPLOADER, Role.ADMIN)
    if body.branch is not None and user.role is not Role.ADMIN and body.branch != user.branch:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only admins may file a case under another branch")
    manifest = body.model_dump(mode="json", exclude={"branch"}, exclude_none=True)
    with transaction(ctx.engine) as session:
        existing = session.scalars(select(Case).where(Case.key == body.case_id)).first()
        if existing is not None:
            if not user.can_see(existing) or existing.manifest != manifest:
                raise HTTPException(status.HTTP_409_CONFLICT, f"case {body.case_id!r} already exists")
            case_id = existing.id
            response.status_code = status.HTTP_200_OK
        else:
            case = Case(key=body.case_id, manifest=manifest, branch=body.branch or user.branch, created_by=user.name)
            session.add(case)
            session.flush()
            case_id = case.id
            audit.record(session, user.name, audit.Action.CREATE_CASE, f"case:{case_id}", key=body.case_id)
    with read_transaction(ctx.engine) as session:
        detail = views.case_detail(session, user, case_id)
    assert detail is not None
    return detail


@router.get("/cases", response_model=CasePage, responses=errors(401, 422), summary="Cases you may see")
def list_cases(
    user: User,
    ctx: Ctx,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    risk: Annotated[Risk | None, Query(description="the most severe finding")] = None,
    code: Annotated[Text, Query(description="has a finding with this code")] = None,
    created_from: Annotated[date | None, Query(description="created on or after (UTC date)")] = None,
    created_to: Annotated[date | None, Query(description="created on or before (UTC date)")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> CasePage:
    with read_transaction(ctx.engine) as session:
        return views.list_cases(
            session,
            user,
            status=status_,
            risk=risk,
            code=code,
            created_from=created_from,
            created_to=created_to,
            limit=limit,
            offset=offset,
        )


@router.get(
    "/cases/{case_id}",
    response_model=CaseDetail,
    responses=errors(401, 404, 422),
    summary="One case: files and processing state, documents with their values, findings",
)
def get_case(case_id: Id, user: User, ctx: Ctx) -> CaseDetail:
    with read_transaction(ctx.engine) as session:
        detail = views.case_detail(session, user, case_id)
    if detail is None:
        raise not_found("case")
    return detail


def _report(ctx: Ctx, user: User, case_id: int, kind: str) -> CaseDetail:
    with transaction(ctx.engine) as session:
        detail = views.case_detail(session, user, case_id)
        if detail is None:
            raise not_found("case")
        audit.record(session, user.name, audit.Action.EXPORT, f"case:{case_id}", format=kind)
    return detail


@router.get(
    "/cases/{case_id}/report.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "the case report"}, **errors(401, 404, 422)},
    summary="Case report as an Excel workbook (summary, findings with evidence, documents)",
)
def report_xlsx(case_id: Id, user: User, ctx: Ctx) -> Response:
    detail = _report(ctx, user, case_id, "xlsx")
    return Response(
        reports.xlsx_report(detail),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}-report.xlsx"'},
    )


@router.get(
    "/cases/{case_id}/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the case report"}, **errors(401, 404, 422)},
    summary="Case report as PDF (summary, findings with evidence, documents)",
)
def report_pdf(case_id: Id, user: User, ctx: Ctx) -> Response:
    detail = _report(ctx, user, case_id, "pdf")
    return Response(
        reports.pdf_report(detail),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}-report.pdf"'},
    )

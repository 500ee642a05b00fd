"""Findings across the cases you may see, and officers' reviews of them (append-only history)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from api import audit, views
from api.context import Ctx, User, not_found, require
from api.routes.common import Id, Limit, Offset, Text, errors
from api.schemas import FindingDetail, FindingPage, ReviewCreate, ReviewState
from docintel.model import Severity
from docintel.store.db import read_transaction, transaction
from docintel.store.models import ReviewEvent, Role, utcnow

router = APIRouter(tags=["findings"])


@router.get("/findings", response_model=FindingPage, responses=errors(401, 422), summary="Findings, most severe first")
def list_findings(
    user: User,
    ctx: Ctx,
    code: Text = None,
    severity: Severity | None = None,
    case_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    review: Annotated[ReviewState | None, Query(description="the latest review decision")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> FindingPage:
    with read_transaction(ctx.engine) as session:
        return views.list_findings(
            session,
            user,
            code=code,
            severity=severity.value if severity else None,
            case_id=case_id,
            review=review,
            limit=limit,
            offset=offset,
        )


@router.get(
    "/findings/{finding_id}",
    response_model=FindingDetail,
    responses=errors(401, 404, 422),
    summary="One finding with its full review history",
)
def get_finding(finding_id: Id, user: User, ctx: Ctx) -> FindingDetail:
    with read_transaction(ctx.engine) as session:
        detail = views.finding_detail(session, user, finding_id)
    if detail is None:
        raise not_found("finding")
    return detail


@router.post(
    "/findings/{finding_id}/review",
    status_code=status.HTTP_201_CREATED,
    response_model=FindingDetail,
    responses=errors(401, 403, 404, 409, 422),
    summary="Record a decision (confirmed | dismissed | needs_info) with a comment; earlier ones are kept",
)
def review_finding(finding_id: Id, body: ReviewCreate, user: User, ctx: Ctx) -> FindingDetail:
    require(user, Role.OFFICER, Role.ADMIN)
    with transaction(ctx.engine) as session:
        found = views.finding_detail(session, user, finding_id)
        if found is None:
            raise not_found("finding")
        if not found.current:
            message = "this finding is no longer current (superseded, or its file was replaced)"
            raise HTTPException(status.HTTP_409_CONFLICT, message)
        session.add(
            ReviewEvent(
                finding_id=finding_id,
                user_name=user.name,
                decision=body.decision.value,
                comment=body.comment,
                at=utcnow(),
            )
        )
        audit.record(session, user.name, audit.Action.REVIEW, f"finding:{finding_id}", decision=body.decision.value)
    with read_transaction(ctx.engine) as session:
        detail = views.finding_detail(session, user, finding_id)
    assert detail is not None
    return detail

"""The audit log, for admins only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from api.context import Ctx, User, require
from api.routes.common import Limit, Offset, Text, errors
from api.schemas import AuditOut, AuditPage
from docintel.store.db import read_transaction
from docintel.store.models import AuditEvent, Role

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=AuditPage, responses=errors(401, 403, 422), summary="Audit log, newest first")
def audit_log(
    user: User,
    ctx: Ctx,
    action: Text = None,
    user_name: Annotated[Text, Query(alias="user")] = None,
    since: Annotated[datetime | None, Query(description="events at or after this time")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> AuditPage:
    require(user, Role.ADMIN)
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if user_name:
        query = query.where(AuditEvent.user_name == user_name)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    with read_transaction(ctx.engine) as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        events = session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit).offset(offset)).all()
        items = [
            AuditOut(id=e.id, at=e.at, user=e.user_name, action=e.action, target=e.target, detail=e.detail)
            for e in events
        ]
    return AuditPage(total=total, limit=limit, offset=offset, items=items)

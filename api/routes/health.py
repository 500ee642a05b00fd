"""Liveness without a token (for load balancers), and who the caller is."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.context import Ctx, User
from api.routes.common import errors
from api.schemas import Me

router = APIRouter(tags=["health"])


@router.get("/health", summary="The service and its database answer (no token needed)")
def health(ctx: Ctx) -> dict[str, str]:
    try:
        with ctx.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "database unavailable") from exc
    return {"status": "ok"}


@router.get("/me", response_model=Me, responses=errors(401), summary="The caller's name, role and branch")
def me(user: User) -> Me:
    return Me(name=user.name, role=user.role, branch=user.branch)

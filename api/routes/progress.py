"""Processing progress of a case: one JSON answer to poll, or a server-sent event stream."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from api import views
from api.auth import Principal
from api.context import AppContext, Ctx, User, not_found
from api.routes.common import Id, errors
from api.schemas import CaseStatus, Progress
from docintel.store.db import read_transaction

router = APIRouter(tags=["progress"])


class CaseProgress(Progress):
    case_id: int
    case_status: CaseStatus


def _progress(ctx: AppContext, user: Principal, case_id: int) -> CaseProgress | None:
    with read_transaction(ctx.engine) as session:
        if views.visible_case(session, user, case_id) is None:
            return None
        p = views.progress_of(session, [case_id])[case_id]
    return CaseProgress(**p.model_dump(), case_id=case_id, case_status=p.status)


@router.get(
    "/cases/{case_id}/progress",
    response_model=CaseProgress,
    responses=errors(401, 404, 422),
    summary="Files pending / done / failed, documents and findings so far (poll this)",
)
def progress(case_id: Id, user: User, ctx: Ctx) -> CaseProgress:
    found = _progress(ctx, user, case_id)
    if found is None:
        raise not_found("case")
    return found


@router.get(
    "/cases/{case_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "progress events"}, **errors(401, 404, 422)},
    summary="Server-sent events: a `progress` event on every change, `done` when nothing is pending",
)
async def events(
    case_id: Id,
    user: User,
    ctx: Ctx,
    timeout: Annotated[float, Query(gt=0, le=3600, description="stop after this many seconds")] = 300,
) -> StreamingResponse:
    first = await run_in_threadpool(_progress, ctx, user, case_id)
    if first is None:
        raise not_found("case")

    async def stream() -> AsyncIterator[str]:
        deadline = time.monotonic() + timeout
        current: CaseProgress | None = first
        last = None
        while current is not None:
            payload = current.model_dump_json()
            if payload != last:
                yield f"event: progress\ndata: {payload}\n\n"
                last = payload
            if current.pending == 0:
                yield f"event: done\ndata: {payload}\n\n"
                return
            if time.monotonic() >= deadline:
                yield f"event: timeout\ndata: {json.dumps({'case_id': case_id})}\n\n"
                return
            await asyncio.sleep(0.5)
            current = await run_in_threadpool(_progress, ctx, user, case_id)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

"""Uploading files to a case, and reading documents back: fields with evidence, page images, originals."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response

from api import pages, uploads, views
from api.context import Ctx, User, not_found, require
from api.recording import store_blobs
from api.routes.common import Id, errors
from api.schemas import DocumentDetail, UploadAccepted
from docintel.store.db import read_transaction
from docintel.store.models import Role, SourceFile
from docintel.store.verification import verify_case_key

router = APIRouter(tags=["documents"])

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "PDF, OFD, XML, images or zips of them; repeat the field per file",
                        }
                    },
                }
            }
        },
    }
}


def _visible_case_key(ctx: Ctx, user: User, case_id: int) -> str:
    with read_transaction(ctx.engine) as session:
        case = views.visible_case(session, user, case_id)
        if case is None:
            raise not_found("case")
        ctx.remember_visible(user, case_id, case.key)
        return case.key


# Sniffing and hashing this much takes well under a millisecond: cheaper on the event loop than a
# hop to the thread pool and back. Larger uploads, and zips (which expand), are checked in a thread.
_CHECK_INLINE_BYTES = 256 * 1024


@router.post(
    "/cases/{case_id}/documents",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=UploadAccepted,
    responses=errors(401, 403, 404, 413, 415, 422),
    openapi_extra=UPLOAD_BODY,
    summary="Upload one or many files; they are stored before the answer, read in the background",
)
async def upload(
    case_id: Id, request: Request, user: User, ctx: Ctx, background: BackgroundTasks
) -> UploadAccepted | JSONResponse:
    """All-or-nothing: every file is sniffed and checked first; if any is refused, nothing is stored and
    the answer lists every problem. Uploading the same bytes again stores nothing new (idempotent)."""
    require(user, Role.UPLOADER, Role.ADMIN)
    case_key = ctx.visible_case_key(user, case_id) or await run_in_threadpool(_visible_case_key, ctx, user, case_id)
    parts: list[uploads.ReceivedPart] = []
    try:
        parts = await uploads.receive_parts(request, ctx.settings)
        if sum(p.size for p in parts) <= _CHECK_INLINE_BYTES and not uploads.any_zip(parts):
            candidates = uploads.check_parts(parts, case_key, ctx.settings)
        else:
            candidates = await run_in_threadpool(uploads.check_parts, parts, case_key, ctx.settings)
    except uploads.UploadRejected as exc:
        return JSONResponse(
            status_code=exc.status,
            content={
                "detail": str(exc),
                "reason": exc.problems[0].reason,
                "problems": [{"file": p.filename, "reason": p.reason, "message": p.message} for p in exc.problems],
            },
        )
    finally:
        uploads.close_parts(parts)
    # Bytes first, each request in its own thread (fsync waits overlap); then the recording, shared
    # with the uploads arriving at the same time (api/recorder.py).
    await run_in_threadpool(store_blobs, ctx.blobs, candidates)
    accepted, jobs = await asyncio.wrap_future(ctx.recorder.record(user, case_id, candidates))
    if jobs:
        await run_in_threadpool(ctx.queue.submit, jobs)
    else:
        # Only known content (read before, perhaps for another case): nothing to read, but the case has
        # new paths, so verify it now — after the answer, like reading would be.
        background.add_task(verify_case_key, ctx.engine, case_key)
    return accepted


@router.get(
    "/documents/{document_id}",
    response_model=DocumentDetail,
    responses=errors(401, 404, 422),
    summary="One document: every field with its evidence (page, box, confidence, origin), findings",
)
def get_document(document_id: Id, user: User, ctx: Ctx) -> DocumentDetail:
    with read_transaction(ctx.engine) as session:
        detail = views.document_detail(session, user, document_id)
    if detail is None:
        raise not_found("document")
    return detail


def _source_of(ctx: Ctx, user: User, document_id: int) -> tuple[SourceFile, list[int], list[Any] | None]:
    with read_transaction(ctx.engine) as session:
        doc = views.visible_document(session, user, document_id)
        if doc is None:
            raise not_found("document")
        source = session.get(SourceFile, doc.sha256)
        assert source is not None
        return source, list(doc.page_numbers), doc.pages_meta


@router.get(
    "/documents/{document_id}/pages/{page}.png",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}}, "description": "the rendered page"}, **errors(401, 404, 415, 422)},
    summary="A page of the document as PNG (PDF at 100 dpi: box px = pt × 100/72; images at their own size)",
)
def page_image(document_id: Id, page: Id, user: User, ctx: Ctx) -> Response:
    source, page_numbers, pages_meta = _source_of(ctx, user, document_id)
    if page_numbers and page not in page_numbers:
        raise not_found(f"page {page} of this document (its pages: {page_numbers})")
    try:
        path = pages.page_as_read(ctx.blobs, ctx.settings, source, pages_meta, page)
    except pages.PageNotFound as exc:
        raise not_found(str(exc)) from exc
    except pages.PageNotRenderable as exc:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, str(exc)) from exc
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})


@router.get(
    "/documents/{document_id}/original",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the stored bytes"}}
    | errors(401, 404, 422),
    summary="The original file exactly as uploaded (media type sniffed at upload)",
)
def original(document_id: Id, user: User, ctx: Ctx) -> Response:
    source, _, _ = _source_of(ctx, user, document_id)
    return FileResponse(
        ctx.blobs.path(source.sha256),
        media_type=source.media_type,
        headers={"X-Content-SHA256": source.sha256, "X-Content-Type-Options": "nosniff"},
    )

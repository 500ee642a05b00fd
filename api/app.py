"""The HTTP API: `create_app(settings)` builds it; `docintel serve` runs it under uvicorn."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError

from api import masking
from api.context import AppContext
from api.processing import unfinished_api_jobs
from api.routes import audit, cases, documents, findings, health, progress
from api.settings import ApiSettings
from api.web import routes as web_routes
from docintel.store.blobs import BlobStore
from docintel.store.db import get_engine
from docintel.store.verification import stale_case_ids, verify_cases

log = logging.getLogger(__name__)

DESCRIPTION = """
Read a borrower's loan documents into typed, evidence-backed fields, verify them, and review the findings.

Every route but `/health` needs `Authorization: Bearer <token>`; tokens come from
`docintel users add NAME --role uploader|officer|admin [--branch B]`. Uploaders create cases and upload
to their own; officers read and review the cases of their branch; admins do everything. A case you may
not see answers 404, exactly like one that does not exist.
"""


def _startup_chores_lock(home: Path) -> int | None:
    """With several server processes (`docintel serve --processes N`) one of them resumes earlier work:
    the one that gets this lock, held while it lives. None for the others."""
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / "serve-startup.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


async def _resume_earlier_work(ctx: AppContext) -> None:
    # Uploads accepted before a restart but never read: queue them again (processing is idempotent).
    jobs = await run_in_threadpool(unfinished_api_jobs, ctx.engine)
    if jobs:
        log.info("re-queueing %d uploaded files left pending by an earlier run", len(jobs))
        ctx.queue.submit(jobs)
    # Cases whose last file was saved but which were never verified (a stop in between).
    # In the background: thousands of them must not hold up serving.
    stale = await run_in_threadpool(stale_case_ids, ctx.engine)
    if stale:
        log.info("verifying %d cases left unverified by an earlier run", len(stale))
        worker = threading.Thread(target=verify_cases, args=(ctx.engine, stale), name="reverify", daemon=True)
        worker.start()


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    settings = settings or ApiSettings()
    ctx = AppContext(settings=settings, engine=get_engine(settings.database_url), blobs=BlobStore(settings.blob_root))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        masking.install()  # now: uvicorn has configured its handlers by the time the app starts
        chores = _startup_chores_lock(settings.home)
        if chores is not None:
            await _resume_earlier_work(ctx)
        try:
            yield
        finally:
            await run_in_threadpool(ctx.close)
            if chores is not None:
                os.close(chores)

    app = FastAPI(title="docintel", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.ctx = ctx
    masking.install()
    for module in (health, cases, documents, progress, findings, audit):
        app.include_router(module.router)
    app.include_router(web_routes.router)
    app.mount("/app/static", StaticFiles(directory=Path(web_routes.__file__).parent / "static"), name="static")
    app.add_exception_handler(web_routes.LoginRequired, web_routes.login_redirect)  # type: ignore[arg-type]

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/app/cases")

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> JSONResponse:
        # A value the database refuses (e.g. NUL in text on PostgreSQL) is bad input, not a server fault.
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content={"detail": "a value was not accepted by the database", "reason": "invalid_value"},
        )

    return app

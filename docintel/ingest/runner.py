"""Ingest a folder or archive: plan, store originals, process new files in parallel, record everything.

For each file found: its bytes go to the blob store first, then one transaction records the case, the
source file (state pending), its path and this run's item. Only then is it processed, in a worker that
saves its documents and marks it done in one more transaction. A run killed at any moment therefore
leaves every file either finished or pending; the next run re-plans, skips what is finished and redoes
what is pending, and the unique keys (sha256; sha256 + part) make a redo write nothing twice.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

from sqlalchemy import Engine, select

from docintel import sniff
from docintel.ingest.cases import CaseAssigner
from docintel.ingest.progress import IngestProgress
from docintel.ingest.tasks import FileResult, process_stored
from docintel.ingest.walk import Entry, Manifest, ZipLimits, walk
from docintel.readers import ReadOptions
from docintel.store.blobs import BlobStore
from docintel.store.db import transaction
from docintel.store.models import Change, FileState, IngestItem, ItemState, ProcessingRun, RunState, SourceFile
from docintel.store.repository import case_id_for, mark_failed, record_source
from docintel.store.verification import verify_cases
from docintel.verify import Settings

MAX_CRASHES_PER_FILE = 2  # a file that kills its worker twice is recorded as failed, not retried forever


@dataclass(frozen=True, slots=True)
class IngestOptions:
    workers: int | None = None  # None: all cores
    case_pattern: str | None = None
    limits: ZipLimits = field(default_factory=ZipLimits)
    read_options: ReadOptions = field(default_factory=ReadOptions)
    max_tasks_per_child: int = 50  # recycle workers so a leaky reader cannot grow memory without bound
    settings: Settings | None = None  # case-rule thresholds (None: defaults, or DOCINTEL_SETTINGS)
    branch: str | None = None  # files new cases under this branch, whose officers then see them

    def worker_count(self) -> int:
        return max(1, self.workers or os.cpu_count() or 1)


@dataclass(slots=True)
class Job:
    sha256: str
    path: str
    case_key: str
    item_id: int
    crashes: int = 0


Dispatch = Callable[[list[Job], IngestProgress], None]


def start_run(engine: Engine, root: Path, options: dict[str, object]) -> int:
    host, pid = socket.gethostname(), os.getpid()
    with transaction(engine) as session:
        # Runs on this host whose process is gone were killed: say so, so nobody waits for them.
        for run in session.scalars(select(ProcessingRun).where(ProcessingRun.state == RunState.RUNNING.value)):
            if run.host == host and not _alive(run.pid):
                run.state = RunState.INTERRUPTED.value
        run = ProcessingRun(root=str(root), host=host, pid=pid, options=options, state=RunState.RUNNING.value)
        session.add(run)
        session.flush()
        return run.id


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _record_rejected(engine: Engine, run_id: int, entry: Entry) -> None:
    with transaction(engine) as session:
        session.add(
            IngestItem(
                run_id=run_id,
                path=entry.path,
                state=ItemState.REJECTED.value,
                error_reason=entry.reject_reason,
                error_message=entry.reject_message,
            )
        )


def plan_entry(
    engine: Engine,
    blobs: BlobStore,
    run_id: int,
    entry: Entry,
    assigner: CaseAssigner,
    queued: set[str],
    branch: str | None = None,
) -> Job | None:
    """Store one found file and record it; return the job to process it, or None if nothing is left to do."""
    assert entry.load is not None
    try:
        data = entry.load()
    except OSError as exc:
        entry.reject_reason, entry.reject_message = "unreadable_file", f"cannot read file: {exc.strerror or exc}"
        _record_rejected(engine, run_id, entry)
        return None
    sha256 = blobs.put(data)  # the original is safe before anything else happens to it
    case = assigner.assign(entry)
    with transaction(engine) as session:
        case_id = case_id_for(session, case.key, case.manifest, branch)
        recorded = record_source(
            session,
            sha256=sha256,
            size=len(data),
            media_type=sniff.sniff_media_type(data),
            path=entry.path,
            case_id=case_id,
            run_id=run_id,
        )
        to_process = recorded.source.state == FileState.PENDING.value and sha256 not in queued
        change = _change(recorded.new_content, recorded.new_path, recorded.version, recorded.source.state, to_process)
        item = IngestItem(
            run_id=run_id,
            path=entry.path,
            sha256=sha256,
            case_id=case_id,
            change=change.value,
            state=ItemState.PENDING.value if to_process else ItemState.SKIPPED.value,
        )
        session.add(item)
        session.flush()
        item_id = item.id
    if not to_process:
        return None
    queued.add(sha256)
    return Job(sha256=sha256, path=entry.path, case_key=case.key, item_id=item_id)


def _change(new_content: bool, new_path: bool, version: int, state: str, to_process: bool) -> Change:
    if new_content:
        return Change.NEW_VERSION if version > 1 else Change.NEW
    if to_process:
        return Change.RESUMED
    if new_path:
        return Change.NEW_VERSION if version > 1 else Change.NEW_PATH
    return Change.UNCHANGED


def ingest(
    root: Path,
    engine: Engine,
    blobs: BlobStore,
    options: IngestOptions,
    progress: IngestProgress,
    dispatch: Dispatch | None = None,
) -> int:
    """Ingest everything under `root`; returns the run id (see `report.build_report`)."""
    run_options = {"workers": options.worker_count(), "case_pattern": options.case_pattern, "branch": options.branch}
    run_id = start_run(engine, root, run_options)
    manifests: list[Manifest] = []
    assigner = CaseAssigner(root, options.case_pattern, manifests)
    queued: set[str] = set()
    jobs: list[Job] = []
    progress.describe("planning")
    for entry in walk(root, options.limits, manifests):
        if entry.rejected:
            _record_rejected(engine, run_id, entry)
            progress.error()
            continue
        job = plan_entry(engine, blobs, run_id, entry, assigner, queued, options.branch)
        if job is None and entry.rejected:
            progress.error()
        progress.found(job is not None)
        if job is not None:
            jobs.append(job)
    progress.describe("processing")
    (dispatch or _local_dispatch(engine, blobs, options))(jobs, progress)
    progress.describe("verifying cases")
    verify_cases(engine, run_case_ids(engine, run_id), options.settings)
    finish_run(engine, run_id)
    progress.describe("done")
    return run_id


def run_case_ids(engine: Engine, run_id: int) -> list[int]:
    """Every case a run found files of: verification skips those whose inputs did not change."""
    with transaction(engine) as session:
        ids = session.scalars(
            select(IngestItem.case_id).where(IngestItem.run_id == run_id, IngestItem.case_id.is_not(None)).distinct()
        ).all()
        return sorted(i for i in ids if i is not None)


def finish_run(engine: Engine, run_id: int) -> None:
    with transaction(engine) as session:
        run = session.get(ProcessingRun, run_id)
        if run is not None:
            run.state = RunState.FINISHED.value
            run.finished_at = datetime.now(UTC)


def _init_worker(ocr_threads: int) -> None:
    # Cores are shared between workers: N workers × all-core ONNX threads would thrash.
    os.environ["DOCINTEL_OCR_THREADS"] = str(ocr_threads)


def _local_dispatch(engine: Engine, blobs: BlobStore, options: IngestOptions) -> Dispatch:
    db_url = engine.url.render_as_string(hide_password=False)

    def dispatch(jobs: list[Job], progress: IngestProgress) -> None:
        run_pool(jobs, progress, engine, db_url, str(blobs.root), options)

    return dispatch


def _new_pool(options: IngestOptions) -> ProcessPoolExecutor:
    workers = options.worker_count()
    cores = os.cpu_count() or 1
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),  # a fresh interpreter holds no inherited DB connections or locks
        initializer=_init_worker,
        initargs=(max(1, cores // workers),),
    )


def run_pool(
    jobs: list[Job], progress: IngestProgress, engine: Engine, db_url: str, blob_root: str, options: IngestOptions
) -> None:
    """Process jobs on a local process pool; a crashed worker breaks the pool, which is rebuilt.

    Workers are recycled by running at most `workers × max_tasks_per_child` files per pool, then
    starting a fresh pool, rather than with ProcessPoolExecutor's own max_tasks_per_child: on Python
    3.11–3.13 that deadlocks once a worker retires with tasks still queued (CPython gh-115634).
    """
    batch_size = options.worker_count() * max(1, options.max_tasks_per_child)
    remaining = list(jobs)
    while remaining:
        batch, remaining = remaining[:batch_size], remaining[batch_size:]
        remaining = _run_batch(batch, progress, engine, db_url, blob_root, options) + remaining


def _run_batch(
    jobs: list[Job], progress: IngestProgress, engine: Engine, db_url: str, blob_root: str, options: IngestOptions
) -> list[Job]:
    """Run jobs on one fresh pool; returns those to retry after a worker crash broke the pool."""
    pool = _new_pool(options)
    retry: list[Job] = []
    try:
        futures: dict[Future[FileResult], Job] = {
            pool.submit(process_stored, db_url, blob_root, j.sha256, j.path, j.item_id, options.read_options): j
            for j in jobs
        }
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when="FIRST_COMPLETED")
            for future in finished:
                job = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool:
                    job.crashes += 1
                    if job.crashes >= MAX_CRASHES_PER_FILE:
                        message = "the worker process died while processing this file (twice)"
                        mark_failed(engine, job.sha256, "worker_crashed", message, job.item_id)
                        progress.done(0, failed=True)
                    else:
                        retry.append(job)
                except Exception as exc:  # a bug outside the pipeline's own guard: record it, go on
                    mark_failed(engine, job.sha256, "internal_error", f"{type(exc).__name__}: {exc}", job.item_id)
                    progress.done(0, failed=True)
                else:
                    progress.done(result.pages, failed=result.failed)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return retry


def pending_states(engine: Engine, shas: set[str]) -> dict[str, SourceFile]:
    with transaction(engine) as session:
        rows = session.scalars(select(SourceFile).where(SourceFile.sha256.in_(shas))).all()
        return {r.sha256: r for r in rows if r.state != FileState.PENDING.value}


def celery_dispatch(engine: Engine, poll_seconds: float = 0.5) -> Dispatch:
    """Enqueue every job on the Celery broker, then follow their progress in the store until all finish."""

    def dispatch(jobs: list[Job], progress: IngestProgress) -> None:
        from docintel.ingest.celery_app import process_blob

        for job in jobs:
            process_blob.delay(job.sha256, job.path, job.case_key, job.item_id)
        outstanding = {job.sha256 for job in jobs}
        while outstanding:
            for sha256, source in pending_states(engine, outstanding).items():
                outstanding.discard(sha256)
                progress.done(source.pages, failed=source.state == FileState.FAILED.value)
            if outstanding:
                time.sleep(poll_seconds)

    return dispatch

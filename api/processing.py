"""Processing accepted uploads on the same queue as bulk ingestion.

Celery (`docintel.process_blob`) when a broker is configured; otherwise a local process pool running
the same unit of work (`ingest.tasks.process_stored`). Workers run at lower CPU priority: on a small
machine, answering the next upload quickly matters more than reading the last one a little sooner.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from multiprocessing import get_context
from typing import Protocol

from sqlalchemy import Engine, func, select

from docintel.ingest.runner import MAX_CRASHES_PER_FILE, Job
from docintel.ingest.tasks import process_stored
from docintel.store.db import transaction
from docintel.store.models import IngestItem, ItemState, ProcessingRun, RunState
from docintel.store.repository import mark_failed

log = logging.getLogger(__name__)


class WorkQueue(Protocol):
    def submit(self, jobs: list[Job]) -> None: ...

    def close(self) -> None: ...


def _init_worker(ocr_threads: int) -> None:
    os.environ["DOCINTEL_OCR_THREADS"] = str(ocr_threads)
    os.nice(10)


class LocalQueue:
    """A process pool (or, with workers=0, one in-process thread) started on first use.

    A worker that dies breaks the pool: it is rebuilt and the file retried, and a file that kills
    workers `MAX_CRASHES_PER_FILE` times is recorded as failed, exactly like `docintel ingest`.
    """

    def __init__(self, engine: Engine, blob_root: str, workers: int) -> None:
        self.engine = engine
        self.db_url = engine.url.render_as_string(hide_password=False)
        self.blob_root = blob_root
        self.workers = workers
        self._lock = threading.Lock()
        self._executor: Executor | None = None
        self._closed = False

    def _new_executor(self) -> Executor:
        if self.workers <= 0:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="docintel-process")
        cores = os.cpu_count() or 1
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=get_context("spawn"),  # no inherited DB connections or locks from the server
            initializer=_init_worker,
            initargs=(max(1, cores // self.workers),),
            max_tasks_per_child=50,
        )

    def submit(self, jobs: list[Job]) -> None:
        for job in jobs:
            self._submit(job)

    def _submit(self, job: Job) -> None:
        with self._lock:
            if self._closed:
                return  # shutting down: the file stays pending and is queued again at the next start
            if self._executor is None:
                self._executor = self._new_executor()
            executor = self._executor
            try:
                future = executor.submit(process_stored, self.db_url, self.blob_root, job.sha256, job.path, job.item_id)
            except (BrokenProcessPool, RuntimeError):
                self._executor = self._new_executor()
                future = self._executor.submit(
                    process_stored, self.db_url, self.blob_root, job.sha256, job.path, job.item_id
                )
                executor = self._executor
        future.add_done_callback(lambda f: self._finished(job, executor, f))

    def _finished(self, job: Job, executor: Executor, future: Future[object]) -> None:
        try:
            future.result()
        except BrokenProcessPool:
            with self._lock:
                if self._executor is executor:
                    self._executor = None
            job.crashes += 1
            if job.crashes < MAX_CRASHES_PER_FILE:
                self._submit(job)
                return
            message = "the worker process died while processing this file (twice)"
            mark_failed(self.engine, job.sha256, "worker_crashed", message, job.item_id)
        except Exception as exc:  # a bug outside the pipeline's own guard: record it, keep serving
            if self._closed:
                return
            log.exception("processing %s failed", job.path)
            mark_failed(self.engine, job.sha256, "internal_error", f"{type(exc).__name__}: {exc}", job.item_id)
        finish_runs_done(self.engine, job.item_id)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


class CeleryQueue:
    """Enqueue on the Celery broker; workers save results to the shared store, which progress reads."""

    def submit(self, jobs: list[Job]) -> None:
        from docintel.ingest.celery_app import process_blob

        for job in jobs:
            process_blob.delay(job.sha256, job.path, job.case_key, job.item_id)

    def close(self) -> None:
        return None


def finish_runs_done(engine: Engine, item_id: int | None) -> None:
    """Mark the item's API run finished once none of its items is pending any more."""
    if item_id is None:
        return
    with transaction(engine) as session:
        item = session.get(IngestItem, item_id)
        if item is None:
            return
        pending = session.scalar(
            select(func.count())
            .select_from(IngestItem)
            .where(IngestItem.run_id == item.run_id, IngestItem.state == ItemState.PENDING.value)
        )
        run = session.get(ProcessingRun, item.run_id)
        if not pending and run is not None and run.state == RunState.RUNNING.value:
            run.state, run.finished_at = RunState.FINISHED.value, datetime.now(UTC)


def unfinished_api_jobs(engine: Engine) -> list[Job]:
    """Items of API uploads still pending (the server stopped before reading them): to queue again."""
    from docintel.store.models import Case

    with transaction(engine) as session:
        rows = session.execute(
            select(IngestItem, Case.key)
            .join(ProcessingRun, ProcessingRun.id == IngestItem.run_id)
            .join(Case, Case.id == IngestItem.case_id)
            .where(IngestItem.state == ItemState.PENDING.value, ProcessingRun.root.like("api:%"))
            .order_by(IngestItem.id)
        ).all()
        return [Job(sha256=i.sha256, path=i.path, case_key=key, item_id=i.id) for i, key in rows if i.sha256]

"""Processing accepted uploads on the same queue as bulk ingestion.

Celery (`docintel.process_blob`) when a broker is configured; otherwise a local process pool running
the same unit of work (`ingest.tasks.process_stored`). Workers run at lower CPU priority: on a small
machine, answering the next upload quickly matters more than reading the last one a little sooner.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from multiprocessing import get_context
from typing import Protocol

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from docintel.ingest.runner import MAX_CRASHES_PER_FILE, Job
from docintel.ingest.tasks import process_stored
from docintel.store.db import read_transaction, transaction
from docintel.store.models import IngestItem, ItemState, ProcessingRun, RunState
from docintel.store.repository import mark_failed
from docintel.store.verification import verify_case_key

log = logging.getLogger(__name__)


class WorkQueue(Protocol):
    def submit(self, jobs: list[Job]) -> None: ...

    def close(self) -> None: ...


def _init_worker(ocr_threads: int) -> None:
    os.environ["DOCINTEL_OCR_THREADS"] = str(ocr_threads)
    os.nice(10)


class LocalQueue:
    """A process pool (or, with workers=0, one in-process thread) started on first use.

    Files wait in our own backlog and at most `workers` are handed to the pool at a time, so a burst
    of uploads never queues thousands of tasks inside the executor, and workers can be recycled
    between files: after `TASKS_PER_WORKER` files each, the pool is replaced once its files finish
    (not ProcessPoolExecutor's max_tasks_per_child, which deadlocks on Python 3.11–3.13, CPython
    gh-115634). A worker that dies breaks the pool: it is rebuilt and the file retried, and a file
    that kills workers `MAX_CRASHES_PER_FILE` times is recorded as failed, exactly like `docintel ingest`.
    """

    TASKS_PER_WORKER = 50

    def __init__(self, engine: Engine, blob_root: str, workers: int) -> None:
        self.engine = engine
        self.db_url = engine.url.render_as_string(hide_password=False)
        self.blob_root = blob_root
        self.workers = workers
        self._lock = threading.Lock()
        self._executor: Executor | None = None
        self._backlog: deque[Job] = deque()
        self._in_flight = 0
        self._submitted = 0  # to the current executor
        self._closed = False

    @property
    def slots(self) -> int:
        return max(1, self.workers)

    def _new_executor(self) -> Executor:
        if self.workers <= 0:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="docintel-process")
        cores = os.cpu_count() or 1
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=get_context("spawn"),  # no inherited DB connections or locks from the server
            initializer=_init_worker,
            initargs=(max(1, cores // self.workers),),
        )

    def submit(self, jobs: list[Job]) -> None:
        with self._lock:
            self._backlog.extend(jobs)
        self._pump()

    def _pump(self) -> None:
        """Hand backlog files to the pool while a slot is free."""
        started: list[tuple[Job, Executor, Future[object]]] = []
        with self._lock:
            while not self._closed and self._backlog and self._in_flight < self.slots:
                if self._executor is not None and self._submitted >= self.slots * self.TASKS_PER_WORKER:
                    if self._in_flight:
                        break  # recycle once the current pool's files are done
                    self._executor.shutdown(wait=False)
                    self._executor = None
                if self._executor is None:
                    self._executor, self._submitted = self._new_executor(), 0
                job = self._backlog.popleft()
                try:
                    future = self._executor.submit(
                        process_stored, self.db_url, self.blob_root, job.sha256, job.path, job.item_id
                    )
                except (BrokenProcessPool, RuntimeError):
                    self._backlog.appendleft(job)
                    if self._submitted == 0:
                        break  # a fresh pool refuses work too (interpreter shutting down)
                    self._executor, self._submitted = None, 0
                    continue
                self._in_flight += 1
                self._submitted += 1
                started.append((job, self._executor, future))
        for job, executor, future in started:
            future.add_done_callback(lambda f, job=job, executor=executor: self._finished(job, executor, f))

    def _finished(self, job: Job, executor: Executor, future: Future[object]) -> None:
        with self._lock:
            self._in_flight -= 1
        try:
            self._record(job, executor, future)
        finally:
            self._pump()

    def _record(self, job: Job, executor: Executor, future: Future[object]) -> None:
        try:
            future.result()
        except BrokenProcessPool:
            with self._lock:
                if self._executor is executor:
                    self._executor = None
            job.crashes += 1
            if job.crashes < MAX_CRASHES_PER_FILE:
                with self._lock:
                    self._backlog.appendleft(job)
                return
            message = "the worker process died while processing this file (twice)"
            mark_failed(self.engine, job.sha256, "worker_crashed", message, job.item_id)
        except Exception as exc:  # a bug outside the pipeline's own guard: record it, keep serving
            if self._closed:
                return
            log.exception("processing %s failed", job.path)
            mark_failed(self.engine, job.sha256, "internal_error", f"{type(exc).__name__}: {exc}", job.item_id)
        finish_runs_done(self.engine, job.item_id)
        self._verify(job)

    def _verify(self, job: Job) -> None:
        """Verify the job's case once its last file is in (a no-op while others are pending)."""
        try:
            verify_case_key(self.engine, job.case_key)
        except Exception:  # the case is verified again when its next file finishes or at restart
            log.exception("verifying case %s failed", job.case_key)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._backlog.clear()  # still pending in the store: queued again at the next start
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
    # Asked after every finished file; mostly the answer is "others still pending": find that out
    # without the write lock, which uploads are waiting for.
    with read_transaction(engine) as session:
        item = session.get(IngestItem, item_id)
        if item is None or _pending_items(session, item.run_id):
            return
    with transaction(engine) as session:
        item = session.get(IngestItem, item_id)
        if item is None:
            return
        pending = _pending_items(session, item.run_id)
        run = session.get(ProcessingRun, item.run_id)
        if not pending and run is not None and run.state == RunState.RUNNING.value:
            run.state, run.finished_at = RunState.FINISHED.value, datetime.now(UTC)


def _pending_items(session: Session, run_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(IngestItem)
            .where(IngestItem.run_id == run_id, IngestItem.state == ItemState.PENDING.value)
        )
        or 0
    )


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

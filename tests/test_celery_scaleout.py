"""Scale-out against the real services on localhost: `ingest` dispatching to Celery workers on RabbitMQ
with the shared PostgreSQL store, cases verified by the workers; and a worker killed (kill -9) in the
middle of a file, whose task the broker hands to the next worker (acks_late), with nothing doubled."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import func, select

from docintel.ingest.progress import IngestProgress
from docintel.ingest.report import build_report
from docintel.ingest.runner import IngestOptions, celery_dispatch, ingest
from docintel.store.blobs import BlobStore
from docintel.store.db import get_engine, transaction
from docintel.store.models import Case, Document, FileState, Finding, SourceFile
from tests.store_fixtures import empty_postgres

REPO = Path(__file__).resolve().parents[1]
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672//"
SLOW_SCAN = REPO / "samples" / "invoices" / "inv08_legacy_scan_tiff_2pages.tiff"  # two OCR'd pages


def _rabbitmq_or_skip() -> None:
    pytest.importorskip("celery", reason="the 'celery' extra is not installed")
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
    except OSError as exc:
        pytest.skip(f"RabbitMQ not reachable at 127.0.0.1:5672: {exc}")


@pytest.fixture
def celery_queue() -> Iterator[str]:
    """A queue of our own on the local RabbitMQ, used by this process's producer."""
    _rabbitmq_or_skip()
    from docintel.ingest.celery_app import app

    queue = f"docintel-test-{uuid.uuid4().hex[:8]}"
    saved = app.conf.broker_url, app.conf.task_default_queue
    app.conf.broker_url, app.conf.task_default_queue = AMQP_URL, queue
    _drop_connections(app)
    try:
        yield queue
    finally:
        _drop_connections(app)
        app.conf.broker_url, app.conf.task_default_queue = saved


def _drop_connections(app: Any) -> None:
    """Close the producer's pooled connections so the next send connects to the broker configured now
    (Celery's own reset after a fork does the same)."""
    from kombu import pools

    pools.reset()  # kombu's global producer pools, keyed by connection
    app._after_fork()


def _start_worker(queue: str, env: dict[str, str], concurrency: int = 1) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "celery", "-A", "docintel.ingest.celery_app", "worker", "-Q", queue]
    command += [f"--concurrency={concurrency}", "--pool=prefork", "--loglevel=WARNING"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(worker: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def _env(db_url: str, blob_dir: Path) -> dict[str, str]:
    return os.environ | {
        "DOCINTEL_DATABASE_URL": db_url,
        "DOCINTEL_BLOB_DIR": str(blob_dir),
        "DOCINTEL_BROKER_URL": AMQP_URL,
        "DOCINTEL_OCR_THREADS": "1",
    }


def test_ingest_on_celery_workers_with_postgres_verifies_the_cases(
    pg_database: str, celery_queue: str, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    for name in ("10_duplicate_source", "11_duplicate_across_cases"):
        shutil.copytree(REPO / "samples" / "cases" / name, archive / name)
        (archive / name / "expected_findings.json").unlink()
    blob_dir = tmp_path / "blobs"
    engine = get_engine(empty_postgres(pg_database))
    worker = _start_worker(celery_queue, _env(pg_database, blob_dir), concurrency=2)
    try:
        with IngestProgress(Console(stderr=True), enabled=False) as progress:
            run_id = ingest(
                archive, engine, BlobStore(blob_dir), IngestOptions(), progress, celery_dispatch(engine, 0.2)
            )
    finally:
        _stop(worker)
    report: dict[str, Any] = build_report(engine, run_id)
    assert report["files_found"] == 8 and (report["failed"], report["pending"]) == (0, 0)
    assert report["processed"] + report["new_paths_known_content"] == 8  # 11 reuses some of 10's files
    summaries = {row["case"]: row for row in report["case_summaries"]}
    assert summaries["LN20240011"]["case_findings"] == {"duplicate_invoice": 1}
    assert summaries["LN20240010"]["case_findings"] == {}
    with transaction(engine) as session:
        # Workers and the coordinator may both have tried: the case lock leaves one set of findings.
        case_id = session.scalar(select(Case.id).where(Case.key == "LN20240011"))
        assert session.scalar(select(func.count()).select_from(Finding).where(Finding.case_id == case_id)) == 1


def test_a_worker_killed_mid_file_leaves_the_task_to_the_next_worker(
    pg_database: str, celery_queue: str, tmp_path: Path
) -> None:
    from docintel.ingest.celery_app import process_blob

    blob_dir = tmp_path / "blobs"
    engine = get_engine(empty_postgres(pg_database))
    sha256 = BlobStore(blob_dir).put(SLOW_SCAN.read_bytes() + uuid.uuid4().hex.encode())  # bytes unique to this run
    env = _env(pg_database, blob_dir)
    first = _start_worker(celery_queue, env)
    try:
        process_blob.apply_async(args=(sha256, f"/kill-test/{sha256[:8]}/scan.tiff", f"kill-{sha256[:8]}"))
        _wait_for(lambda: _state(engine, sha256) == FileState.PENDING.value, "the first worker to take the task")
        time.sleep(3)  # well inside the OCR of two pages
        assert _state(engine, sha256) == FileState.PENDING.value, "the file finished before the kill"
    finally:
        _stop(first, signal.SIGKILL)
    second = _start_worker(celery_queue, env)
    try:
        _wait_for(lambda: _state(engine, sha256) == FileState.DONE.value, "the second worker to finish", 180)
    finally:
        _stop(second)
    with transaction(engine) as session:
        parts = session.scalars(select(Document.part).where(Document.sha256 == sha256)).all()
        assert sorted(parts) == sorted(set(parts)) and parts  # saved once


def _state(engine: Any, sha256: str) -> str | None:
    with transaction(engine) as session:
        source = session.get(SourceFile, sha256)
        return None if source is None else source.state


def _wait_for(condition: Any, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")

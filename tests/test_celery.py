"""A Celery round trip with a real broker: a worker subprocess on the local Redis processes one stored blob."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from docintel.store.blobs import BlobStore
from docintel.store.db import get_engine, transaction
from docintel.store.models import Document, FileState, SourceFile, SourcePath
from tests.store_fixtures import digital_pdfs

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=2).ping()
    except Exception as exc:
        pytest.skip(f"Redis not reachable at {REDIS_HOST}:{REDIS_PORT}: {exc}")


def test_a_celery_worker_processes_an_enqueued_blob_into_the_store(tmp_path: Path) -> None:
    pytest.importorskip("celery", reason="the 'celery' extra is not installed")
    _redis_or_skip()
    db_url = f"sqlite:///{tmp_path / 'docintel.db'}"
    # A queue of its own: another test run on the same Redis must not take (or leave) our task.
    queue = f"docintel-test-{uuid.uuid4().hex[:8]}"
    env = os.environ | {
        "DOCINTEL_DATABASE_URL": db_url,
        "DOCINTEL_BLOB_DIR": str(tmp_path / "blobs"),
        "DOCINTEL_BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
    }
    get_engine(db_url)  # schema first, as `docintel worker` and `docintel ingest` do
    pdf = next(p for p in digital_pdfs() if "bad_tax_id" in p.name)
    sha256 = BlobStore(tmp_path / "blobs").put(pdf.read_bytes())

    celery = [sys.executable, "-m", "celery", "-A", "docintel.ingest.celery_app", "worker", "--pool=solo", "-c", "1"]
    quiet = ["--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    worker = subprocess.Popen(
        [*celery, "-Q", queue, *quiet],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        from docintel.ingest.celery_app import app, process_blob

        app.conf.broker_url = env["DOCINTEL_BROKER_URL"]
        process_blob.apply_async(args=(sha256, "/delivery/case-9/invoice.pdf", "case-9"), queue=queue)
        source = _wait_done(db_url, sha256, worker)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    assert source.state == FileState.DONE.value
    with transaction(get_engine(db_url)) as session:
        doc = session.scalars(select(Document).where(Document.sha256 == sha256)).one()
        assert doc.doc_type == "vat_invoice" and any(f.code == "invalid_tax_id" for f in doc.findings)
        path = session.scalars(select(SourcePath).where(SourcePath.sha256 == sha256)).one()
        assert path.path == "/delivery/case-9/invoice.pdf" and path.case.key == "case-9"


def _wait_done(db_url: str, sha256: str, worker: subprocess.Popen[bytes]) -> SourceFile:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with transaction(get_engine(db_url)) as session:
            source = session.get(SourceFile, sha256)
        if source is not None and source.state != FileState.PENDING.value:
            return source
        if worker.poll() is not None:
            raise AssertionError(f"worker exited: {worker.stdout.read().decode()[-2000:]}")  # type: ignore[union-attr]
        time.sleep(0.2)
    raise AssertionError("the worker did not store the result within 60 s")

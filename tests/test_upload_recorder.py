"""Group commit of uploads: concurrent requests share transactions, and one bad request fails alone."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.auth import Principal
from api.recorder import UploadRecorder, _Upload
from api.recording import CaseNotFound, UploadRequest, store_blobs
from api.uploads import Candidate
from docintel.store.blobs import BlobStore
from docintel.store.db import get_engine, read_transaction, transaction
from docintel.store.models import AuditEvent, Case, IngestItem, ProcessingRun, Role, SourceFile, SourcePath

UPLOADER = Principal(name="branch-upload", role=Role.UPLOADER, branch="b1")


def _candidate(n: int, path: str | None = None) -> Candidate:
    data = b"%PDF-1.4\n% upload " + str(n).encode() + b"\n%%EOF\n"
    return Candidate(f"f{n}.pdf", path or f"api/K/f{n}.pdf", data, hashlib.sha256(data).hexdigest(), "application/pdf")


@pytest.fixture
def case_id(db_url: str) -> int:
    with transaction(get_engine(db_url)) as session:
        case = Case(key="K", manifest={}, branch="b1", created_by=UPLOADER.name)
        session.add(case)
        session.flush()
        return case.id


def test_concurrent_uploads_are_all_recorded_once(db_url: str, case_id: int, tmp_path: Path) -> None:
    engine = get_engine(db_url)
    blobs = BlobStore(tmp_path / "blobs")
    recorder = UploadRecorder(engine)
    candidates = [[_candidate(n)] for n in range(40)]
    candidates.append([_candidate(0)])  # the same bytes at the same path again: recorded as unchanged
    for c in candidates:
        store_blobs(blobs, c)
    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            futures = [pool.submit(recorder.record, UPLOADER, case_id, c) for c in candidates]
            results = [f.result().result(timeout=60) for f in futures]
    finally:
        recorder.close()
    item_ids = [accepted.files[0].item_id for accepted, _ in results]
    assert len(set(item_ids)) == len(item_ids)  # every request its own item
    assert sorted(accepted.files[0].change for accepted, _ in results).count("new") == 40
    assert sum(len(jobs) for _, jobs in results) == 41  # pending bytes are queued again, harmlessly
    with read_transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(SourceFile)) == 40
        assert session.scalar(select(func.count()).select_from(SourcePath)) == 40
        assert session.scalar(select(func.count()).select_from(IngestItem)) == 41
        assert session.scalar(select(func.count()).select_from(ProcessingRun)) == 41
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "upload")) == 41


def test_a_failing_upload_fails_alone(db_url: str, case_id: int) -> None:
    engine = get_engine(db_url)
    recorder = UploadRecorder(engine)
    good = [_Upload(UploadRequest(UPLOADER, case_id, [_candidate(n)])) for n in range(3)]
    bad = _Upload(UploadRequest(UPLOADER, case_id + 999, [_candidate(99)]))  # no such case: recording it raises
    recorder._commit([good[0], bad, good[1], good[2]])
    assert isinstance(bad.future.exception(timeout=5), CaseNotFound)
    assert [u.future.result(timeout=5)[0].files[0].change for u in good] == ["new", "new", "new"]
    with read_transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(SourceFile)) == 3  # nothing of the bad one
        assert session.scalar(select(func.count()).select_from(ProcessingRun)) == 3

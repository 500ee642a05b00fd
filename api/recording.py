"""Storing accepted uploads: the bytes as blobs, then one transaction recording every file.

`record_uploads` records a batch of upload requests with a fixed number of statements, whatever the
batch size (executemany inserts, IN lookups), so the server's recorder (api/recorder.py) can answer
twenty concurrent uploads with one short transaction. It follows `repository.record_source` exactly:
bytes never seen get a pending source file (insert-or-ignore: an ingest run may add the same bytes at
the same moment); a (path, bytes) pair already known keeps its version; a path with other bytes gets
the next version. Requests in a batch are recorded in order, each seeing those before it.
"""

from __future__ import annotations

import os
import socket
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from api import audit
from api.auth import Principal
from api.schemas import AcceptedFile, UploadAccepted
from api.uploads import Candidate
from docintel.ingest.runner import Job
from docintel.store.blobs import BlobStore
from docintel.store.db import transaction
from docintel.store.models import (
    AuditEvent,
    Case,
    Document,
    FileState,
    IngestItem,
    ItemState,
    ProcessingRun,
    RunState,
    SourceFile,
    SourcePath,
    utcnow,
)
from docintel.store.repository import insert_ignore_statement

_HOST = socket.gethostname()
PENDING = FileState.PENDING.value


@dataclass(frozen=True, slots=True)
class UploadRequest:
    principal: Principal
    case_id: int
    candidates: list[Candidate]


Recorded = tuple[UploadAccepted, list[Job]]


class CaseNotFound(LookupError):
    pass


def store_upload(
    engine: Engine, blobs: BlobStore, principal: Principal, case_id: int, candidates: list[Candidate]
) -> Recorded:
    """Blobs first (atomic, content-addressed), then ONE transaction recording the run, every file, its
    item and the audit event. A failure between the two leaves only unreferenced blobs, which a retry
    reuses; never a recorded file without its bytes."""
    store_blobs(blobs, candidates)
    with transaction(engine) as session:
        return record_uploads(session, [UploadRequest(principal, case_id, candidates)])[0]


def store_blobs(blobs: BlobStore, candidates: list[Candidate]) -> None:
    for c in candidates:
        blobs.put(c.data)


@dataclass(slots=True)
class _File:
    candidate: Candidate
    new_content: bool
    new_path: bool = False
    version: int = 0
    to_process: bool = False


def record_uploads(session: Session, requests: list[UploadRequest]) -> list[Recorded]:
    """Record upload requests (their blobs already stored) in `session`'s transaction: per request a
    processing run, per file its source, path version and ingest item, and an audit event."""
    now = utcnow()
    case_keys = _case_keys(session, {r.case_id for r in requests})
    plans = [[_File(c, new_content=False) for c in r.candidates] for r in requests]
    files = [f for plan in plans for f in plan]

    # Sources: bytes not seen before are inserted as pending; then every state is read back, since a
    # concurrent ingest may have inserted (or even processed) the same bytes.
    shas = {f.candidate.sha256 for f in files}
    known = {sha for (sha,) in session.execute(select(SourceFile.sha256).where(SourceFile.sha256.in_(shas)))}
    new_rows: dict[str, dict[str, Any]] = {}
    for f in files:
        sha = f.candidate.sha256
        if sha not in known and sha not in new_rows:
            f.new_content = True
            new_rows[sha] = {
                "sha256": sha,
                "size": len(f.candidate.data),
                "media_type": f.candidate.media_type,
                "state": PENDING,
                "pages": 0,
                "created_at": now,
            }
    if new_rows:
        session.execute(insert_ignore_statement(session, SourceFile, ["sha256"]), list(new_rows.values()))
    states = dict(session.execute(select(SourceFile.sha256, SourceFile.state).where(SourceFile.sha256.in_(shas))).all())

    # Path versions, as record_source decides them, in request order.
    paths = {f.candidate.path for f in files}
    versions: dict[tuple[str, str], int] = {}
    latest: dict[str, int] = defaultdict(int)
    rows = session.execute(
        select(SourcePath.path, SourcePath.sha256, SourcePath.version).where(SourcePath.path.in_(paths))
    )
    for path, sha, version in rows:
        versions[(path, sha)] = version
        latest[path] = max(latest[path], version)
    for f in files:
        key = (f.candidate.path, f.candidate.sha256)
        if key not in versions:
            f.new_path = True
            latest[key[0]] += 1
            versions[key] = latest[key[0]]
        f.version = versions[key]
        f.to_process = states[f.candidate.sha256] == PENDING

    run_ids = _insert_returning_ids(
        session,
        ProcessingRun,
        [
            {
                "root": f"api:/cases/{r.case_id}",
                "host": _HOST,
                "pid": os.getpid(),
                "options": {"source": "api", "user": r.principal.name},
                "counts": {},
                "state": RunState.RUNNING.value if any(f.to_process for f in plan) else RunState.FINISHED.value,
                "started_at": now,
            }
            for r, plan in zip(requests, plans, strict=True)
        ],
    )
    new_paths = [
        {
            "path": f.candidate.path,
            "version": f.version,
            "sha256": f.candidate.sha256,
            "case_id": r.case_id,
            "first_run_id": run_id,
            "created_at": now,
        }
        for r, plan, run_id in zip(requests, plans, run_ids, strict=True)
        for f in plan
        if f.new_path
    ]
    if new_paths:
        session.execute(insert(SourcePath), new_paths)
    item_rows = [
        {
            "run_id": run_id,
            "path": f.candidate.path,
            "sha256": f.candidate.sha256,
            "case_id": r.case_id,
            "change": change(f),
            "state": ItemState.PENDING.value if f.to_process else ItemState.SKIPPED.value,
            "pages": 0,
        }
        for r, plan, run_id in zip(requests, plans, run_ids, strict=True)
        for f in plan
    ]
    item_ids = iter(_insert_returning_ids(session, IngestItem, item_rows))
    documents = _document_ids(session, {f.candidate.sha256 for f in files if not f.new_content})

    results: list[Recorded] = []
    audits = []
    for r, plan, run_id in zip(requests, plans, run_ids, strict=True):
        accepted: list[AcceptedFile] = []
        jobs: list[Job] = []
        for f in plan:
            c, item_id = f.candidate, next(item_ids)
            if f.to_process:
                jobs.append(Job(sha256=c.sha256, path=c.path, case_key=case_keys[r.case_id], item_id=item_id))
            accepted.append(
                AcceptedFile(
                    filename=c.filename,
                    path=c.path,
                    sha256=c.sha256,
                    size=len(c.data),
                    media_type=c.media_type,
                    change=change(f),
                    state=states[c.sha256],
                    item_id=item_id,
                    document_ids=documents.get(c.sha256, []),
                )
            )
        files_detail = [{"name": a.filename, "sha256": a.sha256, "size": a.size, "change": a.change} for a in accepted]
        audits.append(
            {
                "at": now,
                "user_name": r.principal.name,
                "action": audit.Action.UPLOAD.value,
                "target": f"case:{r.case_id}",
                "detail": {"run_id": run_id, "files": files_detail},
            }
        )
        result = UploadAccepted(
            case_id=r.case_id,
            run_id=run_id,
            files=accepted,
            progress_url=f"/cases/{r.case_id}/progress",
            events_url=f"/cases/{r.case_id}/events",
        )
        results.append((result, jobs))
    session.execute(insert(AuditEvent), audits)
    return results


def change(f: _File) -> str:
    if f.new_content:
        return "new_version" if f.version > 1 else "new"
    if f.to_process:
        return "resumed"
    if f.new_path:
        return "new_version" if f.version > 1 else "new_path"
    return "unchanged"


def _case_keys(session: Session, case_ids: set[int]) -> dict[int, str]:
    keys = dict(session.execute(select(Case.id, Case.key).where(Case.id.in_(case_ids))).all())
    missing = case_ids - keys.keys()
    if missing:
        raise CaseNotFound(f"no case with id {sorted(missing)}")  # the route checked them visible
    return keys


def _document_ids(session: Session, shas: set[str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    if shas:
        query = select(Document.sha256, Document.id).where(Document.sha256.in_(shas)).order_by(Document.part)
        for sha, document_id in session.execute(query):
            out[sha].append(document_id)
    return out


def _insert_returning_ids(session: Session, entity: Any, rows: list[dict[str, Any]]) -> list[int]:
    statement = insert(entity).returning(entity.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))

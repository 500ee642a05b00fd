"""Case verification over the store: once every file of a case is processed, run the case rules on its
stored documents and keep the case findings, exactly once per distinct input.

What a verification reads is digested into a fingerprint: the current version of the file at every path
of the case, the manifest and the rule settings. A case whose fingerprint matches the stored one is not
verified again (a re-run that changes nothing does nothing); a changed file, manifest or threshold
verifies it again. Re-verification keeps a finding that is produced again as the same row (its reviews
stay attached), adds new ones, and marks those no longer produced `superseded_at` — never deletes a
reviewed finding. All of it happens in one transaction that first locks the case row, so two workers
finishing the last two files of a case at once cannot both write its findings.

Invoices reused across cases are looked up in the store (`StoreKnownInvoices`): an invoice counts as
already used when another case recorded it at an earlier path (planning order), so of two loans using
one invoice the later submission is flagged, whatever order the workers finish in.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from docintel import model
from docintel.case import Case as CaseModel
from docintel.case import CaseManifest
from docintel.store.db import read_transaction, transaction
from docintel.store.models import Case, Document, FileState, Finding, ReviewEvent, SourceFile, SourcePath
from docintel.store.repository import finding_row
from docintel.verify import InvoiceSighting, Settings, load_settings, verify_case

log = logging.getLogger(__name__)

COLLECTION_KEY = "collection"  # case.json {"collection": true}: a folder of unrelated documents, not a loan
SKIPPED_COLLECTION = "case.json 标明本文件夹为单据集合（collection），不是贷款案件，未做案件级核查"


@dataclass(frozen=True, slots=True)
class CurrentFile:
    path: str
    path_id: int
    source: SourceFile


@dataclass(frozen=True, slots=True)
class Outcome:
    """What verifying one case did."""

    case_key: str
    verified: bool  # False: skipped (files pending, already verified, or not a loan dossier)
    reason: str
    new_findings: int = 0
    kept_findings: int = 0
    superseded_findings: int = 0


def current_files(session: Session, case_id: int) -> list[CurrentFile]:
    """The latest version of the file at each path of the case."""
    rows = session.execute(
        select(SourcePath, SourceFile)
        .join(SourceFile, SourceFile.sha256 == SourcePath.sha256)
        .where(SourcePath.case_id == case_id)
        .order_by(SourcePath.path, SourcePath.version)
    ).all()
    latest: dict[str, CurrentFile] = {}
    for path_row, source in rows:
        latest[path_row.path] = CurrentFile(path_row.path, path_row.id, source)  # later versions win
    return list(latest.values())


def fingerprint(files: list[CurrentFile], manifest: dict[str, Any] | None, settings: Settings) -> str:
    digest = {
        "files": sorted((f.path, f.source.sha256) for f in files),
        "manifest": manifest,
        "settings": settings.model_dump(mode="json"),
    }
    return hashlib.sha256(json.dumps(digest, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def parse_stored_manifest(raw: dict[str, Any] | None) -> tuple[CaseManifest | None, str | None]:
    """The stored case.json as a manifest, or None with the reason it cannot be used."""
    if not raw:
        return None, None
    if "invalid_manifest" in raw:
        return None, f"case.json 不是有效的 JSON：{raw['invalid_manifest']}"
    try:
        return CaseManifest.model_validate(raw), None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in exc.errors())
        return None, f"case.json 校验未通过，按无清单处理：{problems}"


def stored_document(row: Document, path: str, source: SourceFile) -> model.Document:
    """A pipeline Document rebuilt from its stored row: fields and goods lines with their evidence.

    Pages carry only their numbers (the text is not kept); case rules read fields and lines only.
    """
    fields = {
        f.name: model.FieldValue(
            value=f.value,
            confidence=f.confidence,
            evidence=[model.Evidence.model_validate(e) for e in f.evidence],
            note=f.note,
        )
        for f in row.field_rows
    }
    if row.items_detail is not None:
        items = [{k: model.FieldValue.model_validate(v) for k, v in item.items()} for item in row.items_detail]
    else:  # stored before lines kept their evidence
        items = [{k: model.FieldValue(value=v) for k, v in item.items()} for item in row.items]
    return model.Document(
        source=model.SourceFile(path=path, sha256=source.sha256, size=source.size, media_type=source.media_type),
        pages=[model.Page(number=n, width=0, height=0) for n in row.page_numbers],
        doc_type=row.doc_type,
        doc_type_confidence=row.doc_type_confidence,
        part=row.part,
        region=model.Box.model_validate(row.region) if row.region else None,
        fields=fields,
        items=items,
        errors=[model.ProcessingError.model_validate(e) for e in row.errors],
        status=model.DocStatus(row.status),
    )


class StoreKnownInvoices:
    """`KnownInvoices` over the store for one case: sightings of an invoice in other cases at paths
    recorded before this case's own copy. `record` does nothing: saving a document records it."""

    def __init__(self, session: Session, case: Case, first_path_id: dict[str, int]) -> None:
        self.session = session
        self.case = case
        self.first_path_id = first_path_id  # invoice key → the earliest path id of this case holding it

    def lookup(self, key: str) -> list[InvoiceSighting]:
        query = (
            select(Case.key, SourcePath.path, Document.page_numbers)
            .join(SourcePath, SourcePath.sha256 == Document.sha256)
            .join(Case, Case.id == SourcePath.case_id)
            .where(Document.invoice_key == key, Case.id != self.case.id)
            .order_by(SourcePath.id)
        )
        if key in self.first_path_id:
            query = query.where(SourcePath.id < self.first_path_id[key])
        return [
            InvoiceSighting(case_id=case_key, document=path, page=pages[0] if pages else None)
            for case_key, path, pages in self.session.execute(query).all()
        ]

    def record(self, key: str, sighting: InvoiceSighting) -> None:
        return None


def _identity(code: str, rule: str, inputs: dict[str, Any]) -> str:
    return json.dumps([code, rule, inputs], sort_keys=True, ensure_ascii=False, default=str)


def _lock_case(session: Session, case_id: int) -> Case | None:
    # FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers.
    return session.scalars(select(Case).where(Case.id == case_id).with_for_update()).first()


def verify_stored_case(engine: Engine, case_id: int, settings: Settings | None = None) -> Outcome:
    """Verify one case if all its files are processed and its inputs changed since the last time."""
    settings = settings or load_settings()
    # Asked after every finished file: answer "still pending" from one indexed lookup in a read-only
    # transaction (no write lock: uploads and workers keep writing meanwhile), not by loading every
    # file of a case that may hold hundreds; asked again under the write lock before verifying.
    with read_transaction(engine) as session:
        if _has_pending_file(session, case_id):
            return Outcome(str(case_id), False, "files still pending")
    with transaction(engine) as session:
        if _has_pending_file(session, case_id):
            return Outcome(str(case_id), False, "files still pending")
        case = _lock_case(session, case_id)
        if case is None:
            return Outcome(str(case_id), False, "no such case")
        files = current_files(session, case.id)
        if not files:
            return Outcome(case.key, False, "no files")
        digest = fingerprint(files, case.manifest, settings)
        if case.verified_fingerprint == digest:
            return Outcome(case.key, False, "unchanged since the last verification")
        now = datetime.now(UTC)
        if case.manifest and case.manifest.get(COLLECTION_KEY):
            case.verified_fingerprint, case.verified_at = digest, now
            case.verification = {"skipped": SKIPPED_COLLECTION}
            return Outcome(case.key, False, "a collection, not a loan dossier")
        return _verify(session, case, files, digest, settings, now)


def _has_pending_file(session: Session, case_id: int) -> bool:
    pending = session.scalar(
        select(SourcePath.id)
        .join(SourceFile, SourceFile.sha256 == SourcePath.sha256)
        .where(SourcePath.case_id == case_id, SourceFile.state == FileState.PENDING.value)
        .limit(1)
    )
    return pending is not None


def _verify(
    session: Session, case: Case, files: list[CurrentFile], digest: str, settings: Settings, now: datetime
) -> Outcome:
    rows = session.scalars(
        select(Document)
        .where(Document.sha256.in_({f.source.sha256 for f in files}))
        .options(selectinload(Document.field_rows))
        .order_by(Document.part)
    ).all()
    rows_by_sha: dict[str, list[Document]] = defaultdict(list)
    for row in rows:
        rows_by_sha[row.sha256].append(row)
    documents: list[model.Document] = []
    first_path_id: dict[str, int] = {}
    # One document per path, in the order the files were recorded (the order the archive was walked):
    # the same bytes at two paths of a case are two submissions, which the within-case check must see.
    for current in sorted(files, key=lambda f: f.path_id):
        for row in rows_by_sha[current.source.sha256]:
            documents.append(stored_document(row, current.path, current.source))
            if row.invoice_key:
                first_path_id.setdefault(row.invoice_key, current.path_id)
    manifest, manifest_problem = parse_stored_manifest(case.manifest)
    case_model = CaseModel.from_documents(documents, manifest, case_id=case.key)
    report = verify_case(case_model, settings, StoreKnownInvoices(session, case, first_path_id))
    outcome = _reconcile(session, case.id, report.case_findings, now)
    not_run = [{"rule": n.rule, "reason": n.reason} for n in report.not_run]
    case.verification = {
        "borrower": report.borrower.model_dump(mode="json") if report.borrower else None,
        "manifest_problem": manifest_problem,
        "not_run": not_run,
        "documents": len(documents),
        "files": len(files),
    }
    case.verified_fingerprint, case.verified_at = digest, now
    return Outcome(case.key, True, "verified", *outcome)


def _reconcile(session: Session, case_id: int, findings: list[model.Finding], now: datetime) -> tuple[int, int, int]:
    """Keep findings produced again, add new ones, supersede vanished ones; returns (new, kept, superseded)."""
    existing = {
        _identity(f.code, f.rule, f.inputs): f
        for f in session.scalars(
            select(Finding).where(
                Finding.case_id == case_id, Finding.document_id.is_(None), Finding.superseded_at.is_(None)
            )
        )
    }
    new = kept = 0
    produced: set[str] = set()
    for finding in findings:
        identity = _identity(finding.code, finding.rule, dict(finding.inputs))
        if identity in produced:
            continue
        produced.add(identity)
        if identity in existing:
            kept += 1
            continue
        session.add(finding_row(finding, case_id=case_id, now=now))
        new += 1
    vanished = [f for identity, f in existing.items() if identity not in produced]
    reviewed = set(
        session.scalars(select(ReviewEvent.finding_id).where(ReviewEvent.finding_id.in_([f.id for f in vanished])))
    )
    for finding in vanished:
        if finding.id in reviewed:
            finding.superseded_at = now  # its review history must keep pointing at it
        else:
            session.delete(finding)
    return new, kept, len(vanished)


def stale_case_ids(engine: Engine) -> list[int]:
    """Cases with a file processed after their last verification (or never verified): a process that
    stopped between saving a case's last file and verifying it leaves such cases behind."""
    with transaction(engine) as session:
        latest = (
            select(SourcePath.case_id, func.max(SourceFile.processed_at).label("processed_at"))
            .join(SourceFile, SourceFile.sha256 == SourcePath.sha256)
            .group_by(SourcePath.case_id)
            .subquery()
        )
        query = (
            select(Case.id)
            .join(latest, latest.c.case_id == Case.id)
            .where(
                latest.c.processed_at.is_not(None),
                Case.verified_at.is_(None) | (Case.verified_at < latest.c.processed_at),
            )
            .order_by(Case.id)
        )
        return list(session.scalars(query))


def verify_case_key(engine: Engine, key: str, settings: Settings | None = None) -> Outcome:
    with read_transaction(engine) as session:
        case_id = session.scalar(select(Case.id).where(Case.key == key))
    if case_id is None:
        return Outcome(key, False, "no such case")
    return verify_stored_case(engine, case_id, settings)


def verify_cases(engine: Engine, case_ids: list[int], settings: Settings | None = None) -> list[Outcome]:
    """Verify each case in turn (each in its own transaction); a failing case is logged and skipped."""
    settings = settings or load_settings()
    outcomes = []
    for case_id in case_ids:
        try:
            outcomes.append(verify_stored_case(engine, case_id, settings))
        except Exception as exc:  # one broken case must not stop the others' verification
            log.exception("verifying case %s failed", case_id)
            outcomes.append(Outcome(str(case_id), False, f"error: {type(exc).__name__}: {exc}"))
    return outcomes

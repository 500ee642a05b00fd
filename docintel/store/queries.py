"""Read-side queries for the CLI and exports: cases, one case in detail, findings with evidence."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from docintel.store.db import transaction
from docintel.store.models import Case, Document, Finding, SourceFile, SourcePath

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}


def resolve_case(session: Session, ref: str) -> Case | None:
    """A case by numeric id or by key."""
    if ref.isdigit():
        found = session.get(Case, int(ref))
        if found is not None:
            return found
    return session.scalars(select(Case).where(Case.key == ref)).first()


def case_summaries(engine: Engine) -> list[dict[str, Any]]:
    with transaction(engine) as session:
        cases = session.scalars(select(Case).order_by(Case.id)).all()
        paths = session.execute(select(SourcePath.case_id, SourcePath.sha256)).all()
        shas_by_case: dict[int, set[str]] = defaultdict(set)
        for case_id, sha256 in paths:
            shas_by_case[case_id].add(sha256)
        docs = session.execute(select(Document.id, Document.sha256)).all()
        docs_by_sha: dict[str, list[int]] = defaultdict(list)
        for doc_id, sha256 in docs:
            docs_by_sha[sha256].append(doc_id)
        severities_by_doc: dict[int, Counter[str]] = defaultdict(Counter)
        case_severities: dict[int, Counter[str]] = defaultdict(Counter)
        for doc_id, case_id, severity in session.execute(
            select(Finding.document_id, Finding.case_id, Finding.severity).where(Finding.superseded_at.is_(None))
        ).all():
            if doc_id is not None:
                severities_by_doc[doc_id][severity] += 1
            elif case_id is not None:
                case_severities[case_id][severity] += 1
        rows = []
        for c in cases:
            doc_ids = [d for sha in shas_by_case[c.id] for d in docs_by_sha[sha]]
            severities = Counter(case_severities[c.id])
            for doc_id in doc_ids:
                severities.update(severities_by_doc[doc_id])
            rows.append(
                {
                    "id": c.id,
                    "key": c.key,
                    "files": len(shas_by_case[c.id]),
                    "documents": len(doc_ids),
                    "findings_by_severity": dict(
                        sorted(severities.items(), key=lambda kv: SEVERITY_ORDER.get(kv[0], 9))
                    ),
                }
            )
        return rows


def case_detail(engine: Engine, ref: str) -> dict[str, Any] | None:
    with transaction(engine) as session:
        case = resolve_case(session, ref)
        if case is None:
            return None
        files = session.execute(
            select(SourcePath, SourceFile)
            .join(SourceFile, SourceFile.sha256 == SourcePath.sha256)
            .where(SourcePath.case_id == case.id)
            .order_by(SourcePath.path, SourcePath.version)
        ).all()
        path_of = {sf.sha256: sp.path for sp, sf in files}
        documents = session.scalars(
            select(Document).where(Document.sha256.in_(path_of)).order_by(Document.sha256, Document.part)
        ).all()
        return {
            "id": case.id,
            "key": case.key,
            "manifest": case.manifest,
            "files": [
                {
                    "path": sp.path,
                    "version": sp.version,
                    "sha256": sf.sha256,
                    "size": sf.size,
                    "media_type": sf.media_type,
                    "state": sf.state,
                    "error_reason": sf.error_reason,
                    "error_message": sf.error_message,
                }
                for sp, sf in files
            ],
            "documents": [
                {
                    "id": d.id,
                    "path": path_of[d.sha256],
                    "sha256": d.sha256,
                    "part": d.part,
                    "doc_type": d.doc_type,
                    "status": d.status,
                    "page_numbers": d.page_numbers,
                    "fields": d.fields,
                    "errors": d.errors,
                }
                for d in documents
            ],
            "findings": findings_in(session, case_ids=[case.id]),
        }


def findings(
    engine: Engine,
    codes: list[str] | None = None,
    severities: list[str] | None = None,
    case_ref: str | None = None,
) -> list[dict[str, Any]]:
    with transaction(engine) as session:
        case_ids = None
        if case_ref is not None:
            case = resolve_case(session, case_ref)
            case_ids = [case.id] if case is not None else []
        return findings_in(session, codes=codes, severities=severities, case_ids=case_ids)


def findings_in(
    session: Session,
    codes: list[str] | None = None,
    severities: list[str] | None = None,
    case_ids: list[int] | None = None,
) -> list[dict[str, Any]]:
    """Document findings (one row per case and path the document was found at) and case findings."""
    doc_query = (
        select(Finding, Document, SourcePath, Case)
        .join(Document, Document.id == Finding.document_id)
        .join(SourcePath, SourcePath.sha256 == Document.sha256)
        .join(Case, Case.id == SourcePath.case_id)
    )
    case_query = (
        select(Finding, Case)
        .join(Case, Case.id == Finding.case_id)
        .where(Finding.document_id.is_(None), Finding.superseded_at.is_(None))
    )
    for column, wanted in ((Finding.code, codes), (Finding.severity, severities)):
        if wanted:
            doc_query, case_query = doc_query.where(column.in_(wanted)), case_query.where(column.in_(wanted))
    if case_ids is not None:
        doc_query = doc_query.where(Case.id.in_(case_ids))
        case_query = case_query.where(Case.id.in_(case_ids))
    rows = [
        _finding_row(f, case, path=sp.path, document_id=d.id, doc_type=d.doc_type, part=d.part)
        for f, d, sp, case in session.execute(doc_query).all()
    ]
    rows += [_finding_row(f, case) for f, case in session.execute(case_query).all()]
    rows.sort(key=lambda r: (SEVERITY_ORDER.get(r["severity"], 9), r["case_key"], r["path"] or "", r["id"]))
    return rows


def _finding_row(
    finding: Finding,
    case: Case,
    path: str | None = None,
    document_id: int | None = None,
    doc_type: str | None = None,
    part: int | None = None,
) -> dict[str, Any]:
    return {
        "id": finding.id,
        "case_id": case.id,
        "case_key": case.key,
        "path": path,
        "document_id": document_id,
        "doc_type": doc_type,
        "part": part,
        "code": finding.code,
        "severity": finding.severity,
        "message": finding.message,
        "rule": finding.rule,
        "inputs": finding.inputs,
        "threshold": finding.threshold,
        "evidence": finding.evidence,
    }

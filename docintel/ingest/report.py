"""What a run did, read back from the store: counts, documents by type, findings, errors by reason."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from docintel.store.db import transaction
from docintel.store.models import Case, Change, Document, Finding, IngestItem, ItemState, ProcessingRun, SourceFile
from docintel.store.queries import SEVERITY_ORDER
from docintel.store.verification import current_files


def build_report(engine: Engine, run_id: int) -> dict[str, Any]:
    """The machine-readable summary of one run (`docintel ingest --json`)."""
    with transaction(engine) as session:
        run = session.get(ProcessingRun, run_id)
        if run is None:
            raise LookupError(f"no processing run {run_id}")
        items = session.scalars(select(IngestItem).where(IngestItem.run_id == run_id)).all()
        shas = {i.sha256 for i in items if i.sha256}
        case_ids = {i.case_id for i in items if i.case_id is not None}
        documents = session.scalars(select(Document).where(Document.sha256.in_(shas))).all() if shas else []
        doc_ids = [d.id for d in documents]
        findings = (
            session.scalars(
                select(Finding).where(
                    Finding.document_id.in_(doc_ids) | Finding.case_id.in_(case_ids), Finding.superseded_at.is_(None)
                )
            ).all()
            if doc_ids or case_ids
            else []
        )
        failed_files = (
            session.scalars(select(SourceFile).where(SourceFile.sha256.in_(shas), SourceFile.error_reason.is_not(None)))
            .unique()
            .all()
            if shas
            else []
        )
        cases = session.scalars(select(Case).where(Case.id.in_(case_ids))).all() if case_ids else []
        changes = Counter(i.change for i in items if i.change)
        processed = [i for i in items if i.state in (ItemState.DONE.value, ItemState.FAILED.value)]
        errors: Counter[str] = Counter(i.error_reason for i in items if i.state == ItemState.REJECTED.value)
        errors.update(f.error_reason for f in failed_files if f.error_reason)
        errors.update(e["reason"] for d in documents for e in d.errors if d.status != "failure")
        return {
            "run_id": run.id,
            "root": run.root,
            "state": run.state,
            "files_found": len(items),
            "new": changes[Change.NEW.value] + changes[Change.NEW_VERSION.value],
            "new_versions": changes[Change.NEW_VERSION.value],
            "resumed": changes[Change.RESUMED.value],
            "unchanged": changes[Change.UNCHANGED.value],
            "new_paths_known_content": changes[Change.NEW_PATH.value],
            "processed": len(processed),
            "failed": sum(i.state == ItemState.FAILED.value for i in items),
            "rejected": sum(i.state == ItemState.REJECTED.value for i in items),
            "pending": sum(i.state == ItemState.PENDING.value for i in items),
            "pages_processed": sum(i.pages for i in processed),
            "cases": sorted(c.key for c in cases),
            "case_summaries": case_summaries(session, run, cases),
            "documents_by_type": dict(sorted(Counter(d.doc_type for d in documents).items())),
            "findings": [
                {"code": code, "severity": severity, "count": n}
                for (code, severity), n in sorted(Counter((f.code, f.severity) for f in findings).items())
            ],
            "errors_by_reason": dict(sorted(errors.items())),
            "errors": [
                {"path": i.path, "reason": i.error_reason, "message": i.error_message}
                for i in items
                if i.error_reason is not None
            ],
        }


def case_summaries(session: Session, run: ProcessingRun, cases: Sequence[Case]) -> list[dict[str, Any]]:
    """Per case of the run: its current documents, open findings by severity, and its verification."""
    summaries = []
    for case in sorted(cases, key=lambda c: c.key):
        files = current_files(session, case.id)
        shas = [f.source.sha256 for f in files]
        doc_ids = session.scalars(select(Document.id).where(Document.sha256.in_(shas))).all() if shas else []
        severities = Counter(
            session.scalars(
                select(Finding.severity).where(
                    Finding.document_id.in_(doc_ids)
                    | (Finding.case_id == case.id) & Finding.document_id.is_(None) & Finding.superseded_at.is_(None)
                )
            ).all()
        )
        case_findings = Counter(
            session.scalars(
                select(Finding.code).where(
                    Finding.case_id == case.id, Finding.document_id.is_(None), Finding.superseded_at.is_(None)
                )
            ).all()
        )
        verification = case.verification or {}
        verified_now = case.verified_at is not None and _aware(case.verified_at) >= _aware(run.started_at)
        summaries.append(
            {
                "case": case.key,
                "files": len(files),
                "documents": len(doc_ids),
                "findings_by_severity": {s: severities[s] for s in SEVERITY_ORDER if severities[s]},
                "case_findings": dict(sorted(case_findings.items())),
                "verified_at": case.verified_at.isoformat() if case.verified_at else None,
                "verified_in_this_run": verified_now,
                "verification_skipped": verification.get("skipped"),
                "rules_not_run": len(verification.get("not_run", [])),
            }
        )
    return summaries


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

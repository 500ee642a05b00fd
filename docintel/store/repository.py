"""Reading and writing the store: record originals, save processed documents.

Saving is delete-free and idempotent: a file's documents are keyed by (sha256, part) and written in one
transaction together with the file's final state, so a file is either fully saved or not at all, and
saving it again (a redone task, a restarted run, two workers racing) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from docintel import model
from docintel.store.db import transaction
from docintel.store.models import (
    Case,
    Document,
    Field,
    FileState,
    Finding,
    IngestItem,
    ItemState,
    SourceFile,
    SourcePath,
)


def insert_ignore(session: Session, entity: type[Any], values: dict[str, Any], conflict: list[str]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: concurrent writers of the same row must not fail each other."""
    session.execute(insert_ignore_statement(session, entity, conflict).values(**values))


def insert_ignore_statement(session: Session, entity: type[Any], conflict: list[str]) -> Any:
    """The INSERT … ON CONFLICT (conflict) DO NOTHING of this session's database (values to be bound)."""
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise NotImplementedError(f"unsupported database dialect {dialect!r}")
    return insert(entity).on_conflict_do_nothing(index_elements=conflict)


def case_id_for(session: Session, key: str, manifest: dict[str, Any] | None = None, branch: str | None = None) -> int:
    values = {"key": key, "manifest": manifest, "created_at": _now(), "branch": branch}
    insert_ignore(session, Case, values, ["key"])
    case = session.scalars(select(Case).where(Case.key == key)).one()
    if manifest is not None and case.manifest != manifest:
        case.manifest = manifest  # an edited case.json replaces the stored one
    if branch and case.branch is None:
        case.branch = branch  # filed under a branch by a later run; never moved between branches
    return case.id


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording one (path, bytes) found: whether the bytes, and this path for them, were new."""

    source: SourceFile
    new_content: bool
    new_path: bool
    version: int


def record_source(
    session: Session,
    *,
    sha256: str,
    size: int,
    media_type: str,
    path: str,
    case_id: int,
    run_id: int | None = None,
) -> Recorded:
    """Note that `path` holds these bytes (their blob must already be stored). Safe to repeat."""
    new_content = session.get(SourceFile, sha256) is None
    if new_content:
        values = {"sha256": sha256, "size": size, "media_type": media_type, "state": FileState.PENDING.value}
        insert_ignore(session, SourceFile, values | {"pages": 0, "created_at": _now()}, ["sha256"])
    source = session.get(SourceFile, sha256)
    assert source is not None  # inserted above or by a concurrent writer
    existing = session.scalars(select(SourcePath).where(SourcePath.path == path, SourcePath.sha256 == sha256)).first()
    if existing is not None:
        return Recorded(source, new_content, False, existing.version)
    # Same path, other bytes: the file changed, so these bytes are the path's next version.
    latest = session.scalar(select(func.max(SourcePath.version)).where(SourcePath.path == path)) or 0
    session.add(
        SourcePath(
            path=path, version=latest + 1, sha256=sha256, case_id=case_id, first_run_id=run_id, created_at=_now()
        )
    )
    session.flush()
    return Recorded(source, new_content, True, latest + 1)


def invoice_key(values: dict[str, Any]) -> str | None:
    """An invoice's identity: the 20-digit 全电 number alone, else "code:number" (the colon keeps a
    12-digit code + 8-digit number from ever equalling a 20-digit number)."""
    number = str(values.get("invoice_number") or "").strip()
    code = str(values.get("invoice_code") or "").strip()
    if len(number) == 20 and number.isdigit():
        return number
    if code and number:
        return f"{code}:{number}"
    return None


def _document_row(sha256: str, doc: model.Document) -> Document:
    values = doc.values()
    items = values.pop("items")
    return Document(
        sha256=sha256,
        part=doc.part,
        doc_type=doc.doc_type,
        doc_type_confidence=doc.doc_type_confidence,
        status=doc.status.value,
        page_numbers=doc.page_numbers,
        region=doc.region.model_dump(mode="json") if doc.region else None,
        invoice_key=invoice_key(values),
        fields=values,
        items=items,
        items_detail=[{k: v.model_dump(mode="json") for k, v in item.items()} for item in doc.items],
        pages_meta=[
            {
                "number": p.number,
                "width": p.width,
                "height": p.height,
                "unit": p.unit,
                "rotation": p.rotation,
                "skew": p.skew,
                "text_source": p.text_source.value if p.text_source else None,
            }
            for p in doc.pages
        ],
        errors=[e.model_dump(mode="json") for e in doc.errors],
        created_at=_now(),
        field_rows=[
            Field(
                name=name,
                value=None if fv.value is None else str(fv.value),
                confidence=fv.confidence,
                evidence=[e.model_dump(mode="json") for e in fv.evidence],
                note=fv.note,
            )
            for name, fv in doc.fields.items()
        ],
        findings=[finding_row(f) for f in doc.findings],
    )


def finding_row(finding: model.Finding, case_id: int | None = None, now: datetime | None = None) -> Finding:
    return Finding(
        case_id=case_id,
        code=finding.code,
        severity=finding.severity.value,
        message=finding.message,
        rule=finding.rule,
        inputs=dict(finding.inputs),
        threshold=finding.threshold,
        evidence=[e.model_dump(mode="json") for e in finding.evidence],
        created_at=now or _now(),
    )


def file_outcome(documents: list[model.Document]) -> tuple[FileState, model.ProcessingError | None]:
    """A file failed when none of its documents could be read; the first error says why."""
    if documents and all(d.status is model.DocStatus.FAILURE for d in documents):
        errors = [e for d in documents for e in d.errors]
        return FileState.FAILED, (errors[0] if errors else None)
    return FileState.DONE, None


def save_processed(engine: Engine, sha256: str, documents: list[model.Document], item_id: int | None = None) -> bool:
    """Store one file's documents, fields and findings and its final state in ONE transaction.

    Returns False when the file had already been saved (by an earlier run or a concurrent worker).
    """
    state, error = file_outcome(documents)
    pages = len({n for d in documents for n in d.page_numbers})
    try:
        with transaction(engine) as session:
            if session.scalar(select(Document.id).where(Document.sha256 == sha256).limit(1)) is None:
                session.add_all(_document_row(sha256, doc) for doc in documents)
                source = session.get(SourceFile, sha256)
                if source is None:
                    raise LookupError(f"source file {sha256} must be recorded before its results are saved")
                source.state = state.value
                source.error_reason = error.reason if error else None
                source.error_message = error.message if error else None
                source.pages = pages
                source.processed_at = _now()
                saved = True
            else:
                saved = False
            if item_id is not None:
                _finish_item(session, item_id, state, error, pages)
        return saved
    except IntegrityError:
        # A concurrent writer saved the same (sha256, part) first: its results are the same results.
        if item_id is not None:
            with transaction(engine) as session:
                _finish_item(session, item_id, state, error, pages)
        return False


def _finish_item(
    session: Session, item_id: int, state: FileState, error: model.ProcessingError | None, pages: int = 0
) -> None:
    item = session.get(IngestItem, item_id)
    if item is None:
        return
    item.pages = pages
    item.state = ItemState.FAILED.value if state is FileState.FAILED else ItemState.DONE.value
    item.error_reason = error.reason if error else None
    item.error_message = error.message if error else None


def mark_failed(engine: Engine, sha256: str, reason: str, message: str, item_id: int | None = None) -> None:
    """Record that processing itself broke (a crashed worker), so the file is not retried forever."""
    with transaction(engine) as session:
        source = session.get(SourceFile, sha256)
        if source is not None and source.state == FileState.PENDING.value:
            source.state, source.error_reason, source.error_message = FileState.FAILED.value, reason, message
            source.processed_at = _now()
        if item_id is not None:
            _finish_item(
                session,
                item_id,
                FileState.FAILED,
                model.ProcessingError(stage="process", reason=reason, message=message),
            )


def _now() -> datetime:
    return datetime.now(UTC)

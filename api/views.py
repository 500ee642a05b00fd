"""Read-side queries with access control, returning API schemas. Shared by the JSON routes and (later)
the server-rendered officer pages, so both show the same data under the same rules.

Every function takes the caller (`Principal`) and only ever returns cases it may see; a case it may not
see is reported exactly like a case that does not exist (None → 404), so ids reveal nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, distinct, exists, func, literal, select, union
from sqlalchemy.orm import Session, aliased

from api.auth import Principal
from api.schemas import (
    CaseDetail,
    CasePage,
    CaseStatus,
    CaseSummary,
    DocumentDetail,
    DocumentSummary,
    FileOut,
    FindingDetail,
    FindingPage,
    Progress,
    ReviewOut,
    ReviewState,
    Risk,
    StoredFinding,
)
from docintel.model import Box, Evidence, FieldValue, ProcessingError
from docintel.store.models import Case, Document, Field, FileState, Finding, ReviewEvent, SourceFile, SourcePath

SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2, "info": 3}
RISK_OF_RANK = {rank: Risk(severity) for severity, rank in SEVERITY_RANK.items()}


# --------------------------------------------------------------------------- building blocks


def _case_findings(history: bool = False) -> Any:
    """(case_id, finding_id, severity, code) for every finding of every case: those on its documents
    (through the paths their file was uploaded at) and those on the case itself.

    Only current findings count: those of the current version of each path (a file replaced by new
    bytes no longer speaks for the case) and case findings not superseded by a later verification.
    With `history`, the others too: they stay stored with their reviews, and a link to one must still
    open it."""
    newer = aliased(SourcePath)
    on_documents = (
        select(
            SourcePath.case_id.label("case_id"),
            Finding.id.label("finding_id"),
            Finding.severity.label("severity"),
            Finding.code.label("code"),
        )
        .join(Document, Document.sha256 == SourcePath.sha256)
        .join(Finding, Finding.document_id == Document.id)
    )
    on_case = select(
        Finding.case_id.label("case_id"),
        Finding.id.label("finding_id"),
        Finding.severity.label("severity"),
        Finding.code.label("code"),
    ).where(Finding.document_id.is_(None), Finding.case_id.is_not(None))
    if not history:
        on_documents = on_documents.where(
            ~exists().where(newer.path == SourcePath.path, newer.version > SourcePath.version)
        )
        on_case = on_case.where(Finding.superseded_at.is_(None))
    # UNION, not UNION ALL: a file at two paths of one case must not count its findings twice.
    return union(on_documents, on_case).subquery("case_findings")


def _severity_rank(column: Any) -> Any:
    return case(SEVERITY_RANK, value=column, else_=9)


def visible_case(session: Session, principal: Principal, case_id: int) -> Case | None:
    found = session.get(Case, case_id)
    return found if found is not None and principal.can_see(found) else None


def progress_of(session: Session, case_ids: list[int]) -> dict[int, Progress]:
    out = {cid: Progress() for cid in case_ids}
    if not case_ids:
        return out
    files = session.execute(
        select(SourcePath.case_id, SourceFile.sha256, SourceFile.state)
        .join(SourceFile, SourceFile.sha256 == SourcePath.sha256)
        .where(SourcePath.case_id.in_(case_ids))
        .distinct()
    ).all()
    shas_by_case: dict[int, set[str]] = defaultdict(set)
    for case_id, sha256, state in files:
        if sha256 in shas_by_case[case_id]:
            continue
        shas_by_case[case_id].add(sha256)
        p = out[case_id]
        p.files += 1
        p.pending += state == FileState.PENDING.value
        p.done += state == FileState.DONE.value
        p.failed += state == FileState.FAILED.value
    all_shas = {s for shas in shas_by_case.values() for s in shas}
    docs_by_sha: dict[str, int] = defaultdict(int)
    if all_shas:
        for sha256, count in session.execute(
            select(Document.sha256, func.count()).where(Document.sha256.in_(all_shas)).group_by(Document.sha256)
        ).all():
            docs_by_sha[sha256] = count
    for case_id, shas in shas_by_case.items():
        out[case_id].documents = sum(docs_by_sha[s] for s in shas)
    found = _case_findings()
    for case_id, count in session.execute(
        select(found.c.case_id, func.count(distinct(found.c.finding_id)))
        .where(found.c.case_id.in_(case_ids))
        .group_by(found.c.case_id)
    ).all():
        out[case_id].findings = count
    return out


def risk_of(session: Session, case_ids: list[int]) -> dict[int, Risk]:
    found = _case_findings()
    ranks = dict(
        session.execute(
            select(found.c.case_id, func.min(_severity_rank(found.c.severity)))
            .where(found.c.case_id.in_(case_ids))
            .group_by(found.c.case_id)
        ).all()
    )
    return {cid: RISK_OF_RANK.get(ranks.get(cid, 9), Risk.NONE) for cid in case_ids}


def _summaries(session: Session, cases: list[Case]) -> list[CaseSummary]:
    ids = [c.id for c in cases]
    progress, risks = progress_of(session, ids), risk_of(session, ids)
    return [
        CaseSummary(
            id=c.id,
            key=c.key,
            branch=c.branch,
            created_by=c.created_by,
            created_at=c.created_at,
            status=progress[c.id].status,
            risk=risks[c.id],
            progress=progress[c.id],
        )
        for c in cases
    ]


# --------------------------------------------------------------------------- cases


def list_cases(
    session: Session,
    principal: Principal,
    *,
    status: CaseStatus | None = None,
    risk: Risk | None = None,
    code: str | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> CasePage:
    """Cases the caller may see, newest first, filtered in SQL so paging stays cheap on large stores."""
    query: Select[Any] = select(Case).where(principal.visible_cases())
    if status is not None:
        files = (
            select(
                SourcePath.case_id.label("case_id"),
                func.count(distinct(SourceFile.sha256)).label("files"),
                func.count(distinct(case((SourceFile.state == FileState.PENDING.value, SourceFile.sha256)))).label(
                    "pending"
                ),
            )
            .join(SourceFile, SourceFile.sha256 == SourcePath.sha256)
            .group_by(SourcePath.case_id)
            .subquery()
        )
        query = query.outerjoin(files, files.c.case_id == Case.id)
        n_files, n_pending = func.coalesce(files.c.files, 0), func.coalesce(files.c.pending, 0)
        query = query.where(
            {
                CaseStatus.EMPTY: n_files == 0,
                CaseStatus.PROCESSING: n_pending > 0,
                CaseStatus.DONE: and_(n_files > 0, n_pending == 0),
            }[status]
        )
    if risk is not None or code:
        found = _case_findings()
        if risk is not None:
            ranks = (
                select(found.c.case_id, func.min(_severity_rank(found.c.severity)).label("rank"))
                .group_by(found.c.case_id)
                .subquery()
            )
            query = query.outerjoin(ranks, ranks.c.case_id == Case.id)
            rank = func.coalesce(ranks.c.rank, literal(9))
            query = query.where(rank == (SEVERITY_RANK[risk.value] if risk is not Risk.NONE else 9))
        if code:
            query = query.where(Case.id.in_(select(found.c.case_id).where(found.c.code == code)))
    if created_from is not None:
        query = query.where(Case.created_at >= datetime.combine(created_from, time.min))
    if created_to is not None:  # inclusive: the whole of that day
        query = query.where(Case.created_at < datetime.combine(created_to + timedelta(days=1), time.min))
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    cases = list(session.scalars(query.order_by(Case.id.desc()).limit(limit).offset(offset)).all())
    return CasePage(total=total, limit=limit, offset=offset, items=_summaries(session, cases))


def case_detail(session: Session, principal: Principal, case_id: int) -> CaseDetail | None:
    found = visible_case(session, principal, case_id)
    if found is None:
        return None
    summary = _summaries(session, [found])[0]
    rows = session.execute(
        select(SourcePath, SourceFile)
        .join(SourceFile, SourceFile.sha256 == SourcePath.sha256)
        .where(SourcePath.case_id == found.id)
        .order_by(SourcePath.path, SourcePath.version)
    ).all()
    shas = {sf.sha256 for _, sf in rows}
    documents = (
        session.scalars(
            select(Document).where(Document.sha256.in_(shas)).order_by(Document.sha256, Document.part)
        ).all()
        if shas
        else []
    )
    ids_by_sha: dict[str, list[int]] = defaultdict(list)
    for d in documents:
        ids_by_sha[d.sha256].append(d.id)
    files = [
        FileOut(
            sha256=sf.sha256,
            path=sp.path,
            version=sp.version,
            size=sf.size,
            media_type=sf.media_type,
            state=sf.state,
            error_reason=sf.error_reason,
            error_message=sf.error_message,
            pages=sf.pages,
            document_ids=ids_by_sha[sf.sha256],
        )
        for sp, sf in rows
    ]
    return CaseDetail(
        **summary.model_dump(),
        manifest=found.manifest,
        files=files,
        documents=[
            DocumentSummary(
                id=d.id,
                sha256=d.sha256,
                part=d.part,
                doc_type=d.doc_type,
                status=d.status,
                page_numbers=d.page_numbers,
                values=d.fields,
            )
            for d in documents
        ],
        findings=list_findings(session, principal, case_id=found.id, limit=10_000).items,
    )


# --------------------------------------------------------------------------- documents


def document_cases(session: Session, principal: Principal, sha256: str) -> list[Case]:
    """The cases holding this file that the caller may see."""
    return list(
        session.scalars(
            select(Case)
            .where(Case.id.in_(select(SourcePath.case_id).where(SourcePath.sha256 == sha256)))
            .where(principal.visible_cases())
            .order_by(Case.id)
        ).all()
    )


def visible_document(session: Session, principal: Principal, document_id: int) -> Document | None:
    doc = session.get(Document, document_id)
    if doc is None or not document_cases(session, principal, doc.sha256):
        return None
    return doc


def document_detail(session: Session, principal: Principal, document_id: int) -> DocumentDetail | None:
    doc = visible_document(session, principal, document_id)
    if doc is None:
        return None
    cases = document_cases(session, principal, doc.sha256)
    source = session.get(SourceFile, doc.sha256)
    assert source is not None  # a document row references its source file
    paths = session.scalars(
        select(SourcePath.path)
        .where(SourcePath.sha256 == doc.sha256, SourcePath.case_id.in_([c.id for c in cases]))
        .order_by(SourcePath.path)
    ).all()
    fields = session.scalars(select(Field).where(Field.document_id == doc.id).order_by(Field.id)).all()
    findings = [
        f
        for f in list_findings(session, principal, case_ids=[c.id for c in cases], limit=10_000).items
        if f.document_id == doc.id
    ]
    unique_findings = list({f.id: f for f in findings}.values())  # one row per case path → one per finding
    return DocumentDetail(
        id=doc.id,
        sha256=doc.sha256,
        part=doc.part,
        doc_type=doc.doc_type,
        doc_type_confidence=doc.doc_type_confidence,
        status=doc.status,
        media_type=source.media_type,
        size=source.size,
        paths=list(paths),
        case_ids=[c.id for c in cases],
        page_numbers=doc.page_numbers,
        region=Box.model_validate(doc.region) if doc.region else None,
        fields={
            f.name: FieldValue(
                value=f.value,
                confidence=f.confidence,
                evidence=[Evidence.model_validate(e) for e in f.evidence],
                note=f.note,
            )
            for f in fields
        },
        items=doc.items,
        errors=[ProcessingError.model_validate(e) for e in doc.errors],
        findings=unique_findings,
        page_image_url=f"/documents/{doc.id}/pages/{{n}}.png",
    )


# --------------------------------------------------------------------------- findings


def review_states(session: Session, finding_ids: list[int]) -> dict[int, ReviewState]:
    """The latest decision per finding (ids grow with time, so the highest id is the latest)."""
    if not finding_ids:
        return {}
    latest = (
        select(func.max(ReviewEvent.id)).where(ReviewEvent.finding_id.in_(finding_ids)).group_by(ReviewEvent.finding_id)
    )
    rows = session.execute(select(ReviewEvent.finding_id, ReviewEvent.decision).where(ReviewEvent.id.in_(latest)))
    return {fid: ReviewState(decision) for fid, decision in rows.all()}


def list_findings(
    session: Session,
    principal: Principal,
    *,
    code: str | None = None,
    severity: str | None = None,
    case_id: int | None = None,
    case_ids: list[int] | None = None,
    document_id: int | None = None,
    review: ReviewState | None = None,
    limit: int = 50,
    offset: int = 0,
) -> FindingPage:
    """Findings of the cases the caller may see, most severe first, one row per (finding, case)."""
    found = _case_findings()
    query = (
        select(Finding, Case)
        .join(found, found.c.finding_id == Finding.id)
        .join(Case, Case.id == found.c.case_id)
        .where(principal.visible_cases())
    )
    if code:
        query = query.where(Finding.code == code)
    if severity:
        query = query.where(Finding.severity == severity)
    if case_id is not None:
        query = query.where(Case.id == case_id)
    if case_ids is not None:
        query = query.where(Case.id.in_(case_ids))
    if document_id is not None:
        query = query.where(Finding.document_id == document_id)
    if review is not None:
        latest = select(func.max(ReviewEvent.id)).group_by(ReviewEvent.finding_id)
        reviewed = select(ReviewEvent.finding_id).where(ReviewEvent.id.in_(latest))
        if review is ReviewState.UNREVIEWED:
            query = query.where(Finding.id.not_in(select(ReviewEvent.finding_id)))
        else:
            query = query.where(Finding.id.in_(reviewed.where(ReviewEvent.decision == review.value)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(_severity_rank(Finding.severity), Case.id, Finding.id).limit(limit).offset(offset)
    ).all()
    return FindingPage(total=total, limit=limit, offset=offset, items=_stored_findings(session, rows))


def _stored_findings(session: Session, rows: list[Any]) -> list[StoredFinding]:
    findings = [f for f, _ in rows]
    states = review_states(session, [f.id for f in findings])
    doc_ids = {f.document_id for f in findings if f.document_id is not None}
    docs = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(doc_ids))).all()} if doc_ids else {}
    path_rows = (
        session.execute(
            select(SourcePath.case_id, SourcePath.sha256, SourcePath.path).where(
                SourcePath.sha256.in_({d.sha256 for d in docs.values()})
            )
        ).all()
        if docs
        else []
    )
    path_of = {(case_id, sha256): path for case_id, sha256, path in path_rows}
    out = []
    for finding, owner in rows:
        doc = docs.get(finding.document_id) if finding.document_id is not None else None
        out.append(
            StoredFinding(
                id=finding.id,
                case_id=owner.id,
                case_key=owner.key,
                document_id=finding.document_id,
                path=path_of.get((owner.id, doc.sha256)) if doc else None,
                doc_type=doc.doc_type if doc else None,
                code=finding.code,
                severity=finding.severity,
                message=finding.message,
                rule=finding.rule,
                inputs=finding.inputs,
                threshold=finding.threshold,
                evidence=finding.evidence,
                review=states.get(finding.id, ReviewState.UNREVIEWED),
            )
        )
    return out


def finding_detail(session: Session, principal: Principal, finding_id: int) -> FindingDetail | None:
    """One finding the caller may see, current or not (`current` says which), with its reviews."""
    page = _visible_finding_rows(session, principal, finding_id)
    if not page:
        return None
    current = _current_findings(session, [finding_id])
    events = session.scalars(
        select(ReviewEvent).where(ReviewEvent.finding_id == finding_id).order_by(ReviewEvent.id)
    ).all()
    return FindingDetail(
        **(page[0].model_dump() | {"current": finding_id in current}),
        reviews=[
            ReviewOut(
                id=e.id, finding_id=e.finding_id, user=e.user_name, decision=e.decision, comment=e.comment, at=e.at
            )
            for e in events
        ],
    )


def _current_findings(session: Session, finding_ids: list[int]) -> set[int]:
    found = _case_findings()
    return set(session.scalars(select(found.c.finding_id).where(found.c.finding_id.in_(finding_ids))))


def _visible_finding_rows(session: Session, principal: Principal, finding_id: int) -> list[StoredFinding]:
    found = _case_findings(history=True)
    rows = session.execute(
        select(Finding, Case)
        .join(found, found.c.finding_id == Finding.id)
        .join(Case, Case.id == found.c.case_id)
        .where(Finding.id == finding_id, principal.visible_cases())
        .order_by(Case.id)
    ).all()
    return _stored_findings(session, list(rows))


def has_pending(session: Session, case_id: int) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(SourcePath)
            .join(SourceFile, SourceFile.sha256 == SourcePath.sha256)
            .where(SourcePath.case_id == case_id, SourceFile.state == FileState.PENDING.value)
        )
    )

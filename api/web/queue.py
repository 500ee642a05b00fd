"""The officer's case queue: visible cases ordered by risk, filtered by their findings, paged in SQL.

Risk counts the findings an officer has not dismissed: a case whose only high finding was dismissed
drops down the queue. Filters select cases holding at least one finding that matches all of them
(code, severity, review state), so "待复核 + high" lists cases with an unreviewed high finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.orm import Session

from api.auth import Principal
from api.schemas import ReviewState
from api.views import SEVERITY_RANK, _case_findings, progress_of
from docintel.store.models import Case, ReviewEvent

PAGE_SIZE = 25


@dataclass(frozen=True, slots=True)
class QueueFilters:
    code: str | None = None
    severity: str | None = None
    branch: str | None = None
    review: ReviewState | None = None

    @property
    def on_findings(self) -> bool:
        return bool(self.code or self.severity or self.review)


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    key: str
    branch: str | None
    created_at: Any
    risk: str  # high | medium | low | info | none
    high: int
    medium: int
    low: int
    unreviewed: int
    findings: int
    files: int
    pending: int


@dataclass(frozen=True, slots=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int


def _findings_with_state() -> Any:
    """(case_id, finding_id, severity, code, state) with each finding's latest review decision."""
    found = _case_findings()
    latest = select(ReviewEvent.finding_id, func.max(ReviewEvent.id).label("event_id")).group_by(ReviewEvent.finding_id)
    latest_sq = latest.subquery("latest")
    state = func.coalesce(ReviewEvent.decision, literal(ReviewState.UNREVIEWED.value))
    return (
        select(found.c.case_id, found.c.finding_id, found.c.severity, found.c.code, state.label("state"))
        .outerjoin(latest_sq, latest_sq.c.finding_id == found.c.finding_id)
        .outerjoin(ReviewEvent, ReviewEvent.id == latest_sq.c.event_id)
        .subquery("findings_state")
    )


def case_queue(session: Session, principal: Principal, filters: QueueFilters, page: int = 1) -> QueuePage:
    f = _findings_with_state()
    live = f.c.state != ReviewState.DISMISSED.value
    rank = case(SEVERITY_RANK, value=f.c.severity, else_=9)
    stats = (
        select(
            f.c.case_id,
            func.min(case((live, rank), else_=9)).label("rank"),
            func.sum(case((live & (f.c.severity == "high"), 1), else_=0)).label("high"),
            func.sum(case((live & (f.c.severity == "medium"), 1), else_=0)).label("medium"),
            func.sum(case((live & (f.c.severity == "low"), 1), else_=0)).label("low"),
            func.sum(case((f.c.state == ReviewState.UNREVIEWED.value, 1), else_=0)).label("unreviewed"),
            func.count(f.c.finding_id).label("findings"),
        )
        .group_by(f.c.case_id)
        .subquery("stats")
    )
    query: Select[Any] = (
        select(
            Case,
            func.coalesce(stats.c.rank, 9),
            func.coalesce(stats.c.high, 0),
            func.coalesce(stats.c.medium, 0),
            func.coalesce(stats.c.low, 0),
            func.coalesce(stats.c.unreviewed, 0),
            func.coalesce(stats.c.findings, 0),
        )
        .outerjoin(stats, stats.c.case_id == Case.id)
        .where(principal.visible_cases())
    )
    if filters.branch:
        query = query.where(Case.branch == filters.branch)
    if filters.on_findings:
        matching = select(f.c.case_id)
        if filters.code:
            matching = matching.where(f.c.code == filters.code)
        if filters.severity:
            matching = matching.where(f.c.severity == filters.severity)
        if filters.review:
            matching = matching.where(f.c.state == filters.review.value)
        query = query.where(Case.id.in_(matching))
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    ordered = query.order_by(
        func.coalesce(stats.c.rank, 9),
        func.coalesce(stats.c.high, 0).desc(),
        func.coalesce(stats.c.unreviewed, 0).desc(),
        Case.id.desc(),
    )
    rows = session.execute(ordered.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    progress = progress_of(session, [r[0].id for r in rows])
    risk_names = {v: k for k, v in SEVERITY_RANK.items()}
    return QueuePage(
        rows=[
            QueueRow(
                id=c.id,
                key=c.key,
                branch=c.branch,
                created_at=c.created_at,
                risk=risk_names.get(rank, "none"),
                high=high,
                medium=medium,
                low=low,
                unreviewed=unreviewed,
                findings=findings,
                files=progress[c.id].files,
                pending=progress[c.id].pending,
            )
            for c, rank, high, medium, low, unreviewed, findings in rows
        ],
        total=total,
        page=page,
        pages=pages,
    )


def visible_branches(session: Session, principal: Principal) -> list[str]:
    query = select(Case.branch).where(principal.visible_cases(), Case.branch.is_not(None)).distinct()
    return sorted(b for b in session.scalars(query) if b)


def finding_codes(session: Session, principal: Principal) -> list[str]:
    f = _case_findings()
    query = select(f.c.code).join(Case, Case.id == f.c.case_id).where(principal.visible_cases()).distinct()
    return sorted(session.scalars(query))

"""Request and response models. They compose the core models (`Finding`, `FieldValue`, `Evidence`,
`Box`, `ProcessingError`, `CaseManifest`) instead of re-declaring them, so the API says exactly what the
pipeline produces."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from docintel.case import CaseManifest
from docintel.model import Box, FieldValue, Finding, ProcessingError
from docintel.store.models import ReviewDecision, Role


class CaseStatus(StrEnum):
    EMPTY = "empty"  # no files yet
    PROCESSING = "processing"  # some files are still being read
    DONE = "done"  # every file read (some may have failed: see `progress.failed`)


class Risk(StrEnum):
    """The most severe finding of a case; `none` when it has none."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"
    NONE = "none"


class ReviewState(StrEnum):
    UNREVIEWED = "unreviewed"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    NEEDS_INFO = "needs_info"


class CaseCreate(CaseManifest):
    """The manifest fields of case.json; `branch` only for admins (others file cases under their own)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "case_id": "LN-2024-0001",
                    "borrower_name": "上海示例贸易有限公司",
                    "borrower_tax_id": "91310000MA1FL0XX1X",
                    "loan_amount": "1000000.00",
                    "loan_purpose": "采购钢材",
                    "disbursement_date": "2024-03-01",
                    "entrusted_payee": {"name": "江苏示例钢铁有限公司", "account": "6222021234567890123"},
                }
            ]
        }
    )

    branch: str | None = Field(default=None, max_length=200)


class Progress(BaseModel):
    files: int = 0
    pending: int = 0
    done: int = 0
    failed: int = 0
    documents: int = 0
    findings: int = 0

    @property
    def status(self) -> CaseStatus:
        if self.files == 0:
            return CaseStatus.EMPTY
        return CaseStatus.PROCESSING if self.pending else CaseStatus.DONE


class CaseSummary(BaseModel):
    id: int
    key: str
    branch: str | None
    created_by: str | None
    created_at: datetime
    status: CaseStatus
    risk: Risk
    progress: Progress


class CasePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CaseSummary]


class FileOut(BaseModel):
    """One uploaded original (identity: its sha256) at one path of the case."""

    sha256: str
    path: str
    version: int
    size: int
    media_type: str
    state: str  # pending | done | failed
    error_reason: str | None = None
    error_message: str | None = None
    pages: int = 0
    document_ids: list[int] = Field(default_factory=list)


class DocumentSummary(BaseModel):
    id: int
    sha256: str
    part: int
    doc_type: str
    status: str
    page_numbers: list[int]
    values: dict[str, Any] = Field(description="plain extracted values; GET /documents/{id} has their evidence")


class ReviewOut(BaseModel):
    id: int
    finding_id: int
    user: str
    decision: ReviewDecision
    comment: str | None
    at: datetime


class StoredFinding(Finding):
    """A core `Finding` as stored: where it was found and its current review state."""

    id: int
    case_id: int
    case_key: str
    document_id: int | None = None
    path: str | None = None
    doc_type: str | None = None
    review: ReviewState = ReviewState.UNREVIEWED
    current: bool = Field(
        default=True,
        description="false once a later verification superseded it or its file was replaced at its path;"
        " it stays readable with its reviews, and takes no new ones",
    )


class FindingDetail(StoredFinding):
    reviews: list[ReviewOut] = Field(default_factory=list, description="every decision, oldest first")


class FindingPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[StoredFinding]


class CaseDetail(CaseSummary):
    manifest: dict[str, Any] | None
    files: list[FileOut]
    documents: list[DocumentSummary]
    findings: list[StoredFinding]


class DocumentDetail(BaseModel):
    id: int
    sha256: str
    part: int
    doc_type: str
    doc_type_confidence: float
    status: str
    media_type: str
    size: int
    paths: list[str]
    case_ids: list[int]
    page_numbers: list[int]
    region: Box | None = None
    fields: dict[str, FieldValue]
    items: list[dict[str, str | None]]
    errors: list[ProcessingError]
    findings: list[StoredFinding]
    page_image_url: str = Field(description="template: replace {n} with a number from page_numbers")


class AcceptedFile(BaseModel):
    """What an upload did with one file (an uploaded zip contributes one entry per member)."""

    filename: str
    path: str
    sha256: str
    size: int
    media_type: str
    change: str  # new | new_version | unchanged | new_path | resumed
    state: str  # pending (queued) | done | failed | skipped
    item_id: int
    document_ids: list[int] = Field(default_factory=list, description="empty until the file has been read")


class UploadAccepted(BaseModel):
    case_id: int
    run_id: int
    files: list[AcceptedFile]
    progress_url: str
    events_url: str


class ReviewCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"decision": "confirmed", "comment": "发票金额与合同不符，已核实"}]},
    )

    decision: ReviewDecision
    comment: str | None = Field(default=None, max_length=4000)


class AuditOut(BaseModel):
    id: int
    at: datetime
    user: str | None
    action: str
    target: str | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[AuditOut]


class Me(BaseModel):
    name: str
    role: Role
    branch: str | None


class ProblemDetail(BaseModel):
    detail: str | list[Any]
    reason: str | None = None

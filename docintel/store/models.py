"""SQLAlchemy 2 models of everything docintel keeps: cases, original files, documents, fields, findings, runs.

Identity is content: a `SourceFile` is its sha256, a `Document` is (sha256, part). The unique constraints
are what make ingestion idempotent and resumable: redoing a file can never create a second copy.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# JSONB on PostgreSQL (indexable, compact), plain JSON text on SQLite.
JsonType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class FileState(StrEnum):
    PENDING = "pending"  # blob stored, not yet processed (or processing was interrupted)
    DONE = "done"
    FAILED = "failed"  # processed, but the file could not be read; `error_reason` says why


class ItemState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"  # bytes already processed earlier (unchanged file or duplicate content)
    FAILED = "failed"
    REJECTED = "rejected"  # never stored: unsafe or oversized archive member, unreadable file


class RunState(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    INTERRUPTED = "interrupted"


class Base(DeclarativeBase):
    pass


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(1000), unique=True)
    manifest: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)  # case.json, kept raw
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Who may see the case through the API: officers of `branch`, the uploader who created it, admins.
    # Cases ingested from the command line have neither, so only admins see them.
    branch: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    created_by: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    # Case verification (docintel.store.verification): a digest of the files and manifest it read, when,
    # and what it used and could not run ({"borrower": …, "not_run": […]}).
    verified_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    verification: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)

    paths: Mapped[list[SourcePath]] = relationship(back_populates="case")


class SourceFile(Base):
    """One distinct original, stored once in the blob store however many paths it was seen at."""

    __tablename__ = "source_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16), default=FileState.PENDING.value, index=True)
    error_reason: Mapped[str | None] = mapped_column(String(100), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    paths: Mapped[list[SourcePath]] = relationship(back_populates="source")
    documents: Mapped[list[Document]] = relationship(back_populates="source", order_by="Document.part")


class SourcePath(Base):
    """An original path a file was found at. The same path with new bytes is a new version."""

    __tablename__ = "source_paths"
    __table_args__ = (
        UniqueConstraint("path", "sha256", name="uq_source_paths_path_sha256"),
        UniqueConstraint("path", "version", name="uq_source_paths_path_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(4000))
    version: Mapped[int] = mapped_column(Integer, default=1)
    sha256: Mapped[str] = mapped_column(ForeignKey("source_files.sha256"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    first_run_id: Mapped[int | None] = mapped_column(ForeignKey("processing_runs.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    source: Mapped[SourceFile] = relationship(back_populates="paths")
    case: Mapped[Case] = relationship(back_populates="paths")


class Document(Base):
    """One logical document of a file (a file may bundle several: `part` numbers them from 1)."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("sha256", "part", name="uq_documents_sha256_part"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("source_files.sha256"), index=True)
    part: Mapped[int] = mapped_column(Integer, default=1)
    doc_type: Mapped[str] = mapped_column(String(100), index=True)
    doc_type_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(16))
    page_numbers: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    region: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)
    # Invoice identity (20-digit number, or code + number) for duplicate lookups across cases.
    invoice_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)  # plain values, as Document.values()
    items: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    # The goods lines with each cell's confidence and evidence (Document.items as JSON), for case rules.
    items_detail: Mapped[list[Any] | None] = mapped_column(JsonType, nullable=True)
    # Each page as read: number, width, height, unit, rotation, skew, text_source (evidence boxes are in
    # these coordinates; the officer app renders pages the same way to draw them).
    pages_meta: Mapped[list[Any] | None] = mapped_column(JsonType, nullable=True)
    errors: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    source: Mapped[SourceFile] = relationship(back_populates="documents")
    field_rows: Mapped[list[Field]] = relationship(back_populates="document", order_by="Field.id")
    findings: Mapped[list[Finding]] = relationship(back_populates="document", order_by="Finding.id")


class Field(Base):
    __tablename__ = "fields"
    __table_args__ = (UniqueConstraint("document_id", "name", name="uq_fields_document_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    value: Mapped[str | None] = mapped_column(Text, nullable=True)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    evidence: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    document: Mapped[Document] = relationship(back_populates="field_rows")


class Finding(Base):
    """A check's result on one document (`document_id`) or on a whole case (`case_id` only)."""

    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_code_severity", "code", "severity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), nullable=True, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    code: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(200))
    inputs: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    threshold: Mapped[str | None] = mapped_column(String(200), nullable=True)
    evidence: Mapped[list[Any]] = mapped_column(JsonType, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set when a re-verification of the case no longer produces this case finding (kept for its reviews).
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    document: Mapped[Document | None] = relationship(back_populates="findings")


class ProcessingRun(Base):
    __tablename__ = "processing_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    root: Mapped[str] = mapped_column(String(4000))
    state: Mapped[str] = mapped_column(String(16), default=RunState.RUNNING.value)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    options: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    counts: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Change(StrEnum):
    """How a path found by a run relates to what was stored before it."""

    NEW = "new"  # bytes never seen before
    NEW_VERSION = "new_version"  # a known path with new bytes (also new content)
    UNCHANGED = "unchanged"  # this path with these bytes was stored before
    NEW_PATH = "new_path"  # known bytes found at another path: recorded, not processed again
    RESUMED = "resumed"  # stored by an interrupted run but never finished: processed now


class IngestItem(Base):
    """What one run did with one path: the durable per-file log of a run, errors included."""

    __tablename__ = "ingest_items"
    __table_args__ = (UniqueConstraint("run_id", "path", name="uq_ingest_items_run_path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("processing_runs.id"), index=True)
    path: Mapped[str] = mapped_column(String(4000))
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default=ItemState.PENDING.value)
    change: Mapped[str | None] = mapped_column(String(16), nullable=True)  # a `Change`; None when rejected
    pages: Mapped[int] = mapped_column(Integer, default=0)
    error_reason: Mapped[str | None] = mapped_column(String(100), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)


class Role(StrEnum):
    UPLOADER = "uploader"  # creates cases, uploads to and reads its own cases
    OFFICER = "officer"  # reads and reviews the cases of its branch
    ADMIN = "admin"  # everything, including the audit log


class User(Base):
    """An API user. Only the sha256 of the bearer token is kept: a leaked table grants nothing."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    branch: Mapped[str | None] = mapped_column(String(200), nullable=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewDecision(StrEnum):
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
    NEEDS_INFO = "needs_info"


class ReviewEvent(Base):
    """One officer decision on a finding. Append-only: the latest event is the finding's review state,
    earlier ones are its history (the database refuses UPDATE and DELETE, see migration 0002)."""

    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    user_name: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    """Who did what to which target: uploads, reviews, exports, logins. Append-only like reviews."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_name: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(50), index=True)
    target: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)

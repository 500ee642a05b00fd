"""The store: migrations, content-addressed blobs, idempotent saves, paths and versions, invoice lookups."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from docintel.model import Finding as FindingModel
from docintel.model import Severity
from docintel.pipeline import process_bytes
from docintel.store.blobs import BlobStore
from docintel.store.db import get_engine, transaction
from docintel.store.migrate import current_revision, head_revision
from docintel.store.models import Case, Document, Field, FileState, Finding, SourceFile, SourcePath
from docintel.store.repository import (
    case_id_for,
    finding_row,
    invoice_key,
    record_source,
    save_processed,
)
from docintel.store.verification import StoreKnownInvoices
from tests.store_fixtures import digital_pdfs


def _count(engine, entity) -> int:  # type: ignore[no-untyped-def]
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(entity)) or 0


def _store(engine, blobs: BlobStore, path: str, data: bytes, case_key: str = "case-a") -> str:  # type: ignore[no-untyped-def]
    sha256 = blobs.put(data)
    with transaction(engine) as session:
        case_id = case_id_for(session, case_key)
        record_source(session, sha256=sha256, size=len(data), media_type="application/pdf", path=path, case_id=case_id)
    return sha256


def test_schema_is_migrated_to_head(db_url: str) -> None:
    engine = get_engine(db_url)
    assert head_revision() is not None
    assert current_revision(engine) == head_revision()
    get_engine(db_url)  # a second use does not migrate again or fail


def test_blobs_are_content_addressed_read_only_and_written_once(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    data = b"%PDF-1.4 original bytes"
    sha256 = blobs.put(data)
    assert sha256 == hashlib.sha256(data).hexdigest()
    path = blobs.path(sha256)
    assert path == tmp_path / "blobs" / sha256[:2] / sha256[2:]
    assert path.read_bytes() == data
    assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    mtime = path.stat().st_mtime_ns
    assert blobs.put(data) == sha256 and path.stat().st_mtime_ns == mtime  # not rewritten
    assert blobs.verify(sha256)
    assert not list(path.parent.glob(".tmp-*"))  # no temp file left behind
    with pytest.raises(ValueError):
        blobs.path("../../etc/passwd")


def test_saving_a_file_twice_stores_its_documents_once(db_url: str, tmp_path: Path) -> None:
    engine = get_engine(db_url)
    blobs = BlobStore(tmp_path / "blobs")
    pdf = next(p for p in digital_pdfs() if "bad_tax_id" in p.name)
    data = pdf.read_bytes()
    sha256 = _store(engine, blobs, str(pdf), data)
    documents = process_bytes(str(pdf), data)
    assert save_processed(engine, sha256, documents) is True
    counts = (_count(engine, Document), _count(engine, Field), _count(engine, Finding))
    assert counts[0] == len(documents) and counts[1] > 5 and counts[2] >= 1
    assert save_processed(engine, sha256, process_bytes(str(pdf), data)) is False  # a redo writes nothing
    assert (_count(engine, Document), _count(engine, Field), _count(engine, Finding)) == counts
    with transaction(engine) as session:
        source = session.get(SourceFile, sha256)
        assert source is not None and source.state == FileState.DONE.value and source.pages == 1
        doc = session.scalars(select(Document)).one()
        assert doc.doc_type == "vat_invoice" and doc.fields["invoice_number"]
        field = session.scalars(select(Field).where(Field.name == "invoice_number")).one()
        assert field.evidence and field.evidence[0]["page"] == 1 and field.evidence[0]["box"]
        finding = session.scalars(select(Finding).where(Finding.code == "invalid_tax_id")).one()
        assert finding.severity == "high" and finding.evidence and finding.document_id == doc.id


def test_a_failed_file_records_its_reason(db_url: str, tmp_path: Path) -> None:
    engine = get_engine(db_url)
    sha256 = _store(engine, BlobStore(tmp_path / "blobs"), "/in/empty.pdf", b"")
    save_processed(engine, sha256, process_bytes("/in/empty.pdf", b""))
    with transaction(engine) as session:
        source = session.get(SourceFile, sha256)
        assert source is not None
        assert (source.state, source.error_reason) == (FileState.FAILED.value, "empty_file")


def test_same_bytes_at_two_paths_are_stored_once_and_a_changed_path_is_a_new_version(
    db_url: str, tmp_path: Path
) -> None:
    engine = get_engine(db_url)
    blobs = BlobStore(tmp_path / "blobs")
    first = _store(engine, blobs, "/a/x.pdf", b"%PDF one")
    assert _store(engine, blobs, "/b/x.pdf", b"%PDF one", case_key="case-b") == first
    assert _store(engine, blobs, "/a/x.pdf", b"%PDF one") == first  # seen again: nothing new
    second = _store(engine, blobs, "/a/x.pdf", b"%PDF two")
    assert _count(engine, SourceFile) == 2
    with transaction(engine) as session:
        rows = session.execute(select(SourcePath.path, SourcePath.version, SourcePath.sha256)).all()
    assert sorted(rows) == [("/a/x.pdf", 1, first), ("/a/x.pdf", 2, second), ("/b/x.pdf", 1, first)]
    assert sorted(p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()) == sorted([first[2:], second[2:]])


def test_invoice_keys_and_sightings_across_cases(db_url: str, tmp_path: Path) -> None:
    assert invoice_key({"invoice_number": "24312000000452723882"}) == "24312000000452723882"
    assert invoice_key({"invoice_code": "031001900111", "invoice_number": "18102446"}) == "031001900111:18102446"
    assert invoice_key({"invoice_number": "18102446"}) is None
    engine = get_engine(db_url)
    blobs = BlobStore(tmp_path / "blobs")
    pdf = digital_pdfs()[0]
    data = pdf.read_bytes()
    sha256 = _store(engine, blobs, "/case-a/invoice.pdf", data, case_key="case-a")
    _store(engine, blobs, "/case-b/copy.pdf", data, case_key="case-b")
    documents = process_bytes(str(pdf), data)
    save_processed(engine, sha256, documents)
    key = invoice_key(documents[0].values())
    assert key is not None
    with transaction(engine) as session:
        cases = {c.key: c for c in session.scalars(select(Case))}
        paths = {p.path: p.id for p in session.scalars(select(SourcePath))}
        # case-b submitted the invoice after case-a: it sees case-a's copy; case-a sees nothing earlier.
        later = StoreKnownInvoices(session, cases["case-b"], {key: paths["/case-b/copy.pdf"]})
        assert [(s.case_id, s.document) for s in later.lookup(key)] == [("case-a", "/case-a/invoice.pdf")]
        earlier = StoreKnownInvoices(session, cases["case-a"], {key: paths["/case-a/invoice.pdf"]})
        assert earlier.lookup(key) == [] and later.lookup("00000000000000000000") == []


def test_case_level_findings_are_stored_on_the_case(db_url: str) -> None:
    engine = get_engine(db_url)
    finding = FindingModel(code="duplicate_invoice", severity=Severity.HIGH, message="重复", rule="case.duplicates")
    with transaction(engine) as session:
        case_id = case_id_for(session, "case-a", {"borrower": "某公司"})
        session.add(finding_row(finding, case_id=case_id))
    with transaction(engine) as session:
        stored = session.scalars(select(Finding)).one()
        assert (stored.case_id, stored.document_id, stored.code) == (case_id, None, "duplicate_invoice")
        case = session.get(Case, case_id)
        assert case is not None and case.manifest == {"borrower": "某公司"}

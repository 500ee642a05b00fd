"""Case verification inside ingestion: each case verified once its files are in, against the store's
invoice register; never again for an unchanged case; again, keeping reviewed findings, when it changes."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import func, select
from typer.testing import CliRunner

from docintel.cli import app
from docintel.ingest.progress import IngestProgress
from docintel.ingest.report import build_report
from docintel.ingest.runner import IngestOptions, ingest
from docintel.model import EvidenceItem, Severity
from docintel.model import Finding as FindingModel
from docintel.store.blobs import BlobStore
from docintel.store.db import get_engine, transaction
from docintel.store.models import Case, Finding, ReviewEvent
from docintel.store.verification import _reconcile, stale_case_ids, verify_stored_case
from tests.store_fixtures import distinct_copies

REPO = Path(__file__).resolve().parents[1]
DOSSIERS = REPO / "samples" / "cases"
CASES = ("05_payee_other_company", "10_duplicate_source", "11_duplicate_across_cases", "12_duplicate_within_case")


def _archive(tmp_path: Path, names: tuple[str, ...] = CASES) -> Path:
    archive = tmp_path / "archive"
    for name in names:
        shutil.copytree(DOSSIERS / name, archive / name, ignore=shutil.ignore_patterns("expected_findings.json"))
    return archive


def _ingest(root: Path, db_url: str, blob_dir: Path) -> dict[str, Any]:
    engine = get_engine(db_url)
    with IngestProgress(Console(stderr=True), enabled=False) as progress:
        run_id = ingest(root, engine, BlobStore(blob_dir), IngestOptions(workers=2), progress)
    return build_report(engine, run_id)


def _case_findings(db_url: str) -> dict[str, set[tuple[str, str]]]:
    with transaction(get_engine(db_url)) as session:
        rows = session.execute(
            select(Case.key, Finding.code, Finding.rule)
            .join(Finding, Finding.case_id == Case.id)
            .where(Finding.document_id.is_(None), Finding.superseded_at.is_(None))
        ).all()
        keys = session.scalars(select(Case.key)).all()
    found: dict[str, set[tuple[str, str]]] = {key: set() for key in keys}
    for key, code, rule in rows:
        found[key].add((code, rule))
    return found


def _expected(name: str) -> set[tuple[str, str]]:
    expected = json.loads((DOSSIERS / name / "expected_findings.json").read_text(encoding="utf-8"))
    return {(f["code"], f["rule"]) for f in expected["findings"]}


def test_ingest_verifies_each_case_once_against_the_store(db_url: str, tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    report = _ingest(archive, db_url, tmp_path / "blobs")
    found = _case_findings(db_url)
    for name in CASES:
        manifest = json.loads((DOSSIERS / name / "case.json").read_text(encoding="utf-8"))
        # Exactly the planted findings: the reused invoice is flagged in the later case only, and the
        # same bytes at two paths of one case are two submissions.
        assert found[manifest["case_id"]] == _expected(name), name
    summaries = {row["case"]: row for row in report["case_summaries"]}
    assert all(row["verified_in_this_run"] for row in summaries.values())
    assert summaries["LN20240011"]["case_findings"] == {"duplicate_invoice": 1}

    engine = get_engine(db_url)
    with transaction(engine) as session:
        before = {c.key: (c.verified_at, c.verified_fingerprint) for c in session.scalars(select(Case))}
        count = session.scalar(select(func.count()).select_from(Finding))
        assert all(c.verification and c.verification["documents"] > 0 for c in session.scalars(select(Case)))
    again = _ingest(archive, db_url, tmp_path / "blobs")
    assert again["new"] == 0 and not any(row["verified_in_this_run"] for row in again["case_summaries"])
    with transaction(engine) as session:
        assert {c.key: (c.verified_at, c.verified_fingerprint) for c in session.scalars(select(Case))} == before
        assert session.scalar(select(func.count()).select_from(Finding)) == count


def test_a_changed_manifest_verifies_again_keeping_the_findings_that_remain(db_url: str, tmp_path: Path) -> None:
    archive = _archive(tmp_path, ("05_payee_other_company",))
    _ingest(archive, db_url, tmp_path / "blobs")
    engine = get_engine(db_url)
    with transaction(engine) as session:
        case = session.scalars(select(Case)).one()
        ids = set(session.scalars(select(Finding.id).where(Finding.case_id == case.id)))
        first_fingerprint = case.verified_fingerprint
    assert len(ids) == 2
    manifest_path = archive / "05_payee_other_company" / "case.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["loan_purpose"] = "采购原材料（补充说明）"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")

    report = _ingest(archive, db_url, tmp_path / "blobs")
    assert report["new"] == 0 and report["case_summaries"][0]["verified_in_this_run"]
    with transaction(engine) as session:
        case = session.scalars(select(Case)).one()
        assert case.verified_fingerprint != first_fingerprint
        # The same findings again: the same rows, so reviews stay attached to them.
        assert set(session.scalars(select(Finding.id).where(Finding.case_id == case.id))) == ids


def test_reconcile_keeps_reviewed_findings_that_vanish_and_drops_unreviewed_ones(db_url: str) -> None:
    engine = get_engine(db_url)

    def finding(code: str, value: str) -> FindingModel:
        evidence = [EvidenceItem(document="a.pdf", field="payee_name", value=value)]
        return FindingModel(
            code=code, severity=Severity.HIGH, message="m", rule=f"case.{code}", inputs={"v": value}, evidence=evidence
        )

    first = [finding("payee_mismatch", "张三"), finding("counterparty_mismatch", "乙公司")]
    with transaction(engine) as session:
        case = Case(key="reconcile")
        session.add(case)
        session.flush()
        case_id = case.id
        assert _reconcile(session, case_id, first, now := _now()) == (2, 0, 0)
    with transaction(engine) as session:
        reviewed = session.scalars(select(Finding).where(Finding.code == "payee_mismatch")).one()
        session.add(ReviewEvent(finding_id=reviewed.id, user_name="officer", decision="confirmed", comment="ok"))
    with transaction(engine) as session:
        # Both vanish, one new appears: the reviewed one is superseded, the unreviewed one removed.
        assert _reconcile(session, case_id, [finding("payee_mismatch", "李四")], now) == (1, 0, 2)
    with transaction(engine) as session:
        rows = session.scalars(select(Finding).where(Finding.case_id == case_id).order_by(Finding.id)).all()
        assert [(r.inputs["v"], r.superseded_at is not None) for r in rows] == [("张三", True), ("李四", False)]


def test_collections_are_not_verified_and_stale_cases_are_found(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'docintel.db'}"
    archive = tmp_path / "archive"
    shutil.copytree(DOSSIERS / "10_duplicate_source", archive / "loan")
    (archive / "loan" / "expected_findings.json").unlink()
    (archive / "misc").mkdir()
    shutil.copy(DOSSIERS / "05_payee_other_company" / "contract.pdf", archive / "misc" / "contract.pdf")
    shutil.copy(DOSSIERS / "12_duplicate_within_case" / "invoice_01.pdf", archive / "misc" / "invoice.pdf")
    (archive / "misc" / "case.json").write_text('{"collection": true}', encoding="utf-8")
    report = _ingest(archive, db_url, tmp_path / "blobs")
    summaries = {row["case"]: row for row in report["case_summaries"]}
    assert summaries["archive/misc"]["verification_skipped"] and summaries["archive/misc"]["case_findings"] == {}
    assert summaries["LN20240010"]["verified_in_this_run"]

    engine = get_engine(db_url)
    assert stale_case_ids(engine) == []
    with transaction(engine) as session:
        case = session.scalars(select(Case).where(Case.key == "LN20240010")).one()
        case.verified_at, case.verified_fingerprint, case_id = None, None, case.id
    assert stale_case_ids(engine) == [case_id]  # a stop between saving and verifying
    assert verify_stored_case(engine, case_id).verified
    assert stale_case_ids(engine) == []


def _now() -> datetime:
    return datetime.now(UTC)


def test_worker_recycling_does_not_hang(tmp_path: Path) -> None:
    """More files than workers × tasks per worker: each pool generation retires and the run finishes
    (ProcessPoolExecutor's own max_tasks_per_child would deadlock here on Python 3.11, gh-115634)."""
    archive = tmp_path / "archive"
    distinct_copies(archive / "a", 3)
    engine = get_engine(f"sqlite:///{tmp_path / 'docintel.db'}")
    options = IngestOptions(workers=1, max_tasks_per_child=1)
    outcome: dict[str, Any] = {}

    def run() -> None:
        with IngestProgress(Console(stderr=True), enabled=False) as progress:
            run_id = ingest(archive, engine, BlobStore(tmp_path / "b"), options, progress)
        outcome["report"] = build_report(engine, run_id)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=300)
    assert not worker.is_alive(), "ingest hung when recycling workers"
    assert (outcome["report"]["processed"], outcome["report"]["pending"]) == (3, 0)


def test_cli_ingest_files_new_cases_under_a_branch_with_given_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCINTEL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DOCINTEL_DATABASE_URL", raising=False)
    archive = _archive(tmp_path, ("10_duplicate_source",))
    runner = CliRunner()
    bad = tmp_path / "bad.toml"
    bad.write_text("[amounts]\nrelative_tolerance = 'lots'\n", encoding="utf-8")
    refused = runner.invoke(app, ["ingest", str(archive), "--settings", str(bad)])
    assert refused.exit_code == 2 and "--settings" in refused.output

    done = runner.invoke(app, ["ingest", str(archive), "--workers", "1", "--branch", "北京分行", "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert report["cases"] == ["LN20240010"] and report["case_summaries"][0]["verified_in_this_run"]
    with transaction(get_engine()) as session:
        assert session.scalars(select(Case.branch)).all() == ["北京分行"]


def test_a_replaced_file_no_longer_counts_for_its_case(tmp_path: Path) -> None:
    """Officer views count the current version of each path: the findings of replaced bytes drop out."""
    from api.auth import Principal
    from api.views import finding_detail, list_findings
    from docintel.store.models import Role

    db_url = f"sqlite:///{tmp_path / 'docintel.db'}"
    folder = tmp_path / "archive" / "loan"
    folder.mkdir(parents=True)
    invoices = REPO / "samples" / "invoices"
    target = folder / "invoice.pdf"
    shutil.copy(invoices / "inv09_sd-special_pdf_bad_tax_id.pdf", target)
    _ingest(folder.parent, db_url, tmp_path / "blobs")
    admin = Principal(name="admin", role=Role.ADMIN, branch=None)
    engine = get_engine(db_url)

    def codes() -> set[str]:
        with transaction(engine) as session:
            return {f.code for f in list_findings(session, admin, limit=500).items}

    assert "invalid_tax_id" in codes()
    with transaction(engine) as session:
        (old_id,) = [f.id for f in list_findings(session, admin, limit=500).items if f.code == "invalid_tax_id"]
        assert finding_detail(session, admin, old_id).current  # type: ignore[union-attr]
    shutil.copy(invoices / "inv01_sd-special_pdf.pdf", target)  # the borrower sends a corrected invoice
    assert _ingest(folder.parent, db_url, tmp_path / "blobs")["new_versions"] == 1
    assert "invalid_tax_id" not in codes()
    # A link to the old finding still opens it, marked as no longer current, with its history.
    with transaction(engine) as session:
        old = finding_detail(session, admin, old_id)
    assert old is not None and old.code == "invalid_tax_id" and not old.current
    # Through HTTP: readable, but it takes no new review.
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.auth import create_user
    from api.settings import ApiSettings

    token = create_user(engine, "officer-admin", Role.ADMIN)
    settings = ApiSettings(database_url=db_url, blob_root=tmp_path / "blobs", home=tmp_path / "home", workers=0)
    with TestClient(create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        shown = client.get(f"/findings/{old_id}")
        assert shown.status_code == 200 and shown.json()["current"] is False
        refused = client.post(f"/findings/{old_id}/review", json={"decision": "dismissed", "comment": "旧发票"})
        assert refused.status_code == 409

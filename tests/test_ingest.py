"""Bulk ingestion: idempotent re-runs, new versions, zip safety, per-file errors, cases, resume after kill -9."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
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
from docintel.ingest.walk import ZipLimits
from docintel.store.blobs import BlobStore
from docintel.store.db import get_engine, transaction
from docintel.store.models import Case, Document, FileState, SourceFile, SourcePath
from tests.store_fixtures import digital_pdfs, distinct_copies


def _ingest(root: Path, db_url: str, blob_dir: Path, **options: Any) -> dict[str, Any]:
    engine = get_engine(db_url)
    with IngestProgress(Console(stderr=True), enabled=False) as progress:
        run_id = ingest(root, engine, BlobStore(blob_dir), IngestOptions(workers=1, **options), progress)
    return build_report(engine, run_id)


def test_rerun_does_no_work_and_a_changed_file_becomes_a_new_version(db_url: str, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    files = distinct_copies(archive / "borrower-a", 3)
    first = _ingest(archive, db_url, tmp_path / "blobs")
    assert (first["new"], first["processed"], first["failed"]) == (3, 3, 0)
    assert first["cases"] == ["archive/borrower-a"] and first["documents_by_type"] == {"vat_invoice": 3}

    again = _ingest(archive, db_url, tmp_path / "blobs")
    assert (again["new"], again["processed"], again["unchanged"]) == (0, 0, 3)

    files[0].write_bytes(files[0].read_bytes() + b"% edited\n")
    changed = _ingest(archive, db_url, tmp_path / "blobs")
    assert (changed["new"], changed["new_versions"], changed["processed"], changed["unchanged"]) == (1, 1, 1, 2)
    engine = get_engine(db_url)
    with transaction(engine) as session:
        versions = session.scalars(select(SourcePath.version).where(SourcePath.path == str(files[0]))).all()
        assert sorted(versions) == [1, 2]
        assert session.scalar(select(func.count()).select_from(Document)) == 4


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_traversal_absolute_paths_and_bombs_are_rejected_others_ingested(tmp_path: Path) -> None:
    pdfs = digital_pdfs()
    inner = _zip_bytes({"inner/ok.pdf": pdfs[1].read_bytes()})
    archive = tmp_path / "in" / "batch.zip"
    archive.parent.mkdir()
    archive.write_bytes(
        _zip_bytes(
            {
                "borrower/good.pdf": pdfs[0].read_bytes(),
                "../evil.pdf": pdfs[2].read_bytes(),
                "/abs/evil.pdf": pdfs[2].read_bytes(),
                "borrower/bomb.pdf": b"\0" * (8 * 1024 * 1024),
                "borrower/nested.zip": inner,
            }
        )
    )
    limits = ZipLimits(max_ratio=100, ratio_floor_bytes=256 * 1024)
    report = _ingest(archive, f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "blobs", limits=limits)
    reasons = {e["path"].rsplit("!/", 1)[1]: e["reason"] for e in report["errors"]}
    assert reasons == {
        "../evil.pdf": "zip_path_traversal",
        "/abs/evil.pdf": "zip_absolute_path",
        "borrower/bomb.pdf": "zip_bomb_ratio",
    }
    assert report["rejected"] == 3 and report["processed"] == 2 and report["documents_by_type"] == {"vat_invoice": 2}
    assert sorted(report["cases"]) == ["batch.zip!/borrower", "batch.zip!/borrower/nested.zip!/inner"]
    # Nothing was extracted: no file appeared outside the blob store.
    assert not (tmp_path / "evil.pdf").exists() and not Path("/abs/evil.pdf").exists()
    assert {p.name for p in (tmp_path / "in").iterdir()} == {"batch.zip"}


def test_oversized_members_and_archives_are_refused_with_their_reason(tmp_path: Path) -> None:
    archive = tmp_path / "in" / "big.zip"
    archive.parent.mkdir()
    archive.write_bytes(_zip_bytes({f"m{i}.pdf": os.urandom(300_000) for i in range(3)}))
    limits = ZipLimits(max_member_bytes=200_000)
    report = _ingest(archive, f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "blobs", limits=limits)
    assert report["errors_by_reason"] == {"zip_member_too_large": 3}
    limits = ZipLimits(max_total_bytes=700_000)
    report = _ingest(archive, f"sqlite:///{tmp_path / 'db2.sqlite'}", tmp_path / "blobs2", limits=limits)
    assert report["errors_by_reason"]["zip_total_too_large"] == 1  # the third member passes the total
    limits = ZipLimits(max_members=2)
    report = _ingest(archive, f"sqlite:///{tmp_path / 'db3.sqlite'}", tmp_path / "blobs3", limits=limits)
    assert report["errors_by_reason"] == {"zip_too_many_members": 1}


def test_per_file_errors_are_recorded_and_do_not_stop_the_run(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "archive" / "case-1"
    good = distinct_copies(folder, 1)[0]
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "truncated.pdf").write_bytes(good.read_bytes()[:2000])
    report = _ingest(tmp_path / "archive", db_url, tmp_path / "blobs")
    assert report["processed"] == 3 and report["failed"] == 2
    assert report["errors_by_reason"] == {"empty_file": 1, "truncated_pdf": 1}
    by_name = {Path(e["path"]).name: e for e in report["errors"]}
    assert (
        by_name["truncated.pdf"]["reason"] == "truncated_pdf" and "end-of-file" in by_name["truncated.pdf"]["message"]
    )
    with transaction(get_engine(db_url)) as session:
        states = dict(session.execute(select(SourceFile.error_reason, SourceFile.state)).all())
    assert states == {None: FileState.DONE.value, "empty_file": "failed", "truncated_pdf": "failed"}


def test_case_manifests_and_case_patterns(tmp_path: Path) -> None:
    root = tmp_path / "delivery"
    distinct_copies(root / "A-001" / "invoices", 1)
    distinct_copies(root / "B-002" / "2024" / "q1", 1)
    (root / "B-002" / "case.json").write_text('{"case_id": "LOAN-B-002", "borrower": "某某公司"}', encoding="utf-8")
    db_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    report = _ingest(root, db_url, tmp_path / "blobs", case_pattern=r"^delivery/(?P<case>[^/]+)/")
    assert report["cases"] == ["A-001", "LOAN-B-002"]
    with transaction(get_engine(db_url)) as session:
        manifest = session.scalars(select(Case.manifest).where(Case.key == "LOAN-B-002")).one()
    assert manifest == {"case_id": "LOAN-B-002", "borrower": "某某公司"}


def test_cli_reads_back_the_store_and_exports_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCINTEL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DOCINTEL_DATABASE_URL", raising=False)
    monkeypatch.delenv("DOCINTEL_BLOB_DIR", raising=False)
    archive = tmp_path / "archive" / "case-x"
    archive.mkdir(parents=True)
    for pdf in digital_pdfs():
        if "bad_tax_id" in pdf.name or "item_sum" in pdf.name:
            (archive / pdf.name).write_bytes(pdf.read_bytes())
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(tmp_path / "archive"), "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert '"new": 2' in result.output
    assert (tmp_path / "home" / "docintel.db").exists() and (tmp_path / "home" / "blobs").is_dir()
    result = runner.invoke(app, ["ingest", str(tmp_path / "archive"), "--workers", "1"])
    assert result.exit_code == 0 and "0 new" in result.output
    assert "archive/case-x" in runner.invoke(app, ["cases"]).output
    assert "invalid_tax_id" in runner.invoke(app, ["case", "archive/case-x"]).output
    result = runner.invoke(app, ["findings", "--code", "invalid_tax_id", "--json"])
    assert result.exit_code == 0 and '"severity": "high"' in result.output and '"evidence"' in result.output
    for fmt in ("xlsx", "csv", "json"):
        out = tmp_path / f"findings.{fmt}"
        assert runner.invoke(app, ["export", "--format", fmt, "--out", str(out)]).exit_code == 0
        assert out.stat().st_size > 0
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "findings.xlsx").active
    header = [c.value for c in sheet[1]]
    codes = {row[header.index("code")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "invalid_tax_id" in codes and "evidence" in header


def test_a_run_killed_mid_way_is_finished_by_the_next_with_nothing_lost_or_doubled(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    files = distinct_copies(archive / "case-1", 6) + distinct_copies(archive / "case-2", 6)
    env = os.environ | {"DOCINTEL_HOME": str(tmp_path / "home")}
    env.pop("DOCINTEL_DATABASE_URL", None)
    env.pop("DOCINTEL_BLOB_DIR", None)
    command = [sys.executable, "-m", "docintel.cli", "ingest", str(archive), "--workers", "1", "--json"]
    db_url = f"sqlite:///{tmp_path / 'home' / 'docintel.db'}"
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        done = _wait_for_first_done(process, tmp_path / "home" / "docintel.db", db_url)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the coordinator and its pool workers, mid-run
        process.wait()
    assert 1 <= done < len(files), "the run must be killed part-way"
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    report = __import__("json").loads(finished.stdout)
    assert report["pending"] == 0 and report["failed"] == 0
    assert report["resumed"] + report["unchanged"] == len(files) and report["resumed"] == report["processed"]
    assert report["processed"] <= len(files) - done
    engine = get_engine(db_url)
    blobs = BlobStore(tmp_path / "home" / "blobs")
    with transaction(engine) as session:
        sources = session.scalars(select(SourceFile)).all()
        assert len(sources) == len(files) and all(s.state == FileState.DONE.value for s in sources)
        per_sha = session.execute(select(Document.sha256, func.count()).group_by(Document.sha256)).all()
        assert len(per_sha) == len(files) and all(n == 1 for _, n in per_sha)
        paths = set(session.scalars(select(SourcePath.path)).all())
    assert paths == {str(f) for f in files}
    for source in sources:
        assert blobs.verify(source.sha256)
    import hashlib

    assert {s.sha256 for s in sources} == {hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def _wait_for_first_done(process: subprocess.Popen[bytes], db_file: Path, db_url: str) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"ingest ended before it could be killed: {process.stderr.read()!r}")  # type: ignore[union-attr]
        if db_file.exists():
            try:
                with transaction(get_engine(db_url, migrate=False)) as session:
                    done = session.scalar(
                        select(func.count()).select_from(SourceFile).where(SourceFile.state == FileState.DONE.value)
                    )
                if done:
                    return int(done)
            except Exception:  # schema not created yet by the subprocess
                pass
        time.sleep(0.05)
    raise AssertionError("no file was finished within 60 s")

"""The `docintel` command line: JSON output, per-file errors that do not stop a batch, usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from docintel.cli import app, expand_paths

DIGITAL_PDF = "files/MARSCHEN-CN__FapiaoGO/frontend/build-tmp/test.pdf"

runner = CliRunner()


@pytest.fixture
def digital_pdf(realdata: Path) -> Path:
    return realdata / DIGITAL_PDF


def _encrypted_pdf(path: Path) -> None:
    canvas = pytest.importorskip("reportlab.pdfgen.canvas")
    pdfencrypt = pytest.importorskip("reportlab.lib.pdfencrypt")
    # A user password means no reader can open it without the password: the case officers meet.
    c = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption("user-secret", "owner-secret"))
    c.drawString(72, 720, "invoice")
    c.save()


def _by_name(payload: list[dict]) -> dict[str, dict]:
    return {Path(d["source"]["path"]).name: d for d in payload}


def test_json_output_on_a_digital_pdf(digital_pdf: Path) -> None:
    result = runner.invoke(app, ["extract", "--json", str(digital_pdf)])
    assert result.exit_code == 0, result.output
    [doc] = json.loads(result.stdout)
    assert doc["status"] == "success"
    assert doc["fields"]["invoice_number"] == "25447000001115703415"
    assert doc["fields"]["amount_with_tax"] == "50.00"
    assert doc["items"] and doc["items"][0]["amount"] == "47.17"
    evidence = doc["evidence"]["invoice_number"][0]
    assert evidence["page"] == 1 and evidence["origin"] == "pdf-text" and evidence["box"] is not None
    assert doc["errors"] == []


def test_rich_report_and_out_file(digital_pdf: Path, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = runner.invoke(app, ["extract", str(digital_pdf), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "25447000001115703415" in result.stdout and "广州灵感之茶餐饮管理有限公司" in result.stdout
    assert json.loads(out.read_text(encoding="utf-8"))[0]["fields"]["amount_with_tax"] == "50.00"


def test_bad_files_get_specific_errors_and_do_not_stop_the_batch(digital_pdf: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "truncated.pdf").write_bytes(digital_pdf.read_bytes()[:300])
    (tmp_path / "random.txt").write_bytes(bytes(range(7, 250)) * 3)
    _encrypted_pdf(tmp_path / "encrypted.pdf")
    (tmp_path / "good.pdf").write_bytes(digital_pdf.read_bytes())

    result = runner.invoke(app, ["extract", "--json", str(tmp_path)])

    assert result.exit_code == 0, result.output
    docs = _by_name(json.loads(result.stdout))
    reasons = {name: [e["reason"] for e in d["errors"]] for name, d in docs.items()}
    assert reasons == {
        "empty.pdf": ["empty_file"],
        "encrypted.pdf": ["encrypted_pdf"],
        "good.pdf": [],
        "random.txt": ["unsupported_type"],
        "truncated.pdf": ["truncated_pdf"],
    }
    assert all(d["status"] == "failure" for name, d in docs.items() if name != "good.pdf")
    assert docs["good.pdf"]["fields"]["invoice_number"] == "25447000001115703415"


def test_nonexistent_path_is_a_usage_error(digital_pdf: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", "--json", str(digital_pdf), str(tmp_path / "missing.pdf")])
    assert result.exit_code == 2
    assert "missing.pdf" in result.stderr
    assert result.stdout == ""  # nothing was processed


def test_unknown_engine_is_a_usage_error(digital_pdf: Path) -> None:
    result = runner.invoke(app, ["extract", "--engine", "tesseract", str(digital_pdf)])
    assert result.exit_code == 2
    assert "rapidocr" in result.stderr and "paddle" in result.stderr


def test_truth_json_beside_a_sample_is_skipped_but_a_lone_json_is_read(tmp_path: Path) -> None:
    for name in ("inv.pdf", "inv.json", "lone.json", "invoice.xml", ".hidden.pdf"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "a.pdf").write_bytes(b"x")
    assert [p.name for p in expand_paths([tmp_path])] == ["inv.pdf", "invoice.xml", "lone.json"]


def test_run_samples_writes_summary_with_accuracy(digital_pdf: Path, tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "real.pdf").write_bytes(digital_pdf.read_bytes())
    truth = {"invoice_number": "25447000001115703415", "amount_with_tax": "50.00", "seller_name": "错的名字"}
    (samples / "real.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"

    result = runner.invoke(app, ["run-samples", "--samples", str(samples), "--out", str(out)])

    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["fields_right"] == 2 and summary["totals"]["fields_total"] == 3
    assert summary["documents"][0]["wrong"]["seller_name"]["want"] == "错的名字"
    assert (out / "real.pdf.json").exists()
    assert "2/3" in result.stdout

"""`docintel verify` over case folders built from the digital samples (no OCR, fast)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from docintel.cli import app

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
runner = CliRunner()


def _case(tmp_path: Path, name: str, files: list[Path], manifest: dict | None) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for path in files:
        shutil.copy(path, folder / path.name)
    if manifest is not None:
        (folder / "case.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder


def test_mismatched_dossier_gets_case_findings_with_evidence(tmp_path: Path) -> None:
    contract = SAMPLES / "contracts" / "ct01_pdf_jia_xu.pdf"
    invoice = SAMPLES / "invoices" / "inv11_legacy_pdf.pdf"
    receipt = SAMPLES / "receipts" / "rc01_icbc_pdf.pdf"
    folder = _case(
        tmp_path,
        "demo",
        [contract, invoice, receipt],
        {"case_id": "DEMO-1", "borrower_name": "江苏聚源塑胶制品股份有限公司无锡分公司", "loan_amount": "80000.00"},
    )
    result = runner.invoke(app, ["verify", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["case_id"] == "DEMO-1"
    assert {d["doc_type"] for d in report["documents"]} == {"purchase_contract", "vat_invoice", "bank_receipt"}
    codes = {f["code"] for f in report["case_findings"]}
    # The three samples belong to different deals: the invoice's seller is not the contract's,
    # the money goes elsewhere, and the amounts do not agree.
    assert {"counterparty_mismatch", "payee_mismatch", "amount_inconsistent"} <= codes
    for finding in report["case_findings"]:
        assert finding["evidence"], finding["code"]
        assert finding["message"].endswith("。")


def test_same_invoice_in_two_cases_verified_together_is_a_duplicate(tmp_path: Path) -> None:
    invoice = SAMPLES / "invoices" / "inv11_legacy_pdf.pdf"
    first = _case(tmp_path, "a", [invoice], None)
    second = _case(tmp_path, "b", [invoice], None)
    result = runner.invoke(app, ["verify", str(first), str(second), "--json"])
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)
    assert "duplicate_invoice" not in {f["code"] for f in reports[0]["case_findings"]}
    assert "duplicate_invoice" in {f["code"] for f in reports[1]["case_findings"]}


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["verify", str(tmp_path / "nope")]).exit_code == 2
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "case.json").write_text("{not json", encoding="utf-8")
    assert runner.invoke(app, ["verify", str(bad)]).exit_code == 2


def test_run_samples_verifies_the_case_folders_under_cases(tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    shutil.copytree(SAMPLES / "cases" / "14_missing_statements", samples / "cases" / "14_missing_statements")
    shutil.copy(SAMPLES / "receipts" / "rc01_icbc_pdf.pdf", samples / "rc01_icbc_pdf.pdf")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run-samples", "--samples", str(samples), "--out", str(out)])
    assert result.exit_code == 0, result.output
    # The case's documents are read with their case, not again as loose samples.
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [d["file"] for d in summary["documents"]] == ["rc01_icbc_pdf.pdf"]
    (case,) = json.loads((out / "cases.json").read_text(encoding="utf-8"))
    assert case["case_id"] == "LN20240014" and case["expected_ok"] is True
    assert [f["code"] for f in case["case_findings"]] == ["missing_document"]
    assert "1/1 exactly as their" in " ".join(result.stdout.split())

"""The generated dossiers (samples/cases) read, extracted and verified end to end against their expected findings.

Every expected finding must be raised (recall 100%), clean dossiers — near-misses included: a seller
written with half-width brackets, a seller whose name begins with a surname, invoices 0.01 off the
contract — must get nothing above info, and a duplicate across cases needs a shared invoice register.
Reading the 14 dossiers OCRs one scanned contract and one scanned receipt (about 20 s on 2 cores).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from docintel.case import Case, load_manifest
from docintel.cli_verify import case_folders, read_case
from docintel.model import Origin
from docintel.verify import InMemoryKnownInvoices, load_settings, verify_case, verify_cases
from docintel.verify.rules import CaseReport
from docintel.verify.scoring import CaseScore, load_expected, per_code, score_case
from tests.same_picture import same_content

CASES = Path(__file__).resolve().parents[1] / "samples" / "cases"


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    folders = case_folders(CASES)
    assert len(folders) >= 12, f"generate them: python -m samples.generate_dossiers --out {CASES} --seed 23"
    return {folder.name: read_case(folder, load_manifest(folder)) for folder in folders}


@pytest.fixture(scope="module")
def reports(cases: dict[str, Case]) -> dict[str, CaseReport]:
    return dict(zip(cases, verify_cases(cases.values(), load_settings()), strict=True))


@pytest.fixture(scope="module")
def scores(reports: dict[str, CaseReport]) -> dict[str, CaseScore]:
    return {name: score_case(report, load_expected(CASES / name) or []) for name, report in reports.items()}


@pytest.mark.slow
def test_every_expected_finding_is_raised(scores: dict[str, CaseScore]) -> None:
    missed = {name: [(e.code, e.rule) for e in s.missed] for name, s in scores.items() if s.missed}
    assert not missed


@pytest.mark.slow
def test_clean_dossiers_have_nothing_above_info(scores: dict[str, CaseScore], reports: dict[str, CaseReport]) -> None:
    clean = [name for name, s in scores.items() if not s.expected]
    assert len(clean) >= 3
    for name in clean:
        raised = [(f.severity.value, f.code, f.message) for f in reports[name].findings if f.severity.value != "info"]
        assert not raised, name


@pytest.mark.slow
def test_precision_per_code_meets_the_target(scores: dict[str, CaseScore]) -> None:
    for code, tally in per_code(scores.values()).items():
        assert tally.precision is None or tally.precision >= 0.95, (code, tally)
    unexpected = {name: s.unexpected for name, s in scores.items() if s.unexpected}
    assert not unexpected


@pytest.mark.slow
def test_each_anomaly_has_its_own_dossier(scores: dict[str, CaseScore]) -> None:
    codes = {e.code for s in scores.values() for e in s.expected}
    assert codes >= {
        "payee_mismatch",
        "counterparty_mismatch",
        "implausible_quantity",
        "amount_inconsistent",
        "goods_mismatch",
        "duplicate_invoice",
        "timeline_inconsistent",
        "missing_document",
    }


@pytest.mark.slow
def test_near_misses_are_really_in_the_extracted_documents(cases: dict[str, Case]) -> None:
    """The clean near-misses must reach the rules as planted, or their silence would prove nothing."""
    halfwidth = cases["02_clean_halfwidth_brackets"]
    contract_seller = halfwidth.documents_of("purchase_contract")[0].value("seller_name")
    invoice_sellers = {d.value("seller_name") for d in halfwidth.documents_of("vat_invoice")}
    assert "（" in contract_seller and invoice_sellers == {contract_seller.replace("（", "(").replace("）", ")")}
    assert "(" in halfwidth.documents_of("bank_receipt")[0].value("payee_name")

    surname = cases["03_clean_surname_seller_cent_off"]
    assert surname.documents_of("bank_receipt")[0].value("payee_name").startswith("王")
    contract_total = Decimal(surname.documents_of("purchase_contract")[0].value("total_amount"))
    invoiced = sum(Decimal(d.value("amount_with_tax")) for d in surname.documents_of("vat_invoice"))
    assert invoiced - contract_total == Decimal("0.01")

    scanned = cases["01_clean_scanned_contract"].documents_of("purchase_contract")[0]
    assert any(fv.evidence and fv.evidence[0].origin is Origin.OCR for fv in scanned.fields.values())


@pytest.mark.slow
def test_duplicate_across_cases_needs_a_shared_register(cases: dict[str, Case]) -> None:
    source, reuse = cases["10_duplicate_source"], cases["11_duplicate_across_cases"]
    settings = load_settings()

    def duplicates(report: CaseReport) -> list[str]:
        return [f.rule for f in report.case_findings if f.code == "duplicate_invoice"]

    alone = verify_case(reuse, settings)
    assert not duplicates(alone)
    assert any(n.rule == "case.duplicate.across_cases" for n in alone.not_run)
    assert not duplicates(verify_case(reuse, settings, InMemoryKnownInvoices()))

    register = InMemoryKnownInvoices()
    first, second = verify_case(source, settings, register), verify_case(reuse, settings, register)
    assert not duplicates(first)
    assert duplicates(second) == ["case.duplicate.across_cases"]
    # Either order: the case verified second is the one told that the invoice was used before.
    reuse_first, source_second = verify_cases([reuse, source], settings)
    assert not duplicates(reuse_first) and duplicates(source_second) == ["case.duplicate.across_cases"]


def test_committed_dossiers_regenerate_identical(tmp_path: Path) -> None:
    pytest.importorskip("reportlab")
    from samples.generate_dossiers import generate_dossiers

    generate_dossiers(tmp_path, seed=23)
    committed = {p.relative_to(CASES): p.read_bytes() for p in sorted(CASES.rglob("*")) if p.is_file()}
    generated = {p.relative_to(tmp_path): p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file()}
    assert committed.keys() == generated.keys()
    changed = [name for name in committed if not same_content(committed[name], generated[name], name.suffix)]
    assert changed == []

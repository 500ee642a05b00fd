"""Invoice checks over a Document: numbers, required fields, tax IDs, the runner and real labels."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from docintel.checks import rules
from docintel.checks.invoice_number import (
    check_invoice_number,
    invoice_code_problems,
    invoice_number_problems,
    number_year_problems,
)
from docintel.checks.required import check_required_fields
from docintel.checks.rules import INVOICE_CHECKS, run_invoice_checks
from docintel.checks.tax_id import check_tax_ids
from docintel.model import Box, Document, Evidence, FieldValue, Finding, Origin, Severity, SourceFile
from tests.conftest import REALDATA_DIR

LABELS = REALDATA_DIR / "labels"
AMOUNT_KEYS = {"total_amount", "total_tax", "amount_with_tax", "quantity", "unit_price", "amount", "tax"}
INVOICE_FIELDS = (
    "invoice_kind",
    "invoice_code",
    "invoice_number",
    "issue_date",
    "check_code",
    "buyer_name",
    "buyer_tax_id",
    "seller_name",
    "seller_tax_id",
    "total_amount",
    "total_tax",
    "amount_with_tax",
    "amount_with_tax_upper",
)


def fv(value: str | None, key: str = "", *, note: str | None = None) -> FieldValue:
    typed: str | Decimal | None = Decimal(value) if value is not None and key in AMOUNT_KEYS else value
    evidence = [Evidence(page=1, box=Box(x0=10, y0=20, x1=110, y1=32), origin=Origin.OCR, text=value)]
    return FieldValue(value=typed, confidence=0.95, evidence=evidence, note=note)


def make_doc(
    fields: dict[str, str | None],
    items: list[dict[str, str | None]] | None = None,
    notes: dict[str, str] | None = None,
) -> Document:
    notes = notes or {}
    return Document(
        source=SourceFile(path="invoice.jpg", sha256="0" * 64, size=1, media_type="image/jpeg"),
        doc_type="vat_invoice",
        fields={name: fv(value, name, note=notes.get(name)) for name, value in fields.items()},
        items=[{key: fv(value, key) for key, value in item.items()} for item in items or []],
    )


def clean_fields() -> dict[str, str | None]:
    """The 数电票 from the real data (FapiaoGO test.pdf)."""
    return {
        "invoice_kind": "电子发票（普通发票）",
        "invoice_code": None,
        "invoice_number": "25447000001115703415",
        "issue_date": "2025-09-23",
        "check_code": None,
        "buyer_name": "广州华栈天城科技有限公司",
        "buyer_tax_id": "91440106068698695J",
        "seller_name": "广州灵感之茶餐饮管理有限公司",
        "seller_tax_id": "91440101MA5AL52Y44",
        "total_amount": "47.17",
        "total_tax": "2.83",
        "amount_with_tax": "50.00",
        "amount_with_tax_upper": "伍拾圆整",
    }


CLEAN_ITEMS = [{"quantity": "1", "unit_price": "47.1698113207547", "amount": "47.17", "tax_rate": "6%", "tax": "2.83"}]


def codes(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.code, f.rule) for f in findings]


def test_clean_digital_invoice_has_no_findings() -> None:
    doc = make_doc(clean_fields(), CLEAN_ITEMS)
    assert run_invoice_checks(doc) == []
    assert doc.errors == []


# -- invalid_tax_id -----------------------------------------------------------------------------


def test_invalid_seller_check_char() -> None:
    doc = make_doc({**clean_fields(), "seller_tax_id": "91500106MA2CE71F65"}, CLEAN_ITEMS)
    findings = check_tax_ids(doc)
    assert codes(findings) == [("invalid_tax_id", "invoice.tax_id.uscc_check")]
    finding = findings[0]
    assert finding.severity is Severity.HIGH
    assert finding.message.startswith("销售方纳税人识别号 91500106MA2CE71F65 的校验位应为 6，票面为 5")
    assert finding.inputs["expected_check_char"] == "6"
    assert finding.evidence[0].field == "seller_tax_id"
    assert finding.evidence[0].page == 1 and finding.evidence[0].origin is Origin.OCR


def test_malformed_buyer_number_is_low_and_legacy_is_silent() -> None:
    doc = make_doc({**clean_fields(), "buyer_tax_id": "9150010807MGZHI002", "seller_tax_id": "410305012345678"})
    findings = check_tax_ids(doc)
    assert codes(findings) == [("invalid_tax_id", "invoice.tax_id.format")]
    assert findings[0].severity is Severity.LOW
    assert "购买方" in findings[0].message


def test_missing_tax_id_is_not_an_invalid_one() -> None:
    doc = make_doc({**clean_fields(), "buyer_tax_id": None})
    assert check_tax_ids(doc) == []


# -- invalid_invoice_number ---------------------------------------------------------------------


@pytest.mark.parametrize("code", ["044031800104", "032001600511", "1100094140", "5100191160"])
def test_valid_codes(code: str) -> None:
    assert invoice_code_problems(code) == []


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("04403180010", "invoice.code_format"),
        ("144031800104", "invoice.code_format"),
        ("04403180O104", "invoice.code_format"),
        ("044031800199", "invoice.code_kind"),
    ],
)
def test_bad_codes(code: str, rule: str) -> None:
    assert [p.rule for p in invoice_code_problems(code)] == [rule]


def test_number_formats_and_combinations() -> None:
    assert invoice_number_problems("41108527", "044031800104") == []
    assert invoice_number_problems("24112000000048542163", None) == []
    assert [p.rule for p in invoice_number_problems("9223372036854775807", None)] == ["invoice.number_format"]
    assert [p.rule for p in invoice_number_problems("4110852", "044031800104")] == ["invoice.number_format"]
    assert [p.rule for p in invoice_number_problems("24112000000048542163", "044031800104")] == [
        "invoice.code_number_combination"
    ]


def test_number_years() -> None:
    assert number_year_problems("24112000000048542163", None, date(2024, 5, 28)) == []
    assert [p.rule for p in number_year_problems("23112000000048542163", None, date(2024, 5, 28))] == [
        "invoice.number_year"
    ]
    assert [p.rule for p in number_year_problems("19112000000048542163", None, date(2019, 5, 28))] == [
        "invoice.number_year"
    ]
    # the code's year (stock issued 2018) may precede the invoice, never follow it
    assert number_year_problems("41108527", "044031800104", date(2019, 3, 19)) == []
    assert [p.rule for p in number_year_problems("41108527", "044032000104", date(2019, 3, 19))] == [
        "invoice.code_year"
    ]


def test_check_invoice_number_findings() -> None:
    fields = {**clean_fields(), "invoice_code": "044031800104", "check_code": "5561756733351779334"}
    findings = check_invoice_number(make_doc(fields))
    assert codes(findings) == [
        ("invalid_invoice_number", "invoice.code_number_combination"),
        ("invalid_invoice_number", "invoice.check_code_format"),
    ]
    assert all(f.severity is Severity.MEDIUM for f in findings)
    assert [e.field for e in findings[0].evidence] == ["invoice_number", "invoice_code"]
    spaced = make_doc({"check_code": "55617 56733 35177 93345"})
    assert check_invoice_number(spaced) == []


# -- missing_field ------------------------------------------------------------------------------


def test_missing_key_field_uses_the_extractor_note() -> None:
    doc = make_doc(
        {**clean_fields(), "seller_tax_id": None},
        CLEAN_ITEMS,
        notes={"seller_tax_id": "label 纳税人识别号 not found on any page"},
    )
    findings = check_required_fields(doc)
    assert codes(findings) == [("missing_field", "invoice.required.seller_tax_id")]
    assert findings[0].severity is Severity.MEDIUM
    assert findings[0].message == (
        "未能读取销售方纳税人识别号（label 纳税人识别号 not found on any page），请对照原件补录或核实。"
    )


def test_field_absent_from_the_document_counts_as_missing() -> None:
    fields = clean_fields()
    del fields["issue_date"]
    findings = check_required_fields(make_doc(fields, CLEAN_ITEMS))
    assert codes(findings) == [("missing_field", "invoice.required.issue_date")]
    assert findings[0].evidence == []


def test_check_code_required_on_ordinary_invoices_only() -> None:
    ordinary = {
        **clean_fields(),
        "invoice_kind": "深圳增值税普通发票",
        "invoice_code": "044031800104",
        "invoice_number": "41108527",
        "check_code": None,
    }
    findings = check_required_fields(make_doc(ordinary, CLEAN_ITEMS, {"check_code": "label 校验码 not found"}))
    assert codes(findings) == [("missing_field", "invoice.required.check_code")]
    assert "校验码" in findings[0].message
    special = {**ordinary, "invoice_kind": "四川增值税专用发票", "invoice_code": "5100191160"}
    assert check_required_fields(make_doc(special, CLEAN_ITEMS)) == []


def test_eight_digit_number_needs_a_code() -> None:
    fields = {**clean_fields(), "invoice_number": "41108527", "invoice_kind": "增值税专用发票"}
    findings = check_required_fields(make_doc(fields, CLEAN_ITEMS))
    assert codes(findings) == [("missing_field", "invoice.required.invoice_code")]


def test_special_invoice_needs_buyer_tax_id_low() -> None:
    fields = {**clean_fields(), "invoice_kind": "电子发票（增值税专用发票）", "buyer_tax_id": None}
    findings = check_required_fields(make_doc(fields, CLEAN_ITEMS))
    assert codes(findings) == [("missing_field", "invoice.required.buyer_tax_id")]
    assert findings[0].severity is Severity.LOW


def test_starred_total_tax_is_not_missing() -> None:
    fields = {**clean_fields(), "total_tax": None}
    exempt_items = [{"amount": "47.17", "tax_rate": "免税", "tax": None}]
    assert check_required_fields(make_doc(fields, exempt_items)) == []
    noted = make_doc(fields, CLEAN_ITEMS, notes={"total_tax": "printed as ***"})
    assert check_required_fields(noted) == []
    unread = make_doc(fields, CLEAN_ITEMS, notes={"total_tax": "value not legible"})
    assert codes(check_required_fields(unread)) == [("missing_field", "invoice.required.total_tax")]


def test_no_items_is_a_low_finding() -> None:
    findings = check_required_fields(make_doc(clean_fields()))
    assert codes(findings) == [("missing_field", "invoice.required.items")]
    assert findings[0].severity is Severity.LOW


# -- runner -------------------------------------------------------------------------------------


def test_registry_names_each_check_once() -> None:
    names = [name for name, _ in INVOICE_CHECKS]
    assert len(names) == len(set(names))


def test_one_failing_check_does_not_hide_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(doc: Document) -> list[Finding]:
        raise RuntimeError("boom")

    monkeypatch.setattr(rules, "INVOICE_CHECKS", (("invoice.broken", broken), *INVOICE_CHECKS))
    doc = make_doc({**clean_fields(), "seller_tax_id": "91500106MA2CE71F65"}, CLEAN_ITEMS)
    findings = run_invoice_checks(doc)
    assert codes(findings) == [("invalid_tax_id", "invoice.tax_id.uscc_check")]
    assert [(e.stage, e.reason) for e in doc.errors] == [("check:invoice.broken", "check_failed")]
    assert "boom" in doc.errors[0].message


def test_every_finding_message_is_one_chinese_sentence() -> None:
    fields = {
        **clean_fields(),
        "seller_tax_id": "91500106MA2CE71F65",
        "buyer_tax_id": "312705303",
        "invoice_number": "2544700000111570341",
        "amount_with_tax_upper": "伍拾壹圆整",
        "issue_date": "2018-06-01",
        "total_amount": None,
    }
    findings = run_invoice_checks(make_doc(fields, CLEAN_ITEMS))
    assert {f.code for f in findings} == {
        "invalid_tax_id",
        "invalid_invoice_number",
        "amount_inconsistent",
        "missing_field",
    }
    for finding in findings:
        assert finding.message.endswith("。"), finding.message
        assert finding.message.count("。") == 1, finding.message


# -- real labels --------------------------------------------------------------------------------


def _label_files() -> list[Path]:
    return sorted(LABELS.rglob("*.json")) if LABELS.is_dir() else []


def doc_from_label(path: Path) -> Document:
    """A Document as a perfect extractor would leave it for this label."""
    label: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    notes = label.get("notes") or ""
    fields = {name: label.get(name) for name in INVOICE_FIELDS}
    field_notes = {"total_tax": "合计税额 printed as ***"} if "***" in notes else {}
    doc = make_doc(fields, label.get("items") or [], field_notes)
    doc.source.path = str(path.relative_to(LABELS)).removesuffix(".json")
    return doc


# Findings each real document should get; every other label must produce none. These are sample or
# placeholder invoices whose notes say so, except the two itinerary/demonstration layouts.
EXPECTED_REAL_FINDINGS = {
    # all-zero placeholder 发票代码: digits 11-12 "00" are no known kind
    "csfapiao1.ofd": [("invalid_invoice_number", "invoice.code_kind")],
    # air itinerary preview: number 2^63-1 (19 digits), no seller number, no 合计金额, no 大写, no items
    "xbrl-001.pdf": [
        ("missing_field", "invoice.required.seller_tax_id"),
        ("missing_field", "invoice.required.total_amount"),
        ("missing_field", "invoice.required.amount_with_tax_upper"),
        ("missing_field", "invoice.required.items"),
        ("invalid_invoice_number", "invoice.number_format"),
    ],
    # sample buyer number with an I; sample seller number failing its check character
    "发票示例.ofd": [
        ("invalid_tax_id", "invoice.tax_id.format"),
        ("invalid_tax_id", "invoice.tax_id.uscc_check"),
    ],
    "999.ofd": [("invalid_tax_id", "invoice.tax_id.uscc_check")],
    # seller number printed as a 9-digit QQ number on a printing-software demo
    "增值税普通发票-test.jpg": [("invalid_tax_id", "invoice.tax_id.format")],
}


@pytest.mark.skipif(not _label_files(), reason="real-data labels not available")
@pytest.mark.parametrize("path", _label_files(), ids=lambda p: p.name)
def test_real_labels(path: Path) -> None:
    doc = doc_from_label(path)
    findings = run_invoice_checks(doc)
    assert doc.errors == []
    name = path.name.removesuffix(".json")
    assert codes(findings) == EXPECTED_REAL_FINDINGS.get(name, []), [f.message for f in findings]
    # whatever else they hold, every real label's amounts are consistent
    assert not [f for f in findings if f.code in {"amount_inconsistent", "invalid_tax_rate"}]

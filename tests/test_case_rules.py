"""Case rules on dossiers built in code: each fires on its positive cases and stays silent on clean ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from docintel.case import BorrowerMethod, Case, CaseManifest, CaseManifestError, EntrustedPayee, load_manifest
from docintel.model import Box, Document, Evidence, FieldValue, Finding, Origin, Severity, SourceFile
from docintel.verify import CaseReport, InMemoryKnownInvoices, SettingsError, load_settings, verify_case, verify_cases
from docintel.verify.base import RuleResult
from docintel.verify.rules import report_result
from docintel.verify.scale import statement_period

BUYER = "徐州市恒通机械制造有限公司"
BUYER_ID = "91320300MA1HENGT0X"
SELLER = "江苏华钢物资贸易有限公司"
SELLER_ID = "91320300MA1HUAGA0Y"
SELLER_ACCOUNT = "1106020109000123456"

Value = str | Decimal | None


# --------------------------------------------------------------------------- factory


def fv(value: Value, page: int = 1) -> FieldValue:
    evidence = [Evidence(page=page, box=Box(x0=10, y0=20, x1=200, y1=32), origin=Origin.PDF_TEXT, text=str(value))]
    return FieldValue(value=value, confidence=0.99, evidence=evidence)


def make_doc(
    doc_type: str, path: str, fields: dict[str, Value], items: list[dict[str, Value]] | None = None
) -> Document:
    return Document(
        source=SourceFile(path=path, sha256="0" * 64, size=1, media_type="application/pdf"),
        doc_type=doc_type,
        fields={name: fv(value) for name, value in fields.items() if value is not None},
        items=[{key: fv(value) for key, value in item.items() if value is not None} for item in items or []],
    )


def set_field(doc: Document, name: str, value: Value) -> None:
    if value is None:
        doc.fields.pop(name, None)
    else:
        doc.fields[name] = fv(value)


def set_item(doc: Document, index: int, **values: Value) -> None:
    for key, value in values.items():
        doc.items[index][key] = fv(value)


def contract(**overrides: Value) -> Document:
    fields: dict[str, Value] = {
        "contract_number": "HG-2024-0301",
        "signing_date": "2024-03-01",
        "buyer_name": BUYER,
        "buyer_tax_id": BUYER_ID,
        "seller_name": SELLER,
        "seller_tax_id": SELLER_ID,
        "total_amount": Decimal("452000.00"),
        "tax_included": "含税",
        "delivery_date": "2024-03-25",
        "payment_terms": "合同签订后十五日内付清全款",
        "payee_account_name": SELLER,
        "payee_account_number": SELLER_ACCOUNT,
        "payee_bank": "中国工商银行徐州分行",
        "valid_from": "2024-03-01",
        "valid_to": "2024-12-31",
    }
    fields.update(overrides)
    item: dict[str, Value] = {
        "name": "热轧钢板",
        "spec": "Q235B 10mm",
        "unit": "吨",
        "quantity": Decimal("100"),
        "unit_price": Decimal("4520.00"),
        "amount": Decimal("452000.00"),
    }
    return make_doc("purchase_contract", "case/contract.pdf", fields, [item])


def invoice(path: str = "case/invoice.pdf", **overrides: Value) -> Document:
    fields: dict[str, Value] = {
        "invoice_number": "24322000000012345678",
        "issue_date": "2024-03-20",
        "buyer_name": BUYER,
        "buyer_tax_id": BUYER_ID,
        "seller_name": SELLER,
        "seller_tax_id": SELLER_ID,
        "seller_bank_account": f"中国工商银行徐州分行 {SELLER_ACCOUNT}",
        "total_amount": Decimal("400000.00"),
        "total_tax": Decimal("52000.00"),
        "amount_with_tax": Decimal("452000.00"),
    }
    fields.update(overrides)
    item: dict[str, Value] = {
        "name": "*黑色金属冶炼压延品*热轧钢板",
        "spec": "Q235B",
        "unit": "吨",
        "quantity": Decimal("100"),
        "unit_price": Decimal("4000.00"),
        "amount": Decimal("400000.00"),
        "tax_rate": "13%",
        "tax": Decimal("52000.00"),
    }
    return make_doc("vat_invoice", path, fields, [item])


def receipt(**overrides: Value) -> Document:
    fields: dict[str, Value] = {
        "payer_name": BUYER,
        "payer_account": "32050178360000000123",
        "payer_bank": "中国建设银行徐州分行",
        "payee_name": SELLER,
        "payee_account": SELLER_ACCOUNT,
        "payee_bank": "中国工商银行徐州分行",
        "amount": Decimal("452000.00"),
        "transaction_date": "2024-03-15 10:12:33",
        "purpose": "货款",
    }
    fields.update(overrides)
    return make_doc("bank_receipt", "case/receipt.pdf", fields)


def income_statement(**overrides: Value) -> Document:
    fields: dict[str, Value] = {
        "company_name": BUYER,
        "statement_date": "2023-12",
        "operating_revenue": Decimal("10000000.00"),
        "operating_cost": Decimal("8000000.00"),
        "net_profit": Decimal("600000.00"),
    }
    fields.update(overrides)
    return make_doc("income_statement", "case/income.pdf", fields)


def balance_sheet(**overrides: Value) -> Document:
    fields: dict[str, Value] = {
        "company_name": BUYER,
        "statement_date": "2023-12-31",
        "total_assets": Decimal("20000000.00"),
        "inventories": Decimal("3000000.00"),
    }
    fields.update(overrides)
    return make_doc("balance_sheet", "case/balance.pdf", fields)


def manifest(**overrides: object) -> CaseManifest:
    data: dict[str, object] = {
        "case_id": "C-2024-001",
        "borrower_name": BUYER,
        "borrower_tax_id": BUYER_ID,
        "loan_amount": Decimal("400000"),
        "loan_purpose": "采购原材料（热轧钢板）",
        "disbursement_date": date(2024, 3, 10),
        "entrusted_payee": EntrustedPayee(name=SELLER, account=SELLER_ACCOUNT),
    }
    data.update(overrides)
    return CaseManifest.model_validate(data)


def clean_documents() -> list[Document]:
    return [contract(), invoice(), receipt(), income_statement(), balance_sheet()]


def build(documents: list[Document], with_manifest: CaseManifest | None = None, case_id: str = "C-2024-001") -> Case:
    return Case.from_documents(documents, with_manifest, case_id=case_id, folder="case")


def run(documents: list[Document], with_manifest: CaseManifest | None = None, **kwargs: object) -> CaseReport:
    return verify_case(build(documents, with_manifest), **kwargs)  # type: ignore[arg-type]


def codes(report: CaseReport, code: str) -> list[Finding]:
    return [f for f in report.case_findings if f.code == code]


def not_info(report: CaseReport) -> list[Finding]:
    return [f for f in report.case_findings if f.severity is not Severity.INFO]


def assert_evidence(findings: list[Finding]) -> None:
    """Every finding names the document and field of each value it rests on."""
    for finding in findings:
        assert finding.evidence, finding
        assert finding.rule and finding.message
        for item in finding.evidence:
            assert item.document and item.field, finding


def with_docs(**replacements: Document) -> list[Document]:
    docs = {
        "contract": contract(),
        "invoice": invoice(),
        "receipt": receipt(),
        "income": income_statement(),
        "balance": balance_sheet(),
    }
    docs.update(replacements)
    return list(docs.values())


# --------------------------------------------------------------------------- the clean dossier


def test_clean_dossier_has_no_findings() -> None:
    report = run(clean_documents(), manifest())
    assert report.case_findings == []
    assert report.borrower is not None and report.borrower.method is BorrowerMethod.MANIFEST


def test_clean_dossier_without_manifest_has_only_info_findings() -> None:
    report = run(clean_documents())
    assert not_info(report) == []
    assert [f.inputs["missing"] for f in codes(report, "missing_document")] == ["manifest"]
    assert_evidence(report.case_findings)
    rules_not_run = {n.rule for n in report.not_run}
    assert {"case.scale.loan_amount", "case.timeline.payment_before_disbursement"} <= rules_not_run


def test_document_findings_are_gathered() -> None:
    docs = clean_documents()
    own = Finding(code="invalid_tax_id", severity=Severity.HIGH, message="…", rule="invoice.tax_id.uscc_check")
    docs[1].findings.append(own)
    report = run(docs, manifest())
    assert report.document_findings == [own]
    assert own in report.findings


def test_borrower_is_inferred_as_the_common_buyer() -> None:
    case = build(clean_documents())
    borrower = case.borrower
    assert borrower is not None
    assert (borrower.name, borrower.tax_id, borrower.method) == (BUYER, BUYER_ID, BorrowerMethod.COMMON_BUYER)
    assert borrower.supporting_documents == ["case/contract.pdf", "case/invoice.pdf"]
    assert borrower.evidence and borrower.evidence[0].page == 1


def test_borrower_from_statements_when_no_buyer_is_named() -> None:
    borrower = build([income_statement()]).borrower
    assert borrower is not None and borrower.method is BorrowerMethod.STATEMENT_COMPANY and borrower.name == BUYER


# --------------------------------------------------------------------------- payee_mismatch


def test_payment_to_a_natural_person_is_high() -> None:
    report = run(with_docs(receipt=receipt(payee_name="张伟", payee_account="6222021234567890123")), manifest())
    found = codes(report, "payee_mismatch")
    assert [f.severity for f in found] == [Severity.HIGH]
    assert "张伟" in found[0].message and SELLER in found[0].message
    assert_evidence(found)


def test_contract_account_and_entrusted_payee_in_a_persons_name_are_high() -> None:
    docs = with_docs(contract=contract(payee_account_name="李秀英", payee_account_number="6228480123456789012"))
    report = run(docs, manifest(entrusted_payee=EntrustedPayee(name="李秀英")))
    high = [f for f in codes(report, "payee_mismatch") if f.severity is Severity.HIGH]
    assert {f.evidence[0].document for f in high} == {"case/contract.pdf", "案件清单"}


def test_company_name_with_a_personal_card_is_medium() -> None:
    report = run(with_docs(receipt=receipt(payee_account="6228480123456789012")), manifest())
    found = codes(report, "payee_mismatch")
    assert any(f.rule == "case.payee.natural_person" and f.severity is Severity.MEDIUM for f in found)


def test_payment_to_a_third_company_is_medium() -> None:
    report = run(with_docs(receipt=receipt(payee_name="徐州鑫源商贸有限公司", payee_account="32001234567890123")))
    found = codes(report, "payee_mismatch")
    assert {f.rule for f in found} == {"case.payee.not_seller", "case.payee.account"}
    assert all(f.severity is Severity.MEDIUM for f in found)
    assert "徐州鑫源商贸有限公司" in found[0].message and SELLER in found[0].message


def test_seller_account_other_than_invoice_and_contract_is_medium() -> None:
    report = run(with_docs(receipt=receipt(payee_account="1106020109000999999")), manifest())
    found = codes(report, "payee_mismatch")
    assert [f.rule for f in found] == ["case.payee.account"]
    assert SELLER_ACCOUNT in found[0].message and "1106020109000999999" in found[0].message


@pytest.mark.parametrize(
    "payee",
    [
        "江苏华钢物资贸易有限责任公司",  # legal form written in full
        "江苏华钢物资贸易有限公司（徐州分公司）",  # a branch of the seller
        "江苏华钢物资 贸易有限公司",  # OCR space
        "江苏华钢物姿贸易有限公司",  # one misread character
    ],
)
def test_payee_near_misses_stay_silent(payee: str) -> None:
    report = run(with_docs(receipt=receipt(payee_name=payee, payee_account="1106 0201 0900 0123 456")), manifest())
    assert codes(report, "payee_mismatch") == []


def test_masked_receipt_account_matches_the_seller_account() -> None:
    report = run(with_docs(receipt=receipt(payee_account="1106****0123456")), manifest())
    assert codes(report, "payee_mismatch") == []


def test_company_whose_name_contains_a_surname_is_not_a_person() -> None:
    seller = "王府井百货有限公司"
    docs = [
        contract(seller_name=seller, payee_account_name=seller),
        invoice(seller_name=seller),
        receipt(payee_name=seller),
        income_statement(),
        balance_sheet(),
    ]
    report = run(docs, manifest(entrusted_payee=EntrustedPayee(name=seller, account=SELLER_ACCOUNT)))
    assert codes(report, "payee_mismatch") == []


# --------------------------------------------------------------------------- counterparty_mismatch


def test_invoice_seller_other_than_contract_seller() -> None:
    other = invoice(seller_name="山东瑞丰钢材有限公司", seller_tax_id="91370100MA3RUIFE0Z")
    found = codes(run(with_docs(invoice=other), manifest()), "counterparty_mismatch")
    assert [(f.rule, f.severity) for f in found] == [("case.counterparty.invoice_seller", Severity.HIGH)]
    assert "山东瑞丰钢材有限公司" in found[0].message and SELLER in found[0].message
    assert_evidence(found)


def test_invoice_seller_differing_by_name_only_is_medium() -> None:
    other = invoice(seller_name="山东瑞丰钢材有限公司", seller_tax_id=None)
    found = codes(run(with_docs(invoice=other), manifest()), "counterparty_mismatch")
    assert [f.severity for f in found] == [Severity.MEDIUM]


@pytest.mark.parametrize(
    "overrides",
    [
        {"seller_name": "江苏华钢物资贸易有限责任公司", "seller_tax_id": None},
        {"seller_name": "江苏华钢物姿贸易有限公司", "seller_tax_id": None},  # OCR confusion
        {"seller_name": "江苏华钢物姿贸易有限公司"},  # misread name, same tax ID
        {"seller_name": "江苏华钢物资贸易有限公司徐州分公司", "seller_tax_id": "91320300MA1BRANCH1"},
    ],
)
def test_invoice_seller_near_misses_stay_silent(overrides: dict[str, Value]) -> None:
    report = run(with_docs(invoice=invoice(**overrides)), manifest())
    assert codes(report, "counterparty_mismatch") == []


def test_buyer_and_payer_other_than_the_borrower() -> None:
    docs = with_docs(
        invoice=invoice(buyer_name="徐州市恒达机电有限公司", buyer_tax_id="91320300MA1HENGD0Q"),
        receipt=receipt(payer_name="徐州市恒达机电有限公司"),
    )
    found = codes(run(docs, manifest()), "counterparty_mismatch")
    assert {(f.rule, f.evidence[0].document) for f in found} == {
        ("case.counterparty.buyer", "case/invoice.pdf"),
        ("case.counterparty.payer", "case/receipt.pdf"),
    }
    assert all(BUYER in f.message for f in found)


def test_borrower_written_with_half_width_brackets_is_the_same() -> None:
    name = "徐州市恒通机械制造（集团）有限公司"
    docs = [contract(buyer_name=name), invoice(buyer_name="徐州市恒通机械制造(集团)有限责任公司", buyer_tax_id=None)]
    report = run(docs, manifest(borrower_name=name))
    assert codes(report, "counterparty_mismatch") == []


# --------------------------------------------------------------------------- implausible_quantity


def test_contracts_beyond_a_year_of_operating_cost() -> None:
    docs = with_docs(income=income_statement(operating_cost=Decimal("300000.00")))
    found = [f for f in codes(run(docs, manifest()), "implausible_quantity") if f.rule == "case.scale.operating_cost"]
    assert len(found) == 1 and found[0].inputs["operating_cost"] == "300000.00"
    assert_evidence(found)


def test_half_year_statement_is_annualised() -> None:
    # 250,000 of cost in January–June is 500,000 a year: a 452,000 contract is within 12 months of it,
    # though it exceeds the half-year figure itself.
    docs = with_docs(income=income_statement(statement_date="2024-06", operating_cost=Decimal("250000.00")))
    assert codes(run(docs, manifest()), "implausible_quantity") == []
    docs = with_docs(income=income_statement(statement_date="2024-06", operating_cost=Decimal("200000.00")))
    assert len(codes(run(docs, manifest()), "implausible_quantity")) == 1


@pytest.mark.parametrize(
    ("fields", "months"),
    [
        ({"statement_date": "2024-06"}, 6),
        ({"statement_date": "2024-06", "current_period": "2024-06/2024-06"}, 1),  # the 本月 column
        ({"statement_date": "2024-06", "current_period": "2024-01/2024-06"}, 6),
        ({"statement_date": "2023-12-31"}, 12),
        ({"statement_date": "2023年度"}, 12),
        ({"period": "2024年1-3月"}, 3),
        ({"period": "2024年第二季度"}, 3),
        ({}, 12),
    ],
)
def test_statement_period(fields: dict[str, Value], months: int) -> None:
    assert statement_period(make_doc("income_statement", "s.pdf", fields)).months == months


def test_contracts_beyond_half_of_total_assets_and_the_loan() -> None:
    docs = with_docs(balance=balance_sheet(total_assets=Decimal("800000.00")))
    found = codes(run(docs, manifest(loan_amount=Decimal("250000"))), "implausible_quantity")
    assert {f.rule for f in found} == {"case.scale.total_assets", "case.scale.loan_amount"}


def test_absurd_and_non_positive_quantities() -> None:
    big = contract()
    set_item(big, 0, quantity=Decimal("2000000"))
    zero = invoice()
    set_item(zero, 0, quantity=Decimal("0"))
    found = [f for f in codes(run(with_docs(contract=big, invoice=zero)), "implausible_quantity")]
    unit_bounds = [f for f in found if f.rule == "case.quantity.unit_bounds"]
    assert {f.evidence[0].document for f in unit_bounds} == {"case/contract.pdf", "case/invoice.pdf"}
    assert_evidence(found)


def test_red_letter_invoice_line_is_not_absurd() -> None:
    credit = invoice()
    set_item(credit, 0, quantity=Decimal("-1"), amount=Decimal("-4000.00"))
    report = run(with_docs(invoice=credit), manifest())
    assert [f for f in codes(report, "implausible_quantity") if f.rule == "case.quantity.unit_bounds"] == []


def test_contract_line_arithmetic_with_cent_rounding() -> None:
    off = contract()
    set_item(off, 0, amount=Decimal("450000.00"))
    found = [f for f in codes(run(with_docs(contract=off)), "implausible_quantity")]
    assert [f.rule for f in found] == ["case.quantity.line_arithmetic"]
    rounded = contract(total_amount=Decimal("150665.17"))
    set_item(rounded, 0, quantity=Decimal("33.333"), amount=Decimal("150665.17"))  # 150665.16 exactly
    report = run(with_docs(contract=rounded))
    assert [f for f in codes(report, "implausible_quantity") if f.rule == "case.quantity.line_arithmetic"] == []


# --------------------------------------------------------------------------- amount_inconsistent


@pytest.mark.parametrize("with_tax", ["500000.00", "420000.00"])
def test_invoices_vs_contract_beyond_five_percent_in_both_directions(with_tax: str) -> None:
    docs = with_docs(invoice=invoice(amount_with_tax=Decimal(with_tax)))
    found = [f for f in codes(run(docs, manifest()), "amount_inconsistent") if "invoices_vs" in f.rule]
    assert len(found) == 1 and found[0].inputs["invoices_total"] == with_tax
    assert f"¥{with_tax}" in found[0].message and "¥452000.00" in found[0].message
    assert_evidence(found)


@pytest.mark.parametrize("with_tax", ["452000.01", "451999.99", "470000.00"])
def test_invoices_vs_contract_within_tolerance(with_tax: str) -> None:
    docs = with_docs(invoice=invoice(amount_with_tax=Decimal(with_tax)))
    assert [f for f in codes(run(docs), "amount_inconsistent") if "invoices_vs" in f.rule] == []


def test_contract_without_tax_is_compared_with_invoice_amounts_before_tax() -> None:
    plain = contract(total_amount=Decimal("400000.00"), tax_included="不含税")
    set_item(plain, 0, unit_price=Decimal("4000.00"), amount=Decimal("400000.00"))
    docs = with_docs(contract=plain, receipt=receipt(amount=Decimal("400000.00")))
    report = run(docs, manifest())
    assert codes(report, "amount_inconsistent") == []


def test_payments_beyond_contract_and_invoices_and_short_of_the_loan() -> None:
    report = run(with_docs(receipt=receipt(amount=Decimal("600000.00"))), manifest())
    assert {f.rule for f in codes(report, "amount_inconsistent")} == {
        "case.amounts.payments_vs_contracts",
        "case.amounts.payments_vs_invoices",
    }
    report = run(with_docs(receipt=receipt(amount=Decimal("300000.00"))), manifest())
    assert [f.rule for f in codes(report, "amount_inconsistent")] == ["case.amounts.payments_vs_loan"]


def test_loan_beyond_the_contracts() -> None:
    report = run(with_docs(receipt=receipt(amount=Decimal("600000.00"))), manifest(loan_amount=Decimal("600000")))
    assert "case.amounts.loan_vs_contracts" in {f.rule for f in codes(report, "amount_inconsistent")}


def test_invoice_unit_price_differs_from_contract() -> None:
    pricey = invoice()
    set_item(pricey, 0, unit_price=Decimal("4300.00"))
    found = [f for f in codes(run(with_docs(invoice=pricey)), "amount_inconsistent") if f.rule.endswith("unit_prices")]
    assert len(found) == 1 and "4300" in found[0].message and "4520" in found[0].message
    assert [e.field for e in found[0].evidence] == ["items[0].unit_price", "items[0].unit_price"]


def test_invoice_unit_price_in_another_unit_is_not_compared() -> None:
    kilos = invoice()
    set_item(kilos, 0, unit="kg", unit_price=Decimal("4.00"), quantity=Decimal("100000"))
    report = run(with_docs(invoice=kilos))
    assert [f for f in codes(report, "amount_inconsistent") if f.rule.endswith("unit_prices")] == []
    assert any(n.rule == "case.amounts.unit_prices" for n in report.not_run)


# --------------------------------------------------------------------------- goods_mismatch


def test_invoice_goods_unrelated_to_the_contract() -> None:
    wine = invoice()
    set_item(wine, 0, name="*酒*白酒")
    found = codes(run(with_docs(invoice=wine), manifest()), "goods_mismatch")
    assert len(found) == 1 and "白酒" in found[0].message and "热轧钢板" in found[0].message
    assert_evidence(found)


@pytest.mark.parametrize("name", ["*黑色金属冶炼压延品*热轧钢板Q235B", "*黑色金属冶炼压延品*热轧卷板", "热轧钢板"])
def test_invoice_goods_near_misses_stay_silent(name: str) -> None:
    similar = invoice()
    set_item(similar, 0, name=name)
    assert codes(run(with_docs(invoice=similar), manifest()), "goods_mismatch") == []


def test_contract_naming_goods_by_tax_category() -> None:
    by_category = contract()
    set_item(by_category, 0, name="黑色金属冶炼压延品")
    generic = invoice()
    set_item(generic, 0, name="*黑色金属冶炼压延品*钢材")
    assert codes(run(with_docs(contract=by_category, invoice=generic)), "goods_mismatch") == []


# --------------------------------------------------------------------------- duplicate_invoice


def test_same_invoice_twice_with_different_amounts_is_high() -> None:
    forged = invoice("case/invoice-2.pdf", amount_with_tax=Decimal("452000.00"), seller_tax_id="91370100MA3RUIFE0Z")
    found = codes(run([*clean_documents(), forged], manifest()), "duplicate_invoice")
    assert [f.severity for f in found] == [Severity.HIGH]
    assert {e.document for e in found[0].evidence} == {"case/invoice.pdf", "case/invoice-2.pdf"}


def test_same_invoice_as_pdf_and_ofd_is_medium_and_counted_once() -> None:
    copy = invoice("case/invoice.ofd")
    report = run([*clean_documents(), copy], manifest())
    assert [f.severity for f in codes(report, "duplicate_invoice")] == [Severity.MEDIUM]
    assert codes(report, "amount_inconsistent") == []  # Σ invoices counts the invoice once


def test_legacy_invoice_code_and_number_identify_the_invoice() -> None:
    first = invoice(invoice_number="01234567", invoice_code="3200191130")
    second = invoice("case/again.pdf", invoice_number="01234567", invoice_code="3200191130")
    other_code = invoice("case/other.pdf", invoice_number="01234567", invoice_code="3200191131")
    report = run([first, second, other_code])
    assert len(codes(report, "duplicate_invoice")) == 1


def test_invoice_used_in_another_case() -> None:
    first = build(clean_documents(), manifest())
    second = build([invoice("other/invoice.pdf")], manifest(case_id="C-2024-002"), case_id="C-2024-002")
    reports = verify_cases([first, second])
    assert codes(reports[0], "duplicate_invoice") == []
    found = codes(reports[1], "duplicate_invoice")
    assert len(found) == 1 and "C-2024-001" in found[0].message and found[0].severity is Severity.HIGH


def test_reverifying_a_case_does_not_flag_its_own_invoices() -> None:
    register = InMemoryKnownInvoices()
    case = build(clean_documents(), manifest())
    verify_case(case, known_invoices=register)
    assert codes(verify_case(case, known_invoices=register), "duplicate_invoice") == []
    assert len(register.lookup("24322000000012345678")) == 1


# --------------------------------------------------------------------------- timeline_inconsistent


def test_invoice_and_payment_before_signing() -> None:
    docs = with_docs(invoice=invoice(issue_date="2024-02-20"), receipt=receipt(transaction_date="2024-02-28"))
    found = codes(run(docs), "timeline_inconsistent")
    assert {f.rule for f in found} == {
        "case.timeline.invoice_before_contract",
        "case.timeline.payment_before_contract",
        "case.timeline.invoice_outside_validity",
    }
    assert_evidence(found)


def test_invoice_after_validity() -> None:
    found = codes(run(with_docs(invoice=invoice(issue_date="2025-01-05"))), "timeline_inconsistent")
    assert [f.rule for f in found] == ["case.timeline.invoice_outside_validity"]
    assert "2025-01-05" in found[0].message and "2024-12-31" in found[0].message


def test_payment_before_disbursement() -> None:
    found = codes(run(with_docs(receipt=receipt(transaction_date="2024年3月5日")), manifest()), "timeline_inconsistent")
    assert [f.rule for f in found] == ["case.timeline.payment_before_disbursement"]
    assert found[0].evidence[1].document == "案件清单"


def test_same_day_is_in_order() -> None:
    docs = with_docs(invoice=invoice(issue_date="2024-03-01"), receipt=receipt(transaction_date="20240310"))
    assert codes(run(docs, manifest()), "timeline_inconsistent") == []


# --------------------------------------------------------------------------- missing_document


def test_invoice_only_dossier_reports_what_could_not_be_checked() -> None:
    report = run([invoice()])
    missing = codes(report, "missing_document")
    assert {f.inputs["missing"] for f in missing} == {"contract", "receipt", "statements", "manifest"}
    assert all(f.severity is Severity.INFO for f in missing)
    assert_evidence(missing)
    assert not_info(report) == []
    reasons = {n.rule: n.reason for n in report.not_run}
    assert "case.scale.operating_cost" in reasons and "采购规模" in reasons["case.scale.operating_cost"]
    assert "case.payee.natural_person" in reasons


def test_a_failing_rule_is_reported_as_not_run() -> None:
    report = CaseReport(case_id="x", borrower=None)

    def broken() -> RuleResult:
        raise ZeroDivisionError("boom")

    report_result(report, "case.broken", broken)
    assert report.not_run[0].rule == "case.broken" and "ZeroDivisionError" in report.not_run[0].reason


# --------------------------------------------------------------------------- manifest and settings

MANIFEST_TOML = """
case_id = "C-2024-001"
borrower_name = "徐州市恒通机械制造有限公司"
borrower_tax_id = "91320300MA1HENGT0X"
loan_amount = "400000.00"
loan_purpose = "采购原材料"
disbursement_date = 2024-03-10

[entrusted_payee]
name = "江苏华钢物资贸易有限公司"
account = "1106020109000123456"
"""


def test_manifest_from_toml_and_json(tmp_path: Path) -> None:
    (tmp_path / "case.toml").write_text(MANIFEST_TOML, encoding="utf-8")
    loaded = load_manifest(tmp_path)
    assert loaded is not None and loaded.loan_amount == Decimal("400000.00")
    assert loaded.entrusted_payee is not None and loaded.entrusted_payee.account == SELLER_ACCOUNT
    json_dir = tmp_path / "j"
    json_dir.mkdir()
    (json_dir / "case.json").write_text(loaded.model_dump_json(), encoding="utf-8")
    assert load_manifest(json_dir) == loaded
    assert load_manifest(tmp_path / "j" / "..") is not None
    (tmp_path / "empty").mkdir()
    assert load_manifest(tmp_path / "empty") is None


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("case.toml", "case_id = ", "not valid TOML"),
        ("case.json", "{", "not valid JSON"),
        ("case.json", json.dumps([1]), "must be an object"),
        ("case.json", json.dumps({"case_id": "x"}), "borrower_name"),
        ("case.json", json.dumps({"case_id": "x", "borrower_name": "y", "loan_amout": 1}), "loan_amout"),
        ("case.json", json.dumps({"case_id": "x", "borrower_name": "y", "loan_amount": "abc"}), "loan_amount"),
        ("case.json", json.dumps({"case_id": "x", "borrower_name": "y", "disbursement_date": "3/10"}), "disbursement"),
    ],
)
def test_malformed_manifest_errors_name_the_problem(tmp_path: Path, name: str, content: str, expected: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(CaseManifestError, match=expected):
        load_manifest(tmp_path)


def test_case_from_folder_takes_its_manifest(tmp_path: Path) -> None:
    (tmp_path / "case.toml").write_text(MANIFEST_TOML, encoding="utf-8")
    case = Case.from_folder(tmp_path, clean_documents())
    assert case.case_id == "C-2024-001" and case.manifest_path == str(tmp_path / "case.toml")
    report = verify_case(case)
    assert report.case_findings == []
    assert report.model_dump(mode="json")["borrower"]["method"] == "manifest"
    bare = tmp_path / "C-2024-009"
    bare.mkdir()
    assert Case.from_folder(bare, [invoice()]).case_id == "C-2024-009"


def test_two_manifests_are_ambiguous(tmp_path: Path) -> None:
    (tmp_path / "case.toml").write_text(MANIFEST_TOML, encoding="utf-8")
    (tmp_path / "case.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CaseManifestError, match="both"):
        load_manifest(tmp_path)


def test_user_settings_override_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "settings.toml"
    user.write_text("[amounts]\nrelative_tolerance = 0.2\n", encoding="utf-8")
    monkeypatch.setenv("DOCINTEL_SETTINGS", str(user))
    settings = load_settings()
    assert settings.amounts.relative_tolerance == Decimal("0.2")
    assert settings.amounts.unit_price_tolerance == Decimal("0.05")  # untouched default
    docs = with_docs(invoice=invoice(amount_with_tax=Decimal("420000.00")))
    assert codes(run(docs, manifest(), settings=settings), "amount_inconsistent") == []


@pytest.mark.parametrize("content", ["[amounts]\nrelative_tolerence = 0.2\n", "[amounts]\nrelative_tolerance = -1\n"])
def test_invalid_user_settings_are_refused(tmp_path: Path, content: str) -> None:
    user = tmp_path / "settings.toml"
    user.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match="relative_tol"):
        load_settings(user)


def test_every_positive_finding_carries_evidence() -> None:
    scenarios: list[Callable[[], CaseReport]] = [
        lambda: run(with_docs(receipt=receipt(payee_name="张伟", payee_account="6222021234567890123")), manifest()),
        lambda: run([invoice()]),
        lambda: run(with_docs(balance=balance_sheet(total_assets=Decimal("1000"))), manifest()),
    ]
    for scenario in scenarios:
        assert_evidence(scenario().case_findings)

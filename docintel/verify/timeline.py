"""`timeline_inconsistent`: invoices and payments must follow the contract, and payments the loan.

An invoice or a payment dated before the contract was signed, an invoice outside the contract's
validity, or a payment before the loan was disbursed means the documents do not describe one
transaction financed by this loan (a reused invoice or receipt, a contract written afterwards).
"""

from __future__ import annotations

from datetime import date

from docintel.case import Case
from docintel.model import Document, EvidenceItem, Severity
from docintel.verify.base import RuleResult, date_of, field_evidence, make_finding, not_run
from docintel.verify.settings import Settings


def _earliest_signing(case: Case) -> tuple[date, Document] | None:
    signed = [(d, doc) for doc in case.documents_of("purchase_contract") if (d := date_of(doc, "signing_date"))]
    return min(signed, key=lambda entry: entry[0]) if signed else None


def _before_signing(case: Case, doc_type: str, field: str, rule: str, label: str) -> RuleResult:
    signing = _earliest_signing(case)
    dated = [(d, doc) for doc in case.documents_of(doc_type) if (d := date_of(doc, field))]
    if signing is None:
        return not_run(rule, "无合同或签订日期未读出，时间顺序未核对")
    if not dated:
        return not_run(rule, f"无{label}或{label}日期未读出")
    signed_on, contract = signing
    result = RuleResult()
    for when, doc in dated:
        if when >= signed_on:
            continue
        result.findings.append(
            make_finding(
                "timeline_inconsistent",
                Severity.MEDIUM,
                f"{label}日期 {when.isoformat()} 早于合同签订日期 {signed_on.isoformat()}，"
                f"先有{label}后签合同不合交易常理，请核实是否为补签合同或挪用旧单据。",
                rule,
                {f"{field}": when.isoformat(), "signing_date": signed_on.isoformat()},
                [field_evidence(doc, field), field_evidence(contract, "signing_date")],
                "不早于合同签订日期",
            )
        )
    return result


def check_invoices_after_signing(case: Case, settings: Settings) -> RuleResult:
    return _before_signing(case, "vat_invoice", "issue_date", "case.timeline.invoice_before_contract", "发票")


def check_payments_after_signing(case: Case, settings: Settings) -> RuleResult:
    return _before_signing(case, "bank_receipt", "transaction_date", "case.timeline.payment_before_contract", "付款")


def check_invoices_within_validity(case: Case, settings: Settings) -> RuleResult:
    """An invoice must fall within the validity of at least one contract that states one."""
    rule = "case.timeline.invoice_outside_validity"
    periods = [
        (date_of(doc, "valid_from"), date_of(doc, "valid_to"), doc)
        for doc in case.documents_of("purchase_contract")
        if date_of(doc, "valid_from") or date_of(doc, "valid_to")
    ]
    if not periods:
        return not_run(rule, "合同未载明有效期，发票日期未与有效期核对")
    result = RuleResult()
    for doc in case.documents_of("vat_invoice"):
        issued = date_of(doc, "issue_date")
        if issued is None:
            continue
        inside = any((start is None or start <= issued) and (end is None or issued <= end) for start, end, _ in periods)
        if inside:
            continue
        evidence: list[EvidenceItem] = [field_evidence(doc, "issue_date")]
        for start, end, contract in periods:
            evidence += [field_evidence(contract, f) for f, v in (("valid_from", start), ("valid_to", end)) if v]
        spans = "、".join(f"{s or '…'} 至 {e or '…'}" for s, e, _ in periods)
        result.findings.append(
            make_finding(
                "timeline_inconsistent",
                Severity.MEDIUM,
                f"发票开票日期 {issued.isoformat()} 不在合同有效期（{spans}）内，请核实该发票是否属于本合同。",
                rule,
                {"issue_date": issued.isoformat(), "validity": spans},
                evidence,
                "开票日期在合同有效期内",
            )
        )
    return result


def check_payments_after_disbursement(case: Case, settings: Settings) -> RuleResult:
    """A payment made before the loan existed cannot have been paid with it."""
    rule = "case.timeline.payment_before_disbursement"
    disbursed = case.manifest.disbursement_date if case.manifest else None
    if disbursed is None:
        return not_run(rule, "案件清单未载明放款日期，付款时间未与放款核对")
    receipts = [(d, doc) for doc in case.documents_of("bank_receipt") if (d := date_of(doc, "transaction_date"))]
    if not receipts:
        return not_run(rule, "无银行回单或交易日期未读出")
    result = RuleResult()
    for when, doc in receipts:
        if when >= disbursed:
            continue
        result.findings.append(
            make_finding(
                "timeline_inconsistent",
                Severity.MEDIUM,
                f"银行回单交易日期 {when.isoformat()} 早于放款日期 {disbursed.isoformat()}，"
                "该笔付款不可能使用本笔贷款资金，请核实回单是否为旧单据。",
                rule,
                {"transaction_date": when.isoformat(), "disbursement_date": disbursed.isoformat()},
                [field_evidence(doc, "transaction_date"), case.manifest_evidence("disbursement_date", disbursed)],
                "不早于放款日期",
            )
        )
    return result

"""Checks of one bank receipt: 大写 vs 小写, and the fields an officer cannot do without.

A receipt is the proof that loan money left for a counterparty: who paid, who was paid (name and
account, so a payment to a person instead of the contract's company shows), how much and when. A
missing one is reported with the extractor's reason (label printed blank, or not found at all).
"""

from __future__ import annotations

from docintel.checks.amounts import parse_upper_amount, upper_amount_matches
from docintel.checks.common import decimal_field, evidence_item, money, text_field
from docintel.model import Document, FieldValue, Finding, Severity

FIELD_LABELS = {
    "payer_name": "付款人名称",
    "payee_name": "收款人名称",
    "payee_account": "收款人账号",
    "amount": "金额（小写）",
    "transaction_date": "交易日期",
}
REQUIRED_FIELDS = ("payer_name", "payee_name", "payee_account", "amount", "transaction_date")


def check_upper_vs_lower(doc: Document) -> list[Finding]:
    """The 大写 amount must read exactly the 小写 amount."""
    upper_fv, lower_fv = doc.fields.get("amount_upper"), doc.fields.get("amount")
    upper, lower = text_field(upper_fv), decimal_field(lower_fv)
    if upper is None or lower is None or upper_amount_matches(upper, lower):
        return []
    try:
        reading = f"（{parse_upper_amount(upper):.2f}）"
        message = f"回单金额大写 {upper}{reading} 与小写 {money(lower)} 不一致。"
        rule, severity = "bank_receipt.upper_vs_lower", Severity.HIGH
    except ValueError:
        reading = ""
        message = f"回单金额大写 {upper} 不是规范的大写金额，无法与小写 {money(lower)} 核对，请对照原件确认。"
        rule, severity = "bank_receipt.upper_unreadable", Severity.MEDIUM
    return [
        Finding(
            code="amount_inconsistent",
            severity=severity,
            message=message,
            rule=rule,
            inputs={"amount_upper": upper, "upper_value": reading.strip("（）") or None, "amount": str(lower)},
            threshold="0",
            evidence=[evidence_item(doc, "amount_upper", upper_fv), evidence_item(doc, "amount", lower_fv)],
        )
    ]


def check_required_fields(doc: Document) -> list[Finding]:
    """`missing_field` for each of payer/payee name, payee account, amount and date left empty."""
    findings = []
    for name in REQUIRED_FIELDS:
        fv = doc.fields.get(name)
        if text_field(fv) is not None:
            continue
        findings.append(_missing(doc, name, fv))
    return findings


def _missing(doc: Document, name: str, fv: FieldValue | None) -> Finding:
    reason = f"（{fv.note}）" if fv is not None and fv.note else ""
    return Finding(
        code="missing_field",
        severity=Severity.MEDIUM,
        message=f"未能从回单读取{FIELD_LABELS[name]}{reason}，请对照原件补录或核实。",
        rule=f"bank_receipt.required.{name}",
        inputs={"field": name, "note": None if fv is None else fv.note},
        evidence=[evidence_item(doc, name, fv)] if fv is not None else [],
    )


CHECKS = (
    ("bank_receipt.required", check_required_fields),
    ("bank_receipt.amounts", check_upper_vs_lower),
)

"""`missing_field`: required invoice fields that extraction left empty.

Key fields (medium) are those an officer cannot check an invoice without; the others (low) are
expected on the invoice's kind but matter less. A 合计税额 printed as *** (exempt) is null on purpose.
"""

from __future__ import annotations

import re

from docintel.checks.amounts import tax_printed_as_stars
from docintel.checks.common import evidence_item, text_field
from docintel.model import Document, FieldValue, Finding, Severity

FIELD_LABELS = {
    "invoice_kind": "发票名称",
    "invoice_code": "发票代码",
    "invoice_number": "发票号码",
    "issue_date": "开票日期",
    "check_code": "校验码",
    "buyer_name": "购买方名称",
    "buyer_tax_id": "购买方纳税人识别号",
    "seller_name": "销售方名称",
    "seller_tax_id": "销售方纳税人识别号",
    "total_amount": "合计金额",
    "total_tax": "合计税额",
    "amount_with_tax": "价税合计（小写）",
    "amount_with_tax_upper": "价税合计（大写）",
}
KEY_FIELDS = (
    "invoice_number",
    "issue_date",
    "buyer_name",
    "seller_name",
    "seller_tax_id",
    "total_amount",
    "total_tax",
    "amount_with_tax",
)
OTHER_FIELDS = ("invoice_kind", "amount_with_tax_upper")
# Kinds from digits 11-12 of a 12-digit code that print a 校验码 (普通发票 of every form).
_CHECK_CODE_KINDS = frozenset({"04", "05", "06", "07", "11", "12"})


def is_digital_invoice(doc: Document) -> bool:
    """数电票: a 20-digit number, or a kind printed as 电子发票（…）."""
    number = text_field(doc.fields.get("invoice_number")) or ""
    kind = text_field(doc.fields.get("invoice_kind")) or ""
    return bool(re.fullmatch(r"\d{20}", number)) or kind.startswith("电子发票")


def needs_invoice_code(doc: Document) -> bool:
    number = text_field(doc.fields.get("invoice_number")) or ""
    return bool(re.fullmatch(r"\d{8}", number))


def needs_check_code(doc: Document) -> bool:
    """普通发票 (paper, 卷票, electronic) print a 校验码; paper 专票 and 数电票 have none."""
    if is_digital_invoice(doc):
        return False
    kind = text_field(doc.fields.get("invoice_kind")) or ""
    if "普通发票" in kind:
        return True
    code = text_field(doc.fields.get("invoice_code")) or ""
    return len(code) == 12 and code[10:] in _CHECK_CODE_KINDS


def needs_buyer_tax_id(doc: Document) -> bool:
    """A 专用发票 is issued to a registered taxpayer, so it always names the buyer's number."""
    kind = text_field(doc.fields.get("invoice_kind")) or ""
    return "专用发票" in kind


def _is_missing(fv: FieldValue | None) -> bool:
    return fv is None or text_field(fv) is None


def required_fields(doc: Document) -> list[tuple[str, Severity]]:
    """The fields this invoice must show, with the severity of their absence."""
    fields = [(name, Severity.MEDIUM) for name in KEY_FIELDS]
    if needs_invoice_code(doc):
        fields.append(("invoice_code", Severity.MEDIUM))
    if needs_check_code(doc):
        fields.append(("check_code", Severity.MEDIUM))
    if needs_buyer_tax_id(doc):
        fields.append(("buyer_tax_id", Severity.LOW))
    fields += [(name, Severity.LOW) for name in OTHER_FIELDS]
    return fields


def check_required_fields(doc: Document) -> list[Finding]:
    """`missing_field` for each required field that is null, with the extractor's reason."""
    findings: list[Finding] = []
    for name, severity in required_fields(doc):
        fv = doc.fields.get(name)
        if not _is_missing(fv):
            continue
        if name == "total_tax" and tax_printed_as_stars(fv, doc.items):
            continue
        findings.append(_missing_finding(doc, name, severity, fv))
    if not doc.items:
        findings.append(
            Finding(
                code="missing_field",
                severity=Severity.LOW,
                message="未读取到任何货物或应税劳务明细行，请对照原件核对明细。",
                rule="invoice.required.items",
                inputs={"field": "items"},
            )
        )
    return findings


def _missing_finding(doc: Document, name: str, severity: Severity, fv: FieldValue | None) -> Finding:
    label = FIELD_LABELS.get(name, name)
    reason = f"（{fv.note}）" if fv is not None and fv.note else ""
    return Finding(
        code="missing_field",
        severity=severity,
        message=f"未能读取{label}{reason}，请对照原件补录或核实。",
        rule=f"invoice.required.{name}",
        inputs={"field": name, "note": None if fv is None else fv.note},
        evidence=[evidence_item(doc, name, fv)] if fv is not None else [],
    )

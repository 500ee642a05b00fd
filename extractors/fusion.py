"""Fuse what the page says with what the file carries: OFD/XML invoice data and the QR code.

Policy (each case keeps its evidence, so an officer sees both readings):
- OFD/XML data is the issuer's own record: it fills fields the page text lacks and is preferred on
  disagreement; a disagreement with exact page text (OFD/PDF text layer) becomes `source_mismatch`.
- The QR code carries invoice code, number, date, check code and an amount. Agreement raises the
  field's confidence. A missing or malformed OCR reading is replaced by the QR value. Exact page
  text (text layer, OFD) that disagrees with the QR is a strong tampering signal (`qr_mismatch`,
  high); an OCR reading that disagrees is most likely an OCR error: the QR value is used (it has
  error correction) and a low `qr_mismatch` keeps the two readings visible.
"""

from __future__ import annotations

from decimal import Decimal

from docintel.evaluation import normalise
from docintel.model import (
    Document,
    EmbeddedData,
    EvidenceItem,
    FieldValue,
    Finding,
    Origin,
    Severity,
)

_QR_FIELDS = ("invoice_code", "invoice_number", "issue_date", "check_code")
_EXACT_ORIGINS = {Origin.PDF_TEXT, Origin.OFD, Origin.XML}
_FIELD_LABELS = {
    "invoice_code": "发票代码",
    "invoice_number": "发票号码",
    "issue_date": "开票日期",
    "check_code": "校验码",
    "total_amount": "合计金额",
    "amount_with_tax": "价税合计",
}


def fuse_embedded(doc: Document) -> None:
    structured = [e for e in doc.embedded if e.origin is not Origin.QR]
    for data in sorted(structured, key=_priority):
        _fuse_structured(doc, data)
    for data in (e for e in doc.embedded if e.origin is Origin.QR):
        _fuse_qr(doc, data)


def _priority(data: EmbeddedData) -> int:
    # Applied in this order; a later source overrides an earlier one on disagreement, so the
    # issuer's XML (most complete, typed) comes last.
    if "tag" in data.description.lower():
        return 0
    return 1 if data.origin is Origin.OFD else 2


def _fuse_structured(doc: Document, data: EmbeddedData) -> None:
    for name, embedded in data.fields.items():
        if embedded.value is None:
            continue
        current = doc.fields.get(name)
        if current is None or current.value is None:
            doc.fields[name] = embedded
            continue
        if _same(current.value, embedded.value):
            current.confidence = max(current.confidence, embedded.confidence, 0.99)
            current.evidence.extend(embedded.evidence)
            continue
        if current.evidence and current.evidence[0].origin in _EXACT_ORIGINS:
            doc.findings.append(_mismatch("source_mismatch", Severity.MEDIUM, name, current, embedded, data))
        doc.fields[name] = embedded
    if data.items:
        doc.items = data.items


def _fuse_qr(doc: Document, data: EmbeddedData) -> None:
    for name in _QR_FIELDS:
        qr = data.fields.get(name)
        if qr is None or qr.value is None:
            continue
        current = doc.fields.get(name)
        if current is None or current.value is None or not _well_formed(name, str(current.value)):
            qr.note = "票面未能读出或格式不符，取自二维码"
            doc.fields[name] = qr
        elif _same(current.value, qr.value):
            current.confidence = max(current.confidence, 0.995)
            current.evidence.extend(qr.evidence)
        else:
            exact = bool(current.evidence) and current.evidence[0].origin in _EXACT_ORIGINS
            severity = Severity.HIGH if exact else Severity.LOW
            doc.findings.append(_mismatch("qr_mismatch", severity, name, current, qr, data))
            if not exact:
                qr.note = f"OCR 读为 {current.value}，与二维码不一致，取二维码值"
                doc.fields[name] = qr
    _fuse_qr_amount(doc, data)


def _fuse_qr_amount(doc: Document, data: EmbeddedData) -> None:
    qr = data.fields.get("qr_amount")
    if qr is None or qr.value is None:
        return
    # The QR amount is 合计金额 (excl. tax) on legacy invoices and has been seen as 价税合计 on
    # some 数电票: it agrees if it equals either.
    candidates = [doc.fields.get(n) for n in ("total_amount", "amount_with_tax")]
    known = [fv for fv in candidates if fv is not None and fv.value is not None]
    for fv in known:
        if _same(fv.value, qr.value):
            fv.confidence = max(fv.confidence, 0.995)
            fv.evidence.extend(qr.evidence)
            return
    if not known:
        total = doc.fields.get("total_amount")
        if total is None or total.value is None:
            qr_value = FieldValue(value=Decimal(str(qr.value)), confidence=qr.confidence, evidence=qr.evidence)
            qr_value.note = "票面未能读出，取自二维码（不含税金额）"
            doc.fields["total_amount"] = qr_value
        return
    current = known[0]
    exact = bool(current.evidence) and current.evidence[0].origin in _EXACT_ORIGINS
    severity = Severity.HIGH if exact else Severity.MEDIUM
    doc.findings.append(_mismatch("qr_mismatch", severity, "total_amount", current, qr, data))


def _same(a: object, b: object) -> bool:
    return normalise(a) == normalise(b)


def _well_formed(name: str, value: str) -> bool:
    digits = value.isdigit()
    if name == "invoice_code":
        return digits and len(value) in (10, 12)
    if name == "invoice_number":
        return digits and len(value) in (8, 20)
    if name == "check_code":
        return digits and len(value) == 20
    return True


def _mismatch(
    code: str, severity: Severity, name: str, printed: FieldValue, other: FieldValue, data: EmbeddedData
) -> Finding:
    label = _FIELD_LABELS.get(name, name)
    source = "二维码" if data.origin is Origin.QR else f"文件内嵌数据（{data.description}）"
    return Finding(
        code=code,
        severity=severity,
        message=f"票面{label}为 {printed.value}，{source}为 {other.value}，两者不一致，请核对原件。",
        rule=f"fusion.{code}",
        inputs={"printed": _text(printed.value), "embedded": _text(other.value), "source": data.description},
        threshold="exact match",
        evidence=[_item(name, printed), _item(name, other)],
    )


def _item(name: str, fv: FieldValue) -> EvidenceItem:
    ev = fv.evidence[0] if fv.evidence else None
    return EvidenceItem(
        field=name,
        value=_text(fv.value),
        page=ev.page if ev else None,
        box=ev.box if ev else None,
        origin=ev.origin if ev else None,
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)

"""Small helpers every invoice check shares: reading values and turning fields into evidence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from docintel.model import Document, EvidenceItem, FieldValue


def item_field(index: int, key: str) -> str:
    """Field name of one item cell as findings report it, e.g. `items[0].amount` (0-based index)."""
    return f"items[{index}].{key}"


def evidence_item(doc: Document, field: str, fv: FieldValue | None) -> EvidenceItem:
    """Evidence for a finding: the field, its value and where it was first read."""
    value = None if fv is None or fv.value is None else str(fv.value)
    first = fv.evidence[0] if fv is not None and fv.evidence else None
    return EvidenceItem(
        document=doc.source.path,
        field=field,
        value=value,
        page=first.page if first else None,
        box=first.box if first else None,
        origin=first.origin if first else None,
    )


def as_decimal(value: str | Decimal | None) -> Decimal | None:
    """The value as a Decimal; None when it is missing or not a number (e.g. "***")."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    text = value.strip().replace(",", "").replace("¥", "").replace("￥", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def decimal_field(fv: FieldValue | None) -> Decimal | None:
    return None if fv is None else as_decimal(fv.value)


def text_field(fv: FieldValue | None) -> str | None:
    """The value as stripped text; None when missing or blank."""
    if fv is None or fv.value is None:
        return None
    text = str(fv.value).strip()
    return text or None


def issue_date_of(doc: Document) -> date | None:
    """The issue date when it is a valid YYYY-MM-DD string, else None."""
    text = text_field(doc.fields.get("issue_date"))
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def money(value: Decimal) -> str:
    """An amount as an officer reads it on the invoice: ¥112.30, ¥-5.00."""
    return f"¥{value:.2f}" if value == value.quantize(Decimal("0.01")) else f"¥{value}"

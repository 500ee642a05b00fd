"""What every case rule shares: the result type, the finding builder and reading values off documents.

A rule is a small function `(case, settings) -> RuleResult`. It returns findings, and for what it
could not judge a `NotRun` note saying why (no contract, no statements, no loan amount), so the report
shows what was checked and what was not. A finding without evidence is refused: an officer must
always be able to see the values a finding rests on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from docintel.case import Case
from docintel.checks.common import decimal_field, evidence_item, item_field, text_field
from docintel.entities import PartyRef
from docintel.model import Document, EvidenceItem, Finding, Severity


@dataclass(frozen=True)
class NotRun:
    """A rule (or part of one) that could not judge, and why."""

    rule: str
    reason: str


@dataclass
class RuleResult:
    findings: list[Finding] = field(default_factory=list)
    not_run: list[NotRun] = field(default_factory=list)

    def extend(self, other: RuleResult) -> None:
        self.findings.extend(other.findings)
        self.not_run.extend(other.not_run)


def not_run(rule: str, reason: str) -> RuleResult:
    return RuleResult(not_run=[NotRun(rule, reason)])


def make_finding(
    code: str,
    severity: Severity,
    message: str,
    rule: str,
    inputs: dict[str, str | None],
    evidence: list[EvidenceItem],
    threshold: str | None = None,
) -> Finding:
    if not evidence:
        raise ValueError(f"finding {code} from {rule} has no evidence")
    return Finding(
        code=code, severity=severity, message=message, rule=rule, inputs=inputs, threshold=threshold, evidence=evidence
    )


# --------------------------------------------------------------------------- reading values


def field_evidence(doc: Document, name: str) -> EvidenceItem:
    return evidence_item(doc, name, doc.fields.get(name))


def item_evidence(doc: Document, index: int, key: str) -> EvidenceItem:
    return evidence_item(doc, item_field(index, key), doc.items[index].get(key))


def text(doc: Document, name: str) -> str | None:
    return text_field(doc.fields.get(name))


def amount(doc: Document, name: str) -> Decimal | None:
    return decimal_field(doc.fields.get(name))


def party(doc: Document, name_field: str, tax_id_field: str | None = None) -> PartyRef:
    return PartyRef(
        name=text(doc, name_field),
        tax_id=text(doc, tax_id_field) if tax_id_field else None,
        source=f"{doc.source.path}: {name_field}",
    )


_DATE = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})")
_COMPACT_DATE = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")


def parse_date(value: str | None) -> date | None:
    """A date from 2024-03-05, 2024/3/5, 2024年3月5日, 20240305 or "2024-03-05 10:12:33"."""
    if not value:
        return None
    normalised = unicodedata.normalize("NFKC", value)
    match = _DATE.search(normalised) or _COMPACT_DATE.search(normalised)
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def date_of(doc: Document, name: str) -> date | None:
    return parse_date(text(doc, name))


_TAX_INCLUDED = {"true", "yes", "1", "含税", "是", "包含", "含"}
_TAX_EXCLUDED = {"false", "no", "0", "不含税", "否", "不含", "未税"}


def tax_included(doc: Document) -> bool | None:
    """Whether a contract's prices include VAT: True, False, or None when the contract does not say."""
    value = text(doc, "tax_included")
    if value is None:
        return None
    key = value.lower()
    if key in _TAX_INCLUDED:
        return True
    if key in _TAX_EXCLUDED:
        return False
    return None


@dataclass(frozen=True)
class Total:
    """A money total over documents and the evidence of each part."""

    value: Decimal
    evidence: list[EvidenceItem]


def contract_total(doc: Document) -> Total | None:
    """The contract's total_amount, or the sum of its item amounts when the total was not read."""
    total = amount(doc, "total_amount")
    if total is not None:
        return Total(total, [field_evidence(doc, "total_amount")])
    lines = [(i, decimal_field(item.get("amount"))) for i, item in enumerate(doc.items)]
    known = [(i, value) for i, value in lines if value is not None]
    if not known:
        return None
    return Total(sum((v for _, v in known), Decimal(0)), [item_evidence(doc, i, "amount") for i, _ in known])


def sum_totals(totals: list[Total]) -> Total:
    return Total(sum((t.value for t in totals), Decimal(0)), [e for t in totals for e in t.evidence])


def contracts_total(case: Case) -> Total | None:
    totals = [t for t in (contract_total(d) for d in case.documents_of("purchase_contract")) if t is not None]
    return sum_totals(totals) if totals else None


def invoice_key(doc: Document) -> str | None:
    """The identity of an invoice: the 20-digit 数电票 number, else "发票代码:发票号码"; None when unknown.

    Same form as the durable store's `invoice_key` (the colon keeps a 12-digit code + 8-digit number
    from ever equalling a 20-digit number).
    """
    number = re.sub(r"\D", "", text(doc, "invoice_number") or "")
    code = re.sub(r"\D", "", text(doc, "invoice_code") or "")
    if len(number) == 20:
        return number
    if number and code:
        return f"{code}:{number}"
    return None


def unique_invoices(case: Case) -> list[Document]:
    """The case's invoices with repeats of the same invoice (e.g. its PDF and its OFD) counted once."""
    seen: set[str] = set()
    unique: list[Document] = []
    for doc in case.documents_of("vat_invoice"):
        key = invoice_key(doc)
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        unique.append(doc)
    return unique


def within(difference: Decimal, reference: Decimal, relative: Decimal, rounding: Decimal) -> bool:
    """|difference| within `relative` of `reference`, or within the rounding allowance."""
    return abs(difference) <= max(abs(reference) * relative, rounding)


def percent(value: Decimal) -> str:
    return f"{value * 100:.1f}%"

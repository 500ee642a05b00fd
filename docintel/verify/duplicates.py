"""`duplicate_invoice`: the same invoice twice in one case, or already used in another case.

An invoice is identified by its 20-digit 数电票 number, or by 发票代码 + 发票号码 (`invoice_key`).
Sightings in other cases come from a `KnownInvoices` register: `InMemoryKnownInvoices` covers the
cases verified in one run; the durable store implements the same two methods.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Protocol

from docintel.case import Case
from docintel.checks.common import money
from docintel.model import Document, EvidenceItem, Severity
from docintel.verify.base import NotRun, RuleResult, amount, field_evidence, invoice_key, make_finding, not_run, text
from docintel.verify.settings import Settings


@dataclass(frozen=True)
class InvoiceSighting:
    """Where an invoice was seen: the case, the document (source path) and its first page."""

    case_id: str
    document: str
    page: int | None = None


class KnownInvoices(Protocol):
    """A register of invoices already seen, keyed by `invoice_key`.

    `lookup` returns every sighting recorded for the key (any case, oldest first); `record` adds one.
    Recording the same sighting twice must be harmless (re-verifying a case).
    """

    def lookup(self, key: str) -> list[InvoiceSighting]: ...

    def record(self, key: str, sighting: InvoiceSighting) -> None: ...


class InMemoryKnownInvoices:
    """The register for one run: every case verified with the same instance sees the others' invoices."""

    def __init__(self) -> None:
        self._sightings: dict[str, list[InvoiceSighting]] = defaultdict(list)

    def lookup(self, key: str) -> list[InvoiceSighting]:
        return list(self._sightings.get(key, []))

    def record(self, key: str, sighting: InvoiceSighting) -> None:
        if sighting not in self._sightings[key]:
            self._sightings[key].append(sighting)


def _key_evidence(doc: Document) -> list[EvidenceItem]:
    names = ["invoice_number"] if len(invoice_key(doc) or "") == 20 else ["invoice_code", "invoice_number"]
    return [field_evidence(doc, n) for n in names]


def _same_content(a: Document, b: Document) -> bool:
    # The PDF and the OFD of one invoice carry the same amount and seller; a second paper with the
    # same number but another amount or seller is a forgery or a reused number.
    return all(amount(a, f) == amount(b, f) for f in ("amount_with_tax", "total_amount")) and text(
        a, "seller_tax_id"
    ) == text(b, "seller_tax_id")


def check_duplicates_within_case(case: Case, settings: Settings) -> RuleResult:
    rule = "case.duplicate.within_case"
    invoices = case.documents_of("vat_invoice")
    if not invoices:
        return not_run(rule, "无发票")
    by_key: dict[str, list[Document]] = defaultdict(list)
    for doc in invoices:
        key = invoice_key(doc)
        if key is not None:
            by_key[key].append(doc)
    result = RuleResult()
    for key, docs in by_key.items():
        if len(docs) < 2:
            continue
        first = docs[0]
        for other in docs[1:]:
            same = _same_content(first, other)
            detail = (
                "两份内容一致，可能为同一发票的不同格式文件，金额只计一次"
                if same
                else f"两份金额或销售方不同（{money(amount(first, 'amount_with_tax') or 0)} / "
                f"{money(amount(other, 'amount_with_tax') or 0)}），疑似伪造或重复使用号码"
            )
            result.findings.append(
                make_finding(
                    "duplicate_invoice",
                    Severity.MEDIUM if same else Severity.HIGH,
                    f"发票 {key} 在本案中出现两次（{first.source.path} 与 {other.source.path}）：{detail}，请核实。",
                    rule,
                    {"invoice_key": key, "first": first.source.path, "second": other.source.path},
                    _key_evidence(first) + _key_evidence(other),
                    "同一发票只能提交一次",
                )
            )
    return result


def check_duplicates_across_cases(case: Case, known: KnownInvoices) -> RuleResult:
    """High for an invoice already recorded under another case; records this case's invoices afterwards."""
    rule = "case.duplicate.across_cases"
    result = RuleResult()
    for doc in case.documents_of("vat_invoice"):
        key = invoice_key(doc)
        if key is None:
            result.not_run.append(NotRun(rule, f"{doc.source.path} 未读出发票代码与号码，跨案件查重未进行"))
            continue
        elsewhere = [s for s in known.lookup(key) if s.case_id != case.case_id]
        if elsewhere:
            cases = "、".join(dict.fromkeys(s.case_id for s in elsewhere))
            result.findings.append(
                make_finding(
                    "duplicate_invoice",
                    Severity.HIGH,
                    f"发票 {key} 已在案件 {cases} 中作为贷款资料使用（{elsewhere[0].document}），"
                    "同一发票重复用于不同贷款，请核实。",
                    rule,
                    {"invoice_key": key, "other_cases": cases, "other_document": elsewhere[0].document},
                    _key_evidence(doc),
                    "一张发票只能支持一笔贷款",
                )
            )
    for doc in case.documents_of("vat_invoice"):
        key = invoice_key(doc)
        if key is not None:
            first_page = doc.page_numbers[0] if doc.pages else None
            known.record(key, InvoiceSighting(case.case_id, doc.source.path, first_page))
    return result

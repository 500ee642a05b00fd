"""`missing_document`: what the dossier lacks, and therefore what could not be checked (info only)."""

from __future__ import annotations

from collections import Counter

from docintel.case import Case
from docintel.model import EvidenceItem, Severity
from docintel.verify.base import RuleResult, make_finding
from docintel.verify.settings import Settings

_TYPE_NAMES = {
    "purchase_contract": "合同",
    "vat_invoice": "发票",
    "bank_receipt": "银行回单",
    "balance_sheet": "资产负债表",
    "income_statement": "利润表",
    "cash_flow_statement": "现金流量表",
}
# What is missing → what could therefore not be judged. Statements count as present when either the
# income statement or the balance sheet is there (each feeds one scale comparison).
_REQUIREMENTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("contract", ("purchase_contract",), "未提供购销合同：交易对手、货物、金额与时间顺序均无法与合同比对"),
    ("invoice", ("vat_invoice",), "未提供增值税发票：交易是否真实开票、发票与合同是否一致未核对"),
    ("receipt", ("bank_receipt",), "未提供银行回单：收款方与付款方未核对（资金是否流向卖方未知）"),
    (
        "statements",
        ("income_statement", "balance_sheet"),
        "未提供利润表或资产负债表：采购规模是否与经营规模相称未判断",
    ),
)


def _inventory(case: Case) -> EvidenceItem:
    """Evidence for an absence: what the dossier does contain."""
    counts = Counter(_TYPE_NAMES.get(d.doc_type, d.doc_type) for d in case.documents)
    listed = "、".join(f"{name}{n}份" for name, n in counts.items()) or "无单据"
    return EvidenceItem(document=case.folder or case.case_id, field="documents", value=listed)


def check_missing_documents(case: Case, settings: Settings) -> RuleResult:
    rule = "case.coverage.documents"
    result = RuleResult()
    present = {d.doc_type for d in case.documents}
    for name, doc_types, consequence in _REQUIREMENTS:
        if present.intersection(doc_types):
            continue
        result.findings.append(
            make_finding(
                "missing_document",
                Severity.INFO,
                consequence + "。",
                rule,
                {"missing": name, "present": _inventory(case).value},
                [_inventory(case)],
            )
        )
    if case.manifest is None:
        borrower = case.inferred_borrower
        inferred = f"借款人按“{borrower.description}”推断为“{borrower.name}”" if borrower else "借款人无法确定"
        result.findings.append(
            make_finding(
                "missing_document",
                Severity.INFO,
                f"未提供案件清单（case.json / case.toml）：{inferred}；"
                "贷款金额、放款日期与受托支付对象相关核对未进行。",
                rule,
                {"missing": "manifest", "borrower": borrower.name if borrower else None},
                [*(borrower.evidence if borrower else []), _inventory(case)],
            )
        )
    return result

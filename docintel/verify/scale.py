"""`implausible_quantity`: purchases out of proportion to the borrower, and absurd quantities on a line.

Post-loan practice: raw material bought "甚至是债务人两年生产经营所需的量" is a fraud signal. The
contracts' total is compared with N months of 营业成本 (from the latest income statement, annualised
when it covers fewer months), with a share of 资产总计 and with the loan; each line's quantity is
compared with what its unit makes plausible and with its own amount.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from docintel.case import Case
from docintel.checks.amounts import quantity_price_tolerance
from docintel.checks.common import decimal_field, item_field, money
from docintel.model import Document, EvidenceItem, Finding, Severity
from docintel.verify.base import (
    RuleResult,
    Total,
    amount,
    contracts_total,
    field_evidence,
    item_evidence,
    make_finding,
    not_run,
    text,
)
from docintel.verify.settings import Settings

CENT = Decimal("0.01")
_YEAR_MONTH = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})")
_MONTH_RANGE = re.compile(r"(\d{1,2})\s*[-—–~至到]\s*(\d{1,2})\s*月")
# The statement extractor's `current_period`: the months the current column covers, "2024-01/2024-06"
# for 本年累计, "2024-06/2024-06" for 本月.
_CURRENT_PERIOD = re.compile(r"(\d{4})-(\d{2})/(\d{4})-(\d{2})")
_QUARTER = re.compile(r"季度|Q[1-4]", re.IGNORECASE)


@dataclass(frozen=True)
class StatementPeriod:
    """The period a statement covers: its end (year, month) and how many months its flows cover."""

    year: int | None
    month: int | None
    months: int
    basis: str  # how `months` was decided, shown in the finding


def statement_period(doc: Document) -> StatementPeriod:
    """The months the current column covers.

    From `current_period` ("2024-01/2024-06") when the extractor read the column heading; else from
    `period` or `statement_date` ("2024-06", "2024年度", "2024年1-6月", "2024年第二季度"), where a bare
    year-month is taken as the 本年累计 column of a Chinese 利润表 (January to that month); an
    unreadable period counts as a full year.
    """
    if span := _CURRENT_PERIOD.fullmatch(text(doc, "current_period") or ""):
        start_year, start_month, end_year, end_month = (int(g) for g in span.groups())
        months = (end_year - start_year) * 12 + end_month - start_month + 1
        if 1 <= months <= 24:
            return StatementPeriod(end_year, end_month, months, f"本期 {span.group()}（{months}个月）")
    label = unicodedata.normalize("NFKC", " ".join(t for t in (text(doc, "period"), text(doc, "statement_date")) if t))
    year_month = _YEAR_MONTH.search(label)
    year = int(year_month.group(1)) if year_month else None
    month = int(year_month.group(2)) if year_month and 1 <= int(year_month.group(2)) <= 12 else None
    if year is None and (year_only := re.search(r"\d{4}", label)):
        year = int(year_only.group())
    if month_range := _MONTH_RANGE.search(label):
        first, last = int(month_range.group(1)), int(month_range.group(2))
        if 1 <= first <= last <= 12:
            return StatementPeriod(year, last, last - first + 1, f"期间 {month_range.group()}")
    if "年度" in label or "全年" in label:
        return StatementPeriod(year, 12, 12, "年度报表")
    if _QUARTER.search(label):
        return StatementPeriod(year, month, 3, "季度报表")
    if "半年" in label:
        return StatementPeriod(year, month or 6, 6, "半年报表")
    if month is not None:
        return StatementPeriod(year, month, month, f"{year}年1–{month}月累计（本年累计数）")
    return StatementPeriod(year, None, 12, "期间未读出，按全年计")


def latest_statement(case: Case, doc_type: str, key: str) -> Document | None:
    """The statement of `doc_type` with the latest period among those that carry `key`."""
    candidates = [d for d in case.documents_of(doc_type) if amount(d, key) is not None]
    if not candidates:
        return None
    return max(candidates, key=lambda d: (statement_period(d).year or 0, statement_period(d).month or 0))


def _statement_evidence(doc: Document, key: str) -> list[EvidenceItem]:
    names = [key] + [n for n in ("statement_date", "period") if text(doc, n) is not None]
    return [field_evidence(doc, n) for n in names]


def _scale_finding(
    rule: str, message: str, inputs: dict[str, str | None], evidence: list[EvidenceItem], threshold: str
) -> Finding:
    return make_finding("implausible_quantity", Severity.MEDIUM, message, rule, inputs, evidence, threshold)


def _contracts(case: Case, rule: str) -> Total | RuleResult:
    total = contracts_total(case)
    if total is None:
        return not_run(rule, "无合同或合同金额未读出，采购规模未判断")
    return total


def check_against_operating_cost(case: Case, settings: Settings) -> RuleResult:
    rule = "case.scale.operating_cost"
    contracts = _contracts(case, rule)
    if isinstance(contracts, RuleResult):
        return contracts
    statement = latest_statement(case, "income_statement", "operating_cost")
    if statement is None:
        return not_run(rule, "无利润表或营业成本未读出，采购规模与经营规模未比较")
    cost = amount(statement, "operating_cost")
    period = statement_period(statement)
    if cost is None or cost <= 0:
        return not_run(rule, f"营业成本为 {cost}，无法折算月均成本")
    months = settings.scale.months_of_operating_cost
    limit = cost / period.months * months
    if contracts.value <= limit:
        return RuleResult()
    limit = limit.quantize(CENT)
    message = (
        f"合同金额合计 {money(contracts.value)} 超过借款人 {months} 个月的营业成本 {money(limit)}"
        f"（利润表营业成本 {money(cost)}，{period.basis}），采购量明显超出其经营所需，请核实合同真实性与用途。"
    )
    inputs = {
        "contracts_total": str(contracts.value),
        "operating_cost": str(cost),
        "statement_months": str(period.months),
        "period_basis": period.basis,
        "limit": str(limit),
    }
    evidence = contracts.evidence + _statement_evidence(statement, "operating_cost")
    return RuleResult(findings=[_scale_finding(rule, message, inputs, evidence, f"≤ {months} 个月营业成本")])


def check_against_total_assets(case: Case, settings: Settings) -> RuleResult:
    rule = "case.scale.total_assets"
    contracts = _contracts(case, rule)
    if isinstance(contracts, RuleResult):
        return contracts
    statement = latest_statement(case, "balance_sheet", "total_assets")
    if statement is None:
        return not_run(rule, "无资产负债表或资产总计未读出，采购规模与资产规模未比较")
    assets = amount(statement, "total_assets")
    if assets is None or assets <= 0:
        return not_run(rule, f"资产总计为 {assets}，无法比较")
    share = settings.scale.share_of_total_assets
    limit = assets * share
    if contracts.value <= limit:
        return RuleResult()
    message = (
        f"合同金额合计 {money(contracts.value)} 超过资产总计 {money(assets)} 的 {share * 100:.0f}%"
        f"（{money(limit.quantize(CENT))}），与借款人资产规模不相称，请核实。"
    )
    inputs = {"contracts_total": str(contracts.value), "total_assets": str(assets), "share": str(share)}
    evidence = contracts.evidence + _statement_evidence(statement, "total_assets")
    return RuleResult(findings=[_scale_finding(rule, message, inputs, evidence, f"≤ 资产总计 × {share}")])


def check_against_loan(case: Case, settings: Settings) -> RuleResult:
    rule = "case.scale.loan_amount"
    contracts = _contracts(case, rule)
    if isinstance(contracts, RuleResult):
        return contracts
    loan = case.manifest.loan_amount if case.manifest else None
    if loan is None:
        return not_run(rule, "案件清单未载明贷款金额，合同规模与贷款金额未比较")
    factor = settings.scale.loan_amount_factor
    if contracts.value <= loan * factor:
        return RuleResult()
    message = (
        f"合同金额合计 {money(contracts.value)} 超过贷款金额 {money(loan)} 的 {factor} 倍，"
        "合同规模与贷款用途不相称，请核实合同是否为支持贷款而虚增。"
    )
    inputs = {"contracts_total": str(contracts.value), "loan_amount": str(loan), "factor": str(factor)}
    evidence = [*contracts.evidence, case.manifest_evidence("loan_amount", loan)]
    return RuleResult(findings=[_scale_finding(rule, message, inputs, evidence, f"≤ 贷款金额 × {factor}")])


# --------------------------------------------------------------------------- per line

_UNIT_ALIASES = {
    "t": "吨",
    "吨": "吨",
    "公吨": "吨",
    "kg": "千克",
    "千克": "千克",
    "公斤": "千克",
    "m": "米",
    "米": "米",
    "m2": "平方米",
    "平方米": "平方米",
    "平米": "平方米",
    "m3": "立方米",
    "立方米": "立方米",
    "立方": "立方米",
    "方": "立方米",
}


def canonical_unit(unit: str | None) -> str | None:
    """吨/t/T → 吨, kg/公斤 → 千克, ㎡ → 平方米 …; other units as printed (stripped)."""
    if unit is None:
        return None
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", unit)).lower()
    return _UNIT_ALIASES.get(key, key) or None


_LINE_DOC_TYPES = {"purchase_contract": "合同", "vat_invoice": "发票"}


def check_line_quantities(case: Case, settings: Settings) -> RuleResult:
    """Zero or negative quantities, and quantities beyond the plausible maximum for their unit."""
    rule = "case.quantity.unit_bounds"
    result = RuleResult()
    for doc in case.documents:
        label = _LINE_DOC_TYPES.get(doc.doc_type)
        if label is None:
            continue
        for index, item in enumerate(doc.items):
            quantity = decimal_field(item.get("quantity"))
            if quantity is None:
                continue
            unit = canonical_unit(str(item["unit"].value)) if item.get("unit") and item["unit"].value else None
            line_amount = decimal_field(item.get("amount"))
            name = item["name"].value if item.get("name") else None
            where = f"{label}第{index + 1}行“{name or ''}”"
            evidence = [item_evidence(doc, index, "quantity")]
            evidence += [item_evidence(doc, index, k) for k in ("unit", "amount") if item.get(k)]
            if quantity <= 0:
                if line_amount is not None and line_amount < 0 and quantity < 0:
                    continue  # a 红字 (credit) line: negative quantity and amount together are valid
                message = f"{where}数量为 {quantity}{unit or ''}，数量应为正数，请核对原件。"
                threshold = "> 0"
            else:
                maximum = settings.quantity.max_by_unit.get(unit or "", settings.quantity.default_max)
                if quantity <= maximum:
                    continue
                message = f"{where}数量 {quantity}{unit or ''} 超过该单位的合理上限 {maximum:,.0f}，请核实是否虚增。"
                threshold = f"≤ {maximum}"
            result.findings.append(
                make_finding(
                    "implausible_quantity",
                    Severity.MEDIUM,
                    message,
                    rule,
                    {"field": item_field(index, "quantity"), "quantity": str(quantity), "unit": unit},
                    evidence,
                    threshold,
                )
            )
    return result


def check_contract_line_arithmetic(case: Case, settings: Settings) -> RuleResult:
    """|数量 × 单价 − 金额| ≤ 0.01 (plus printed rounding) on contract lines; invoices have `invoice.amounts`."""
    rule = "case.quantity.line_arithmetic"
    result = RuleResult()
    for doc in case.documents_of("purchase_contract"):
        for index, item in enumerate(doc.items):
            quantity = decimal_field(item.get("quantity"))
            unit_price = decimal_field(item.get("unit_price"))
            line_amount = decimal_field(item.get("amount"))
            if quantity is None or unit_price is None or line_amount is None:
                continue
            product = quantity * unit_price
            tolerance = quantity_price_tolerance(quantity, unit_price)
            if abs(product - line_amount) <= tolerance:
                continue
            result.findings.append(
                make_finding(
                    "implausible_quantity",
                    Severity.LOW,
                    f"合同第{index + 1}行数量 {quantity} × 单价 {unit_price} = {money(product.quantize(CENT))}，"
                    f"与合同所列金额 {money(line_amount)} 不一致，请核对数量或单价。",
                    rule,
                    {"quantity": str(quantity), "unit_price": str(unit_price), "amount": str(line_amount)},
                    [item_evidence(doc, index, k) for k in ("quantity", "unit_price", "amount")],
                    f"|数量 × 单价 − 金额| ≤ {tolerance}",
                )
            )
    return result

"""Arithmetic checks of financial statements: the identities every statement must satisfy.

资产总计 = 负债和所有者权益总计 and 负债合计 + 所有者权益合计 = 资产总计 on the balance sheet; each
section total equals the sum of its printed lines (only when every line of the section was read);
营业利润 → 利润总额 → 净利润 on the income statement; 现金流入小计 − 现金流出小计 = 净额 and the
补充资料 on the cash-flow statement. Both columns are checked. The tolerance is 0.01 in the printed
unit (0.01 元 × the unit multiplier), the rounding of the printed figures. Every finding carries
code `statement_inconsistent`, both sides' values with their evidence and one Chinese sentence.

`net_profit_mismatch` compares two documents (利润表 净利润 vs 现金流量表 补充资料 净利润) for the
case-level verifier, which pairs the statements of one company and period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from docintel.checks.common import decimal_field, evidence_item
from docintel.model import Document, EvidenceItem, FieldValue, Finding, Severity
from extractors.statement_lines import is_section_header, spec_of

CODE = "statement_inconsistent"
COLUMNS = ("", "_prior")  # field suffix of the current and the prior column
TYPE_NAMES = {"balance_sheet": "资产负债表", "income_statement": "利润表", "cash_flow_statement": "现金流量表"}

Check = Callable[[Document], list[Finding]]


@dataclass(frozen=True, slots=True)
class Term:
    key: str
    sign: int = 1
    optional: bool = False  # a line the format may not print: absent counts as 0


@dataclass(frozen=True, slots=True)
class Identity:
    """`total` must equal the signed sum of `terms`."""

    rule: str
    total: str
    terms: tuple[Term, ...]
    description: str  # the identity in the words officers use
    severity: Severity = Severity.MEDIUM


BALANCE_IDENTITIES = (
    Identity(
        "statement.balance",
        "total_liabilities_and_equity",
        (Term("total_assets"),),
        "资产总计应等于负债和所有者权益总计",
        Severity.HIGH,
    ),
    Identity(
        "statement.balance",
        "total_assets",
        (Term("total_liabilities"), Term("total_equity")),
        "负债合计加所有者权益合计应等于资产总计",
        Severity.HIGH,
    ),
    Identity(
        "statement.subtotals",
        "total_assets",
        (Term("total_current_assets"), Term("total_non_current_assets")),
        "流动资产合计加非流动资产合计应等于资产总计",
    ),
    Identity(
        "statement.subtotals",
        "total_liabilities",
        (Term("total_current_liabilities"), Term("total_non_current_liabilities")),
        "流动负债合计加非流动负债合计应等于负债合计",
    ),
)
INCOME_IDENTITIES = (
    Identity(
        "statement.profit",
        "total_profit",
        (Term("operating_profit"), Term("non_operating_income", 1, True), Term("non_operating_expenses", -1, True)),
        "利润总额应等于营业利润加营业外收入减营业外支出",
    ),
    Identity(
        "statement.profit",
        "net_profit",
        (Term("total_profit"), Term("income_tax_expense", -1, True)),
        "净利润应等于利润总额减所得税费用",
    ),
)
_ACTIVITY_IDENTITIES = tuple(
    Identity(
        "statement.cash_flow",
        f"net_cash_from_{activity}",
        (Term(f"subtotal_{activity}_inflows"), Term(f"subtotal_{activity}_outflows", -1)),
        f"{name}活动产生的现金流量净额应等于现金流入小计减现金流出小计",
    )
    for activity, name in (("operating", "经营"), ("investing", "投资"), ("financing", "筹资"))
)
CASH_FLOW_IDENTITIES = (
    *_ACTIVITY_IDENTITIES,
    Identity(
        "statement.cash_flow",
        "net_increase_in_cash",
        (
            Term("net_cash_from_operating"),
            Term("net_cash_from_investing"),
            Term("net_cash_from_financing"),
            Term("fx_effect_on_cash", 1, True),
        ),
        "现金及现金等价物净增加额应等于三类活动现金流量净额与汇率变动影响之和",
    ),
    Identity(
        "statement.cash_flow",
        "cash_at_end",
        (Term("cash_at_beginning"), Term("net_increase_in_cash")),
        "期末现金及现金等价物余额应等于期初余额加净增加额",
    ),
    Identity(
        "statement.supplementary",
        "supplementary_net_cash_from_operating",
        (Term("net_cash_from_operating"),),
        "补充资料中的经营活动现金流量净额应等于主表金额",
    ),
    Identity(
        "statement.supplementary",
        "supplementary_net_increase_in_cash",
        (Term("net_increase_in_cash"),),
        "补充资料中的现金及现金等价物净增加额应等于主表金额",
    ),
)

# Balance-sheet section totals whose printed lines must add up to them.
SECTION_TOTALS = {
    "total_current_assets": "流动资产合计",
    "total_non_current_assets": "非流动资产合计",
    "total_current_liabilities": "流动负债合计",
    "total_non_current_liabilities": "非流动负债合计",
    "total_equity": "所有者权益合计",
}
# Income-statement lines deducted on the way to 营业利润 (the 减： group).
SUBTRACTED = frozenset(
    {"operating_cost", "taxes_and_surcharges", "selling_expenses", "admin_expenses", "rd_expenses", "finance_expenses"}
)
# Losses the 2019 format adds as negative numbers ("损失以“－”号填列"); older formats deduct them.
LOSS_LINES = frozenset({"credit_impairment_loss", "asset_impairment_loss"})


# ---- shared helpers -----------------------------------------------------------------------------


def tolerance(doc: Document) -> Decimal:
    """0.01 in the printed unit: 0.01 元 × the unit multiplier."""
    multiplier = decimal_field(doc.fields.get("unit_multiplier")) or Decimal(1)
    return Decimal("0.01") * multiplier


def _column_name(doc: Document, suffix: str) -> str:
    label = doc.fields.get("current_period_label" if suffix == "" else "prior_period_label")
    default = "本期/期末栏" if suffix == "" else "上期/年初栏"
    return str(label.value) if label is not None and label.value else default


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}元"


def _finding(
    doc: Document,
    rule: str,
    severity: Severity,
    message: str,
    left: tuple[str, FieldValue | None],
    right: list[tuple[str, FieldValue | None]],
    expected: Decimal,
    found: Decimal,
    limit: Decimal,
) -> Finding:
    evidence = [evidence_item(doc, name, fv) for name, fv in (left, *right)]
    return Finding(
        code=CODE,
        severity=severity,
        message=message,
        rule=rule,
        inputs={"printed": str(found), "computed": str(expected), "difference": str(found - expected)},
        threshold=str(limit),
        evidence=evidence,
    )


def _identity_findings(doc: Document, identities: tuple[Identity, ...]) -> list[Finding]:
    findings: list[Finding] = []
    limit = tolerance(doc)
    for identity in identities:
        for suffix in COLUMNS:
            total_fv = doc.fields.get(identity.total + suffix)
            total = decimal_field(total_fv)
            if total is None:
                continue
            computed = Decimal(0)
            used: list[tuple[str, FieldValue | None]] = []
            complete = True
            for term in identity.terms:
                fv = doc.fields.get(term.key + suffix)
                value = decimal_field(fv)
                if value is None:
                    blank = fv is not None and fv.note == "空白"
                    if not (blank or (fv is None and term.optional)):
                        complete = False
                        break
                    value = Decimal(0)
                computed += term.sign * value
                used.append((term.key + suffix, fv))
            if not complete or abs(total - computed) <= limit:
                continue
            message = (
                f"{TYPE_NAMES.get(doc.doc_type, '报表')}“{_column_name(doc, suffix)}”：{identity.description}，"
                f"但印为 {_amount(total)}，按各项计算为 {_amount(computed)}，相差 {_amount(total - computed)}"
            )
            findings.append(
                _finding(
                    doc,
                    identity.rule,
                    identity.severity,
                    message,
                    (identity.total + suffix, total_fv),
                    used,
                    computed,
                    total,
                    limit,
                )
            )
    return findings


# ---- balance sheet ------------------------------------------------------------------------------


def check_balance(doc: Document) -> list[Finding]:
    """资产总计 = 负债和所有者权益总计; 负债合计 + 所有者权益合计 = 资产总计; the grand subtotals."""
    if doc.doc_type != "balance_sheet":
        return []
    return _identity_findings(doc, BALANCE_IDENTITIES)


def check_section_sums(doc: Document) -> list[Finding]:
    """Each balance-sheet section total (流动资产合计 …) equals the sum of the lines printed above it,
    back to the previous total; 其中 lines are details and left out. Skipped for a column where a
    line's amount could not be read."""
    if doc.doc_type != "balance_sheet":
        return []
    findings: list[Finding] = []
    limit = tolerance(doc)
    for index, item in enumerate(doc.items):
        key = item["key"].value
        if key not in SECTION_TOTALS:
            continue
        components = _section_components(doc, index)
        for column, suffix in (("current", ""), ("prior", "_prior")):
            total = decimal_field(item[column])
            summed = _signed_sum_of(doc, components, column)
            if total is None or summed is None or abs(total - summed) <= limit:
                continue
            name = SECTION_TOTALS[str(key)]
            message = (
                f"资产负债表“{_column_name(doc, suffix)}”：{name}印为 {_amount(total)}，"
                f"但其上各项之和为 {_amount(summed)}，相差 {_amount(total - summed)}"
            )
            right = [(f"items[{i}].{column}", doc.items[i][column]) for i, _ in components]
            findings.append(
                _finding(
                    doc,
                    "statement.subtotals",
                    Severity.MEDIUM,
                    message,
                    (f"{key}{suffix}", item[column]),
                    right,
                    summed,
                    total,
                    limit,
                )
            )
    return findings


def _section_components(doc: Document, total_index: int) -> list[tuple[int, int]]:
    """(item index, sign) of the lines of the section closed by the total at `total_index`."""
    components: list[tuple[int, int]] = []
    for index in range(total_index - 1, -1, -1):
        item = doc.items[index]
        key = item["key"].value
        label = str(item["label"].value or "")
        spec = spec_of(doc.doc_type, str(key)) if key else None
        if spec is not None and spec.role == "total":
            break
        if is_section_header(label) or (spec is not None and spec.role == "sub"):
            continue
        if spec is None and label.lstrip().startswith("其中"):
            continue
        components.append((index, -1 if spec is not None and spec.role == "minus" else 1))
    return components


# ---- income statement ---------------------------------------------------------------------------


def check_profit(doc: Document) -> list[Finding]:
    """营业利润 from its printed lines (when every line between 营业收入 and 营业利润 is known), then
    利润总额 and 净利润 (净利润 = 利润总额 − 所得税费用)."""
    if doc.doc_type != "income_statement":
        return []
    return _operating_profit_findings(doc) + _identity_findings(doc, INCOME_IDENTITIES)


def _operating_profit_findings(doc: Document) -> list[Finding]:
    index = next((i for i, item in enumerate(doc.items) if item["key"].value == "operating_profit"), None)
    if index is None:
        return []
    components: list[tuple[int, int]] = []
    for position in range(index):
        item = doc.items[position]
        key = item["key"].value
        label = str(item["label"].value or "")
        spec = spec_of(doc.doc_type, str(key)) if key else None
        if is_section_header(label) or (spec is not None and spec.role == "sub"):
            continue
        if spec is None:
            if label.lstrip().startswith("其中"):
                continue
            return []  # a line whose sign is unknown: the sum cannot be verified
        components.append((position, _profit_sign(str(key), label)))
    findings: list[Finding] = []
    limit = tolerance(doc)
    for column, suffix in (("current", ""), ("prior", "_prior")):
        total = decimal_field(doc.items[index][column])
        summed = _signed_sum_of(doc, components, column)
        if total is None or summed is None or abs(total - summed) <= limit:
            continue
        message = (
            f"利润表“{_column_name(doc, suffix)}”：营业利润印为 {_amount(total)}，"
            f"但按营业收入及各项收益、费用计算为 {_amount(summed)}，相差 {_amount(total - summed)}"
        )
        right = [(f"items[{i}].{column}", doc.items[i][column]) for i, _ in components]
        findings.append(
            _finding(
                doc,
                "statement.profit",
                Severity.MEDIUM,
                message,
                (f"operating_profit{suffix}", doc.items[index][column]),
                right,
                summed,
                total,
                limit,
            )
        )
    return findings


def _profit_sign(key: str, label: str) -> int:
    if key in SUBTRACTED:
        return -1
    if key in LOSS_LINES:
        return 1 if "填列" in label else -1
    return 1


def _signed_sum_of(doc: Document, components: list[tuple[int, int]], column: str) -> Decimal | None:
    """Σ sign × amount; blank cells count as 0, an unread amount makes the sum unknown (None)."""
    total = Decimal(0)
    for index, sign in components:
        fv = doc.items[index][column]
        value = decimal_field(fv)
        if value is None:
            if fv.note != "空白":
                return None
            continue
        total += sign * value
    return total


# ---- cash flow ----------------------------------------------------------------------------------


def check_cash_flow(doc: Document) -> list[Finding]:
    """净额 = 流入小计 − 流出小计 per activity; 净增加额; 期末余额; 补充资料 vs the main lines."""
    if doc.doc_type != "cash_flow_statement":
        return []
    return _identity_findings(doc, CASH_FLOW_IDENTITIES)


# ---- across documents ---------------------------------------------------------------------------


def net_profit_mismatch(income: Document, cash_flow: Document) -> list[Finding]:
    """利润表 净利润 vs 现金流量表 补充资料 净利润, column by column where both columns cover the same
    period (a small-enterprise 利润表 prints 本月金额 where the 现金流量表 may print 上年)."""
    findings: list[Finding] = []
    limit = max(tolerance(income), tolerance(cash_flow))
    for suffix in COLUMNS:
        period = "current_period" if suffix == "" else "prior_period"
        income_period, cash_period = income.value(period), cash_flow.value(period)
        if income_period is not None and cash_period is not None and income_period != cash_period:
            continue
        income_fv = income.fields.get("net_profit" + suffix)
        cash_fv = cash_flow.fields.get("supplementary_net_profit" + suffix)
        left, right = decimal_field(income_fv), decimal_field(cash_fv)
        if left is None or right is None or abs(left - right) <= limit:
            continue
        column = _column_name(income, suffix)
        message = (
            f"利润表“{column}”净利润 {_amount(left)} 与现金流量表补充资料净利润 {_amount(right)} 不一致，"
            f"相差 {_amount(left - right)}"
        )
        evidence: list[EvidenceItem] = [
            evidence_item(income, "net_profit" + suffix, income_fv),
            evidence_item(cash_flow, "supplementary_net_profit" + suffix, cash_fv),
        ]
        findings.append(
            Finding(
                code=CODE,
                severity=Severity.HIGH,
                message=message,
                rule="statement.net_profit_cross",
                inputs={"income_statement": str(left), "cash_flow_statement": str(right)},
                threshold=str(limit),
                evidence=evidence,
            )
        )
    return findings


CHECKS: tuple[tuple[str, Check], ...] = (
    ("statement.balance", check_balance),
    ("statement.subtotals", check_section_sums),
    ("statement.profit", check_profit),
    ("statement.cash_flow", check_cash_flow),
)

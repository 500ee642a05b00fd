"""The canonical line catalogue of the three financial statements, as data.

Each printed line name maps to a stable snake_case key. Names are matched after `line_name()`
strips what varies between issuers and formats: the order prefixes (一、 加： 减： 其中： 1. (一)),
the sign notes ((损失以“-”号填列)), the (或股本) style alternatives, spaces and punctuation width.
Both formats are covered: 一般企业财务报表格式 (财会〔2019〕6号, 会企01-03表) and 小企业会计准则
(会小企01-03表). A name not in the catalogue is kept by the extractor as printed with key null.

`role` says how a line enters its section's sum: "component" adds, "minus" subtracts (减：库存股,
累计折旧 under 固定资产原价 is a "sub"), "sub" is a detail of the line above (其中：原材料) and is left
out of sums, "total" closes a section. Cash-flow names repeat per activity (现金流入小计), so those
entries are tied to the section they are printed in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

BALANCE_SHEET = "balance_sheet"
INCOME_STATEMENT = "income_statement"
CASH_FLOW_STATEMENT = "cash_flow_statement"
STATEMENT_TYPES = (BALANCE_SHEET, INCOME_STATEMENT, CASH_FLOW_STATEMENT)

GENERAL = "general"
SMALL_ENTERPRISE = "small_enterprise"

# Cash-flow sections a line is printed in (balance-sheet sections are inferred from totals).
OPERATING = "operating"
INVESTING = "investing"
FINANCING = "financing"
SUPPLEMENTARY = "supplementary"


@dataclass(frozen=True, slots=True)
class LineSpec:
    key: str
    names: tuple[str, ...]  # as the general format prints them (normalised by line_name)
    small_names: tuple[str, ...] = ()  # names only the 小企业会计准则 format uses
    role: str = "component"  # component | minus | sub | total
    section: str | None = None  # cash flow: the only section this name means this key in


def _l(key: str, *names: str, small: tuple[str, ...] = (), role: str = "component", section: str | None = None):
    return LineSpec(key, names, small, role, section)


BALANCE_SHEET_LINES: tuple[LineSpec, ...] = (
    # 流动资产
    _l("monetary_funds", "货币资金"),
    _l("short_term_investments", small=("短期投资",)),
    _l("trading_financial_assets", "交易性金融资产", "以公允价值计量且其变动计入当期损益的金融资产"),
    _l("derivative_financial_assets", "衍生金融资产"),
    _l("notes_receivable", "应收票据"),
    _l("accounts_receivable", "应收账款"),
    _l("receivables_financing", "应收款项融资"),
    _l("prepayments", "预付款项", small=("预付账款",)),
    _l("dividends_receivable", small=("应收股利",)),
    _l("interest_receivable", small=("应收利息",)),
    _l("other_receivables", "其他应收款"),
    _l("inventories", "存货"),
    _l("raw_materials", "原材料", role="sub"),
    _l("work_in_progress", small=("在产品",), role="sub"),
    _l("finished_goods", small=("库存商品",), role="sub"),
    _l("turnover_materials", small=("周转材料",), role="sub"),
    _l("contract_assets", "合同资产"),
    _l("held_for_sale_assets", "持有待售资产"),
    _l("non_current_assets_due_within_one_year", "一年内到期的非流动资产"),
    _l("other_current_assets", "其他流动资产"),
    _l("total_current_assets", "流动资产合计", role="total"),
    # 非流动资产
    _l("long_term_bond_investments", small=("长期债券投资",)),
    _l("debt_investments", "债权投资"),
    _l("other_debt_investments", "其他债权投资"),
    _l("available_for_sale_financial_assets", "可供出售金融资产"),
    _l("held_to_maturity_investments", "持有至到期投资"),
    _l("long_term_receivables", "长期应收款"),
    _l("long_term_equity_investments", "长期股权投资"),
    _l("other_equity_instrument_investments", "其他权益工具投资"),
    _l("other_non_current_financial_assets", "其他非流动金融资产"),
    _l("investment_property", "投资性房地产"),
    _l("fixed_assets_cost", small=("固定资产原价",), role="sub"),
    _l("accumulated_depreciation", small=("累计折旧",), role="sub"),
    _l("fixed_assets", "固定资产", small=("固定资产账面价值",)),
    _l("construction_in_progress", "在建工程"),
    _l("construction_materials", small=("工程物资",)),
    _l("fixed_assets_disposal", small=("固定资产清理",)),
    _l("productive_biological_assets", "生产性生物资产"),
    _l("oil_and_gas_assets", "油气资产"),
    _l("right_of_use_assets", "使用权资产"),
    _l("intangible_assets", "无形资产"),
    _l("development_expenditure", "开发支出"),
    _l("goodwill", "商誉"),
    _l("long_term_prepaid_expenses", "长期待摊费用"),
    _l("deferred_tax_assets", "递延所得税资产"),
    _l("other_non_current_assets", "其他非流动资产"),
    _l("total_non_current_assets", "非流动资产合计", role="total"),
    _l("total_assets", "资产总计", "资产合计", role="total"),
    # 流动负债
    _l("short_term_borrowings", "短期借款"),
    _l("trading_financial_liabilities", "交易性金融负债"),
    _l("derivative_financial_liabilities", "衍生金融负债"),
    _l("notes_payable", "应付票据"),
    _l("accounts_payable", "应付账款"),
    _l("advances_from_customers", "预收款项", small=("预收账款",)),
    _l("contract_liabilities", "合同负债"),
    _l("employee_benefits_payable", "应付职工薪酬"),
    _l("taxes_payable", "应交税费"),
    _l("interest_payable", small=("应付利息",)),
    _l("profits_payable", small=("应付利润",)),
    _l("other_payables", "其他应付款"),
    _l("held_for_sale_liabilities", "持有待售负债"),
    _l("non_current_liabilities_due_within_one_year", "一年内到期的非流动负债"),
    _l("other_current_liabilities", "其他流动负债"),
    _l("total_current_liabilities", "流动负债合计", role="total"),
    # 非流动负债
    _l("long_term_borrowings", "长期借款"),
    _l("bonds_payable", "应付债券"),
    _l("preferred_shares", "优先股", role="sub"),
    _l("perpetual_bonds", "永续债", role="sub"),
    _l("lease_liabilities", "租赁负债"),
    _l("long_term_payables", "长期应付款"),
    _l("provisions", "预计负债"),
    _l("deferred_income", "递延收益"),
    _l("deferred_tax_liabilities", "递延所得税负债"),
    _l("other_non_current_liabilities", "其他非流动负债"),
    _l("total_non_current_liabilities", "非流动负债合计", role="total"),
    _l("total_liabilities", "负债合计", role="total"),
    # 所有者权益
    _l("paid_in_capital", "实收资本", "股本"),
    _l("other_equity_instruments", "其他权益工具"),
    _l("capital_reserve", "资本公积"),
    _l("treasury_stock", "库存股", role="minus"),
    _l("other_comprehensive_income", "其他综合收益"),
    _l("special_reserve", "专项储备"),
    _l("surplus_reserve", "盈余公积"),
    _l("retained_earnings", "未分配利润"),
    _l("total_equity", "所有者权益合计", "股东权益合计", role="total"),
    _l(
        "total_liabilities_and_equity",
        "负债和所有者权益总计",
        "负债和股东权益总计",
        "负债及所有者权益总计",
        role="total",
    ),
)

INCOME_STATEMENT_LINES: tuple[LineSpec, ...] = (
    # 主营业务收入 is the top revenue line of the older (pre-2006 style) 利润表 only.
    _l("operating_revenue", "营业收入", small=("主营业务收入",)),
    _l("operating_cost", "营业成本", small=("主营业务成本",)),
    _l("taxes_and_surcharges", "税金及附加", "营业税金及附加", small=("主营业务税金及附加",)),
    _l("selling_expenses", "销售费用", small=("营业费用",)),
    _l("admin_expenses", "管理费用"),
    _l("rd_expenses", "研发费用"),
    _l("finance_expenses", "财务费用"),
    # 其中 lines under 税金及附加, 销售费用, 管理费用 and 营业外支出 on the small-enterprise form.
    _l("consumption_tax", small=("消费税",), role="sub"),
    _l("business_tax", small=("营业税",), role="sub"),
    _l("urban_construction_tax", small=("城市维护建设税",), role="sub"),
    _l("resource_tax", small=("资源税",), role="sub"),
    _l("land_appreciation_tax", small=("土地增值税",), role="sub"),
    _l("property_and_other_taxes", small=("城镇土地使用税、房产税、车船税、印花税",), role="sub"),
    _l("education_surcharges", small=("教育费附加、矿产资源补偿费、排污费",), role="sub"),
    _l("repair_expenses", small=("商品维修费",), role="sub"),
    _l("advertising_expenses", small=("广告费和业务宣传费",), role="sub"),
    _l("start_up_costs", small=("开办费",), role="sub"),
    _l("entertainment_expenses", small=("业务招待费",), role="sub"),
    _l("research_costs", small=("研究费用",), role="sub"),
    _l("interest_expense", "利息费用", role="sub"),
    _l("interest_income", "利息收入", role="sub"),
    _l("other_income", "其他收益"),
    _l("investment_income", "投资收益"),
    _l("investment_income_from_associates", "对联营企业和合营企业的投资收益", role="sub"),
    _l("derecognition_gain_amortised_cost", "以摊余成本计量的金融资产终止确认收益", role="sub"),
    _l("net_exposure_hedging_income", "净敞口套期收益"),
    _l("fair_value_change_income", "公允价值变动收益"),
    _l("credit_impairment_loss", "信用减值损失"),
    _l("asset_impairment_loss", "资产减值损失"),
    _l("asset_disposal_income", "资产处置收益"),
    _l("operating_profit", "营业利润", role="total"),
    _l("non_operating_income", "营业外收入"),
    _l("government_grants", small=("政府补助",), role="sub"),
    _l("non_operating_expenses", "营业外支出"),
    _l("bad_debt_losses", small=("坏账损失",), role="sub"),
    _l("bond_investment_losses", small=("无法收回的长期债券投资损失",), role="sub"),
    _l("equity_investment_losses", small=("无法收回的长期股权投资损失",), role="sub"),
    _l("force_majeure_losses", small=("自然灾害等不可抗力因素造成的损失",), role="sub"),
    _l("tax_late_fees", small=("税收滞纳金",), role="sub"),
    _l("total_profit", "利润总额", role="total"),
    _l("income_tax_expense", "所得税费用", "所得税"),
    _l("net_profit", "净利润", role="total"),
    _l("net_profit_continuing", "持续经营净利润", role="sub"),
    _l("net_profit_discontinued", "终止经营净利润", role="sub"),
    _l("other_comprehensive_income_net", "其他综合收益的税后净额"),
    _l("total_comprehensive_income", "综合收益总额", role="total"),
    _l("basic_eps", "基本每股收益", role="sub"),
    _l("diluted_eps", "稀释每股收益", role="sub"),
)

CASH_FLOW_LINES: tuple[LineSpec, ...] = (
    # 经营活动
    _l(
        "cash_received_from_sales",
        "销售商品、提供劳务收到的现金",
        small=("销售产成品、商品、提供劳务收到的现金",),
        section=OPERATING,
    ),
    _l("tax_refunds_received", "收到的税费返还", section=OPERATING),
    _l("other_operating_cash_received", "收到其他与经营活动有关的现金", section=OPERATING),
    _l("subtotal_operating_inflows", "经营活动现金流入小计", "现金流入小计", role="total", section=OPERATING),
    _l(
        "cash_paid_for_goods",
        "购买商品、接受劳务支付的现金",
        small=("购买原材料、商品、接受劳务支付的现金",),
        section=OPERATING,
    ),
    _l("cash_paid_to_employees", "支付给职工以及为职工支付的现金", small=("支付的职工薪酬",), section=OPERATING),
    _l("taxes_paid", "支付的各项税费", small=("支付的税费",), section=OPERATING),
    _l("other_operating_cash_paid", "支付其他与经营活动有关的现金", section=OPERATING),
    _l("subtotal_operating_outflows", "经营活动现金流出小计", "现金流出小计", role="total", section=OPERATING),
    _l("net_cash_from_operating", "经营活动产生的现金流量净额", role="total"),
    # 投资活动
    _l(
        "cash_from_investment_recovery",
        "收回投资收到的现金",
        small=("收回短期投资、长期债券投资和长期股权投资收到的现金",),
    ),
    _l("cash_from_investment_income", "取得投资收益收到的现金"),
    _l(
        "cash_from_disposal_of_long_term_assets",
        "处置固定资产、无形资产和其他长期资产收回的现金净额",
        small=("处置固定资产、无形资产和其他非流动资产收回的现金净额",),
    ),
    _l("other_investing_cash_received", "收到其他与投资活动有关的现金"),
    _l("subtotal_investing_inflows", "投资活动现金流入小计", "现金流入小计", role="total", section=INVESTING),
    _l(
        "cash_paid_for_long_term_assets",
        "购建固定资产、无形资产和其他长期资产支付的现金",
        small=("购建固定资产、无形资产和其他非流动资产支付的现金",),
    ),
    _l("cash_paid_for_investments", "投资支付的现金", small=("短期投资、长期债券投资和长期股权投资支付的现金",)),
    _l("other_investing_cash_paid", "支付其他与投资活动有关的现金"),
    _l("subtotal_investing_outflows", "投资活动现金流出小计", "现金流出小计", role="total", section=INVESTING),
    _l("net_cash_from_investing", "投资活动产生的现金流量净额", role="total"),
    # 筹资活动
    _l("cash_from_capital_contributions", "吸收投资收到的现金", small=("吸收投资者投资收到的现金",)),
    _l("cash_from_borrowings", "取得借款收到的现金"),
    _l("other_financing_cash_received", "收到其他与筹资活动有关的现金"),
    _l("subtotal_financing_inflows", "筹资活动现金流入小计", "现金流入小计", role="total", section=FINANCING),
    _l("cash_repayments_of_borrowings", "偿还债务支付的现金", small=("偿还借款本金支付的现金",)),
    _l("cash_paid_for_dividends_and_interest", "分配股利、利润或偿付利息支付的现金"),
    _l("cash_paid_for_interest", small=("偿还借款利息支付的现金",)),
    _l("cash_paid_for_profit_distribution", small=("分配利润支付的现金",)),
    _l("other_financing_cash_paid", "支付其他与筹资活动有关的现金"),
    _l("subtotal_financing_outflows", "筹资活动现金流出小计", "现金流出小计", role="total", section=FINANCING),
    _l("net_cash_from_financing", "筹资活动产生的现金流量净额", role="total"),
    # 汇总
    _l("fx_effect_on_cash", "汇率变动对现金及现金等价物的影响"),
    _l("net_increase_in_cash", "现金及现金等价物净增加额", small=("现金净增加额",), role="total"),
    _l("cash_at_beginning", "期初现金及现金等价物余额", small=("期初现金余额",)),
    _l("cash_at_end", "期末现金及现金等价物余额", small=("期末现金余额",), role="total"),
    # 补充资料: the same names mean the supplementary reconciliation lines there.
    _l("supplementary_net_profit", "净利润", section=SUPPLEMENTARY),
    _l("supplementary_net_cash_from_operating", "经营活动产生的现金流量净额", section=SUPPLEMENTARY),
    _l("supplementary_cash_at_end", "现金的期末余额", section=SUPPLEMENTARY),
    _l("supplementary_cash_at_beginning", "现金的期初余额", section=SUPPLEMENTARY),
    _l("supplementary_net_increase_in_cash", "现金及现金等价物净增加额", section=SUPPLEMENTARY),
)

CATALOGUE: dict[str, tuple[LineSpec, ...]] = {
    BALANCE_SHEET: BALANCE_SHEET_LINES,
    INCOME_STATEMENT: INCOME_STATEMENT_LINES,
    CASH_FLOW_STATEMENT: CASH_FLOW_LINES,
}

# Lines only one of the two formats prints: they tell the format apart when the 表号 is not shown.
GENERAL_ONLY_NAMES = frozenset(
    {"交易性金融资产", "合同资产", "使用权资产", "合同负债", "研发费用", "其他收益", "信用减值损失", "其他综合收益"}
)
SMALL_ONLY_NAMES = frozenset(
    {"固定资产账面价值", "固定资产原价", "应付利润", "长期债券投资", "短期投资", "支付的职工薪酬", "期末现金余额"}
)

# Leading order marks: 一、 (一) 1. 1、 ① 加： 减： 其中： 以及 their combinations ("加：1.").
_PREFIX = re.compile(
    r"^(?:\s*(?:[一二三四五六七八九十]+[、.．]|\(?[一二三四五六七八九十]+\)|[（(]\d+[)）]|\d{1,2}\s*[.．、](?!\d)"
    r"|[①②③④⑤⑥⑦⑧⑨⑩]|加\s*[:：]|减\s*[:：]|其中\s*[:：]|其\s*中\s*[:：]|[:：]))+"
)
# Sign notes and alternatives printed in brackets: (损失以“-”号填列) (或股本) (亏损以“－”号填列).
_BRACKETED = re.compile(r"[（(][^（）()]*[)）]")
_NOISE = re.compile(r"[\s:：“”\"'‘’]")


def line_name(label: str) -> str:
    """The comparable form of a printed line name (for matching only; labels are kept as printed)."""
    text = unicodedata.normalize("NFKC", label)
    text = _PREFIX.sub("", text.strip())
    text = _BRACKETED.sub("", text)
    text = _NOISE.sub("", text)
    return text.replace(",", "、").rstrip("、.")


def is_section_header(label: str) -> bool:
    """A heading line such as 流动资产： or 一、经营活动产生的现金流量： (no values of its own)."""
    text = unicodedata.normalize("NFKC", label).strip()
    return text.endswith((":", "：")) and "其中" not in text[-4:]


@dataclass(frozen=True, slots=True)
class LineMatch:
    spec: LineSpec
    small_enterprise: bool  # matched a name only the 小企业 format prints


def _index(lines: tuple[LineSpec, ...]) -> dict[str, list[LineMatch]]:
    index: dict[str, list[LineMatch]] = {}
    for spec in lines:
        for name in spec.names:
            index.setdefault(line_name(name), []).append(LineMatch(spec, False))
        for name in spec.small_names:
            index.setdefault(line_name(name), []).append(LineMatch(spec, True))
    return index


_INDEX: dict[str, dict[str, list[LineMatch]]] = {kind: _index(lines) for kind, lines in CATALOGUE.items()}
NAMES_BY_TYPE: dict[str, tuple[str, ...]] = {kind: tuple(index) for kind, index in _INDEX.items()}


def match_line(statement: str, name: str, section: str | None = None) -> LineMatch | None:
    """The catalogue entry for a normalised line name printed in `section` (cash flow), if any.

    In the 补充资料 only supplementary entries apply (its 净利润 is not the income statement's); a
    section-bound entry applies only in its section (现金流入小计 is per activity).
    """
    candidates = _INDEX.get(statement, {}).get(name, [])
    if section == SUPPLEMENTARY:
        candidates = [c for c in candidates if c.spec.section == SUPPLEMENTARY]
    else:
        candidates = [c for c in candidates if c.spec.section in (None, section) and c.spec.section != SUPPLEMENTARY]
        bound = [c for c in candidates if c.spec.section == section]
        candidates = bound or candidates
    return candidates[0] if candidates else None


def spec_of(statement: str, key: str) -> LineSpec | None:
    return next((s for s in CATALOGUE.get(statement, ()) if s.key == key), None)

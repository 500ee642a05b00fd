"""Deterministic generator of Chinese financial-statement samples with truth labels.

Run: ``python -m samples.generate_statements --out samples/statements --seed 13``

Each sample is one file holding a statement set: 资产负债表 + 利润表 + 现金流量表 on consecutive pages
of one PDF (so the splitter is exercised), in the general format (一般企业财务报表格式, 会企01-03表) or
the small-enterprise one (小企业会计准则, 会小企01-03表), printed in 元, 千元 or 万元. Digital PDFs
carry a text layer; scans are the same pages rendered and degraded with the invoice generator's
helpers. Numbers are generated in the printed unit (two decimals) and every total is computed from
the printed components, so a clean set is consistent to the cent; one set plants 资产总计 ≠
负债和所有者权益总计 and its truth lists the finding a checker must raise.

Truth JSON beside each file: ``documents`` (one per logical document, in file order) with doc_type,
pages, fields and lines (key, label as printed, 行次, current and prior in yuan), plus a ``sample``
block (seed, plan, source kind, degradations, anomalies). Same seed: byte-identical files.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from extractors.statement_lines import spec_of
from samples.generate import PAGE_H as PEN_PAGE_H
from samples.generate import (
    PROVINCES,
    SCAN_DPI,
    Pen,
    add_noise,
    blur,
    cents,
    company_name,
    company_seal,
    fit_size,
    make_uscc,
    rasterize,
    register_font,
    skew,
    stamp_seal,
)

A4_SHORT = 595.28
A4_LONG = 841.89
ZERO = Decimal("0.00")
MULTIPLIERS = {"元": 1, "人民币元": 1, "千元": 1000, "万元": 10000}
JPEG_QUALITY = 80

# ----------------------------------------------------------------------------------------------
# Statement content (values in the printed unit, exactly as printed)
# ----------------------------------------------------------------------------------------------


@dataclass
class Line:
    label: str  # as printed, prefixes included
    key: str | None  # canonical key (None: printed but not a catalogued line, or a heading)
    current: Decimal | None = None
    prior: Decimal | None = None
    row: int | None = None  # 行次
    heading: bool = False


@dataclass
class Statement:
    doc_type: str
    title: str
    form_no: str
    date_text: str
    columns: tuple[str, str]
    halves: list[list[Line]]  # one list per printed half (the balance sheet: assets | liabilities)
    fields: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class SetPlan:
    label: str
    standard: str = "general"  # general | small_enterprise
    unit: str = "元"
    negative_style: str = "minus"  # minus: -1,234.00 | paren: (1,234.00)
    blank_style: str = ""  # how a blank cell prints: "" or "-"
    row_numbers: bool = True  # print a 行次 column
    stacked_balance: bool = False  # balance sheet as one column over two pages (资产负债表（续）)
    equity_word: str = "所有者权益"  # or 股东权益 (股份公司)
    show_raw_materials: bool = False
    period: str = "annual"  # annual: 2024年度 | range: 2024年1-12月 | month (small enterprise)
    anomaly: str | None = None  # balance_mismatch
    source_kind: str = "digital_pdf"  # digital_pdf | scan
    image_format: str = "pdf"  # pdf | jpg
    statements: tuple[str, ...] = ("balance_sheet", "income_statement", "cash_flow_statement")
    skew: bool = False
    blur: bool = False
    noise: bool = False
    seal: bool = False


PLAN: tuple[SetPlan, ...] = (
    SetPlan("general_yuan"),
    SetPlan("general_wanyuan_stacked", unit="万元", negative_style="paren", blank_style="-", stacked_balance=True,
            period="annual"),
    SetPlan("small_enterprise", standard="small_enterprise", period="month", show_raw_materials=True),
    SetPlan("general_planted_mismatch", anomaly="balance_mismatch", period="range", blank_style="-"),
    SetPlan("general_qianyuan_no_rowno", unit="千元", row_numbers=False, negative_style="paren"),
    SetPlan("general_shares_yuan", unit="人民币元", equity_word="股东权益", show_raw_materials=True, period="range"),
    SetPlan("scan_balance_sheet", source_kind="scan", image_format="jpg", statements=("balance_sheet",), skew=True,
            noise=True, seal=True),
    SetPlan("scan_income_wanyuan", unit="万元", source_kind="scan", image_format="jpg",
            statements=("income_statement",), blur=True, negative_style="paren"),
    SetPlan("scan_bundle", source_kind="scan", image_format="pdf", skew=True, period="range"),
)  # fmt: skip


class Amounts:
    """Random amounts in the printed unit: yuan magnitudes divided by the unit, two decimals."""

    def __init__(self, rng: random.Random, unit: str, scale: float) -> None:
        self.rng = rng
        self.multiplier = Decimal(MULTIPLIERS[unit])
        self.scale = scale  # company size in yuan of revenue

    def share(self, low: float, high: float) -> Decimal:
        yuan = Decimal(str(round(self.rng.uniform(low, high) * self.scale, 2)))
        return cents(yuan / self.multiplier)

    def maybe(self, low: float, high: float, probability: float) -> Decimal | None:
        return self.share(low, high) if self.rng.random() < probability else None


def _sum(values: Sequence[Decimal | None]) -> Decimal:
    return sum((v for v in values if v is not None), ZERO)


def _column(rng: random.Random, plan: SetPlan, scale: float) -> Amounts:
    return Amounts(rng, plan.unit, scale)


# ---- balance sheet ----------------------------------------------------------------------------


def balance_sheet_values(a: Amounts, plan: SetPlan, cash: Decimal, capital: Decimal) -> dict[str, Decimal | None]:
    """One column of a balance sheet, every total computed from the printed components."""
    small = plan.standard == "small_enterprise"
    v: dict[str, Decimal | None] = {"monetary_funds": cash}
    v["trading_financial_assets"] = None if small else a.maybe(0.01, 0.05, 0.3)
    v["short_term_investments"] = a.maybe(0.01, 0.05, 0.3) if small else None
    v["notes_receivable"] = a.maybe(0.01, 0.06, 0.7)
    v["accounts_receivable"] = a.share(0.08, 0.3)
    v["prepayments"] = a.share(0.01, 0.06)
    v["other_receivables"] = a.share(0.002, 0.03)
    v["inventories"] = a.share(0.08, 0.25)
    inventories = v["inventories"] or ZERO
    v["raw_materials"] = cents(inventories * Decimal(str(round(a.rng.uniform(0.3, 0.6), 2))))
    if small:  # 其中 lines of 存货 (details, not added again)
        v["work_in_progress"] = cents(inventories * Decimal("0.15"))
        v["finished_goods"] = inventories - v["raw_materials"] - v["work_in_progress"]
    v["contract_assets"] = None if small else a.maybe(0.005, 0.03, 0.3)
    v["other_current_assets"] = a.maybe(0.001, 0.01, 0.6)
    current = ("monetary_funds", "trading_financial_assets", "short_term_investments", "notes_receivable",
               "accounts_receivable", "prepayments", "other_receivables", "inventories", "contract_assets",
               "other_current_assets")  # fmt: skip
    v["total_current_assets"] = _sum([v[k] for k in current])
    v["long_term_equity_investments"] = a.maybe(0.02, 0.1, 0.5)
    if small:
        v["fixed_assets_cost"] = a.share(0.3, 0.6)
        v["accumulated_depreciation"] = cents((v["fixed_assets_cost"] or ZERO) * Decimal("0.35"))
        v["fixed_assets"] = (v["fixed_assets_cost"] or ZERO) - (v["accumulated_depreciation"] or ZERO)
    else:
        v["fixed_assets"] = a.share(0.15, 0.4)
        v["right_of_use_assets"] = a.maybe(0.005, 0.03, 0.5)
        v["deferred_tax_assets"] = a.maybe(0.001, 0.01, 0.6)
    v["construction_in_progress"] = a.maybe(0.01, 0.08, 0.5)
    v["intangible_assets"] = a.share(0.01, 0.08)
    v["long_term_prepaid_expenses"] = a.maybe(0.001, 0.01, 0.5)
    non_current = ("long_term_equity_investments", "fixed_assets", "right_of_use_assets", "construction_in_progress",
                   "intangible_assets", "long_term_prepaid_expenses", "deferred_tax_assets")  # fmt: skip
    v["total_non_current_assets"] = _sum([v.get(k) for k in non_current])
    v["total_assets"] = (v["total_current_assets"] or ZERO) + (v["total_non_current_assets"] or ZERO)

    v["short_term_borrowings"] = a.share(0.05, 0.25)
    v["notes_payable"] = a.maybe(0.01, 0.08, 0.6)
    v["accounts_payable"] = a.share(0.06, 0.2)
    if small:
        v["advances_from_customers"] = a.maybe(0.005, 0.04, 0.7)
        v["profits_payable"] = a.maybe(0.001, 0.01, 0.3)
    else:
        v["contract_liabilities"] = a.maybe(0.005, 0.04, 0.7)
        v["lease_liabilities"] = a.maybe(0.003, 0.02, 0.5)
    v["employee_benefits_payable"] = a.share(0.005, 0.02)
    v["taxes_payable"] = a.share(0.002, 0.015)
    v["other_payables"] = a.share(0.002, 0.03)
    v["non_current_liabilities_due_within_one_year"] = None if small else a.maybe(0.005, 0.03, 0.4)
    current_liabilities = ("short_term_borrowings", "notes_payable", "accounts_payable", "advances_from_customers",
                           "contract_liabilities", "employee_benefits_payable", "taxes_payable", "profits_payable",
                           "other_payables", "non_current_liabilities_due_within_one_year")  # fmt: skip
    v["total_current_liabilities"] = _sum([v.get(k) for k in current_liabilities])
    v["long_term_borrowings"] = a.maybe(0.03, 0.15, 0.7)
    v["deferred_income"] = a.maybe(0.001, 0.01, 0.4)
    non_current_liabilities = ("long_term_borrowings", "lease_liabilities", "deferred_income")
    v["total_non_current_liabilities"] = _sum([v.get(k) for k in non_current_liabilities])
    v["total_liabilities"] = (v["total_current_liabilities"] or ZERO) + (v["total_non_current_liabilities"] or ZERO)

    v["paid_in_capital"] = capital
    v["capital_reserve"] = a.maybe(0.005, 0.05, 0.6)
    v["surplus_reserve"] = a.share(0.005, 0.03)
    equity_before = _sum([v["paid_in_capital"], v["capital_reserve"], v["surplus_reserve"]])
    # 未分配利润 balances the sheet; it may well be negative (accumulated losses).
    v["retained_earnings"] = (v["total_assets"] or ZERO) - (v["total_liabilities"] or ZERO) - equity_before
    v["total_equity"] = equity_before + (v["retained_earnings"] or ZERO)
    v["total_liabilities_and_equity"] = (v["total_liabilities"] or ZERO) + (v["total_equity"] or ZERO)
    return v


def balance_sheet_layout(plan: SetPlan) -> tuple[list[tuple[str, str | None]], list[tuple[str, str | None]]]:
    """(label as printed, key) per half; a key of None with a trailing ： is a heading."""
    eq = plan.equity_word
    capital = "股本" if eq == "股东权益" else "实收资本（或股本）"
    equity_total = f"{eq}合计" if eq == "股东权益" else "所有者权益（或股东权益）合计"
    grand_total = f"负债和{eq}总计" if eq == "股东权益" else "负债和所有者权益（或股东权益）总计"
    equity_heading = f"{eq}：" if eq == "股东权益" else "所有者权益（或股东权益）："
    if plan.standard == "small_enterprise":
        left = [
            ("流动资产：", None),
            ("货币资金", "monetary_funds"),
            ("短期投资", "short_term_investments"),
            ("应收票据", "notes_receivable"),
            ("应收账款", "accounts_receivable"),
            ("预付账款", "prepayments"),
            ("应收股利", "dividends_receivable"),
            ("应收利息", "interest_receivable"),
            ("其他应收款", "other_receivables"),
            ("存货", "inventories"),
            ("其中：原材料", "raw_materials"),
            ("在产品", "work_in_progress"),
            ("库存商品", "finished_goods"),
            ("周转材料", "turnover_materials"),
            ("其他流动资产", "other_current_assets"),
            ("流动资产合计", "total_current_assets"),
            ("非流动资产：", None),
            ("长期债券投资", "long_term_bond_investments"),
            ("长期股权投资", "long_term_equity_investments"),
            ("固定资产原价", "fixed_assets_cost"),
            ("减：累计折旧", "accumulated_depreciation"),
            ("固定资产账面价值", "fixed_assets"),
            ("在建工程", "construction_in_progress"),
            ("工程物资", "construction_materials"),
            ("固定资产清理", "fixed_assets_disposal"),
            ("生产性生物资产", "productive_biological_assets"),
            ("无形资产", "intangible_assets"),
            ("开发支出", "development_expenditure"),
            ("长期待摊费用", "long_term_prepaid_expenses"),
            ("其他非流动资产", "other_non_current_assets"),
            ("非流动资产合计", "total_non_current_assets"),
            ("资产总计", "total_assets"),
        ]
        right = [
            ("流动负债：", None),
            ("短期借款", "short_term_borrowings"),
            ("应付票据", "notes_payable"),
            ("应付账款", "accounts_payable"),
            ("预收账款", "advances_from_customers"),
            ("应付职工薪酬", "employee_benefits_payable"),
            ("应交税费", "taxes_payable"),
            ("应付利息", "interest_payable"),
            ("应付利润", "profits_payable"),
            ("其他应付款", "other_payables"),
            ("其他流动负债", "other_current_liabilities"),
            ("流动负债合计", "total_current_liabilities"),
            ("非流动负债：", None),
            ("长期借款", "long_term_borrowings"),
            ("长期应付款", "long_term_payables"),
            ("递延收益", "deferred_income"),
            ("其他非流动负债", "other_non_current_liabilities"),
            ("非流动负债合计", "total_non_current_liabilities"),
            ("负债合计", "total_liabilities"),
            (equity_heading, None),
            (capital, "paid_in_capital"),
            ("资本公积", "capital_reserve"),
            ("盈余公积", "surplus_reserve"),
            ("未分配利润", "retained_earnings"),
            (equity_total, "total_equity"),
            (grand_total, "total_liabilities_and_equity"),
        ]
        return left, right
    left = [
        ("流动资产：", None),
        ("货币资金", "monetary_funds"),
        ("交易性金融资产", "trading_financial_assets"),
        ("衍生金融资产", "derivative_financial_assets"),
        ("应收票据", "notes_receivable"),
        ("应收账款", "accounts_receivable"),
        ("应收款项融资", "receivables_financing"),
        ("预付款项", "prepayments"),
        ("其他应收款", "other_receivables"),
        ("存货", "inventories"),
        *([("其中：原材料", "raw_materials")] if plan.show_raw_materials else []),
        ("合同资产", "contract_assets"),
        ("持有待售资产", "held_for_sale_assets"),
        ("一年内到期的非流动资产", "non_current_assets_due_within_one_year"),
        ("其他流动资产", "other_current_assets"),
        ("流动资产合计", "total_current_assets"),
        ("非流动资产：", None),
        ("债权投资", "debt_investments"),
        ("其他债权投资", "other_debt_investments"),
        ("长期应收款", "long_term_receivables"),
        ("长期股权投资", "long_term_equity_investments"),
        ("其他权益工具投资", "other_equity_instrument_investments"),
        ("其他非流动金融资产", "other_non_current_financial_assets"),
        ("投资性房地产", "investment_property"),
        ("固定资产", "fixed_assets"),
        ("在建工程", "construction_in_progress"),
        ("生产性生物资产", "productive_biological_assets"),
        ("油气资产", "oil_and_gas_assets"),
        ("使用权资产", "right_of_use_assets"),
        ("无形资产", "intangible_assets"),
        ("开发支出", "development_expenditure"),
        ("商誉", "goodwill"),
        ("长期待摊费用", "long_term_prepaid_expenses"),
        ("递延所得税资产", "deferred_tax_assets"),
        ("其他非流动资产", "other_non_current_assets"),
        ("非流动资产合计", "total_non_current_assets"),
        ("资产总计", "total_assets"),
    ]
    right = [
        ("流动负债：", None), ("短期借款", "short_term_borrowings"),
        ("交易性金融负债", "trading_financial_liabilities"), ("衍生金融负债", "derivative_financial_liabilities"),
        ("应付票据", "notes_payable"), ("应付账款", "accounts_payable"), ("预收款项", "advances_from_customers"),
        ("合同负债", "contract_liabilities"), ("应付职工薪酬", "employee_benefits_payable"),
        ("应交税费", "taxes_payable"), ("其他应付款", "other_payables"),
        ("持有待售负债", "held_for_sale_liabilities"),
        ("一年内到期的非流动负债", "non_current_liabilities_due_within_one_year"),
        ("其他流动负债", "other_current_liabilities"), ("流动负债合计", "total_current_liabilities"),
        ("非流动负债：", None), ("长期借款", "long_term_borrowings"), ("应付债券", "bonds_payable"),
        ("其中：优先股", "preferred_shares"), ("永续债", "perpetual_bonds"), ("租赁负债", "lease_liabilities"),
        ("长期应付款", "long_term_payables"), ("预计负债", "provisions"), ("递延收益", "deferred_income"),
        ("递延所得税负债", "deferred_tax_liabilities"), ("其他非流动负债", "other_non_current_liabilities"),
        ("非流动负债合计", "total_non_current_liabilities"), ("负债合计", "total_liabilities"),
        (equity_heading, None), (capital, "paid_in_capital"), ("其他权益工具", "other_equity_instruments"),
        ("资本公积", "capital_reserve"), ("减：库存股", "treasury_stock"),
        ("其他综合收益", "other_comprehensive_income"), ("专项储备", "special_reserve"),
        ("盈余公积", "surplus_reserve"), ("未分配利润", "retained_earnings"), (equity_total, "total_equity"),
        (grand_total, "total_liabilities_and_equity"),
    ]  # fmt: skip
    return left, right


# ---- income statement -------------------------------------------------------------------------

INCOME_SUBTRACTED = ("operating_cost", "taxes_and_surcharges", "selling_expenses", "admin_expenses", "rd_expenses",
                     "finance_expenses")  # fmt: skip
INCOME_ADDED = ("other_income", "investment_income", "credit_impairment_loss", "asset_impairment_loss",
                "asset_disposal_income")  # fmt: skip


def income_values(a: Amounts, plan: SetPlan) -> dict[str, Decimal | None]:
    small = plan.standard == "small_enterprise"
    v: dict[str, Decimal | None] = {"operating_revenue": a.share(0.9, 1.1)}
    revenue = v["operating_revenue"] or ZERO
    v["operating_cost"] = cents(revenue * Decimal(str(round(a.rng.uniform(0.62, 0.86), 3))))
    v["taxes_and_surcharges"] = a.share(0.003, 0.01)
    v["selling_expenses"] = a.share(0.015, 0.05)
    v["admin_expenses"] = a.share(0.03, 0.07)
    v["rd_expenses"] = None if small else a.maybe(0.01, 0.04, 0.8)
    v["interest_expense"] = a.share(0.004, 0.02)
    v["interest_income"] = None if small else a.share(0.001, 0.012)
    fees = a.share(0.0002, 0.001)
    v["finance_expenses"] = (v["interest_expense"] or ZERO) - (v["interest_income"] or ZERO) + fees
    v["other_income"] = None if small else a.maybe(0.001, 0.006, 0.6)
    investment = a.maybe(0.001, 0.01, 0.6)
    v["investment_income"] = -investment if investment is not None and a.rng.random() < 0.3 else investment
    if not small:
        credit = a.maybe(0.001, 0.006, 0.7)
        v["credit_impairment_loss"] = -credit if credit is not None else None  # losses print negative
        impairment = a.maybe(0.001, 0.004, 0.4)
        v["asset_impairment_loss"] = -impairment if impairment is not None else None
        v["asset_disposal_income"] = a.maybe(0.0001, 0.002, 0.3)
    v["operating_profit"] = (
        revenue - _sum([v.get(k) for k in INCOME_SUBTRACTED]) + _sum([v.get(k) for k in INCOME_ADDED])
    )
    v["non_operating_income"] = a.maybe(0.0005, 0.004, 0.7)
    v["government_grants"] = cents((v["non_operating_income"] or ZERO) * Decimal("0.6")) if small else None
    v["non_operating_expenses"] = a.maybe(0.0002, 0.003, 0.7)
    v["total_profit"] = (
        (v["operating_profit"] or ZERO) + _sum([v["non_operating_income"]]) - _sum([v["non_operating_expenses"]])
    )
    total = v["total_profit"] or ZERO
    v["income_tax_expense"] = cents(total * Decimal("0.25")) if total > 0 else ZERO
    v["net_profit"] = total - (v["income_tax_expense"] or ZERO)
    if not small:
        v["net_profit_continuing"] = v["net_profit"]
        v["total_comprehensive_income"] = v["net_profit"]
    else:
        v["urban_construction_tax"] = cents((v["taxes_and_surcharges"] or ZERO) * Decimal("0.58"))
        v["education_surcharges"] = (v["taxes_and_surcharges"] or ZERO) - (v["urban_construction_tax"] or ZERO)
        v["advertising_expenses"] = cents((v["selling_expenses"] or ZERO) * Decimal("0.3"))
        v["entertainment_expenses"] = cents((v["admin_expenses"] or ZERO) * Decimal("0.1"))
    return v


def income_layout(plan: SetPlan) -> list[tuple[str, str | None]]:
    if plan.standard == "small_enterprise":
        return [
            ("一、营业收入", "operating_revenue"), ("减：营业成本", "operating_cost"),
            ("税金及附加", "taxes_and_surcharges"), ("其中：消费税", "consumption_tax"),
            ("城市维护建设税", "urban_construction_tax"), ("资源税", "resource_tax"),
            ("土地增值税", "land_appreciation_tax"),
            ("城镇土地使用税、房产税、车船税、印花税", "property_and_other_taxes"),
            ("教育费附加、矿产资源补偿费、排污费", "education_surcharges"), ("销售费用", "selling_expenses"),
            ("其中：商品维修费", "repair_expenses"), ("广告费和业务宣传费", "advertising_expenses"),
            ("管理费用", "admin_expenses"), ("其中：开办费", "start_up_costs"),
            ("业务招待费", "entertainment_expenses"), ("研究费用", "research_costs"),
            ("财务费用", "finance_expenses"), ("其中：利息费用（收入以“-”号填列）", "interest_expense"),
            ("加：投资收益（损失以“-”号填列）", "investment_income"),
            ("二、营业利润（亏损以“-”号填列）", "operating_profit"), ("加：营业外收入", "non_operating_income"),
            ("其中：政府补助", "government_grants"), ("减：营业外支出", "non_operating_expenses"),
            ("其中：坏账损失", "bad_debt_losses"), ("无法收回的长期债券投资损失", "bond_investment_losses"),
            ("无法收回的长期股权投资损失", "equity_investment_losses"),
            ("自然灾害等不可抗力因素造成的损失", "force_majeure_losses"), ("税收滞纳金", "tax_late_fees"),
            ("三、利润总额（亏损总额以“-”号填列）", "total_profit"), ("减：所得税费用", "income_tax_expense"),
            ("四、净利润（净亏损以“-”号填列）", "net_profit"),
        ]  # fmt: skip
    return [
        ("一、营业收入", "operating_revenue"), ("减：营业成本", "operating_cost"),
        ("税金及附加", "taxes_and_surcharges"), ("销售费用", "selling_expenses"), ("管理费用", "admin_expenses"),
        ("研发费用", "rd_expenses"), ("财务费用", "finance_expenses"), ("其中：利息费用", "interest_expense"),
        ("利息收入", "interest_income"), ("加：其他收益", "other_income"),
        ("投资收益（损失以“－”号填列）", "investment_income"),
        ("其中：对联营企业和合营企业的投资收益", "investment_income_from_associates"),
        ("净敞口套期收益（损失以“－”号填列）", "net_exposure_hedging_income"),
        ("公允价值变动收益（损失以“－”号填列）", "fair_value_change_income"),
        ("信用减值损失（损失以“－”号填列）", "credit_impairment_loss"),
        ("资产减值损失（损失以“－”号填列）", "asset_impairment_loss"),
        ("资产处置收益（损失以“－”号填列）", "asset_disposal_income"),
        ("二、营业利润（亏损以“－”号填列）", "operating_profit"), ("加：营业外收入", "non_operating_income"),
        ("减：营业外支出", "non_operating_expenses"), ("三、利润总额（亏损总额以“－”号填列）", "total_profit"),
        ("减：所得税费用", "income_tax_expense"), ("四、净利润（净亏损以“－”号填列）", "net_profit"),
        ("（一）持续经营净利润（净亏损以“－”号填列）", "net_profit_continuing"),
        ("（二）终止经营净利润（净亏损以“－”号填列）", "net_profit_discontinued"),
        ("五、其他综合收益的税后净额", "other_comprehensive_income_net"),
        ("六、综合收益总额", "total_comprehensive_income"), ("七、每股收益：", None),
        ("（一）基本每股收益", "basic_eps"), ("（二）稀释每股收益", "diluted_eps"),
    ]  # fmt: skip


# ---- cash flow statement ----------------------------------------------------------------------


def cash_flow_values(a: Amounts, plan: SetPlan, net_profit: Decimal) -> dict[str, Decimal | None]:
    small = plan.standard == "small_enterprise"
    v: dict[str, Decimal | None] = {}
    v["cash_received_from_sales"] = a.share(0.95, 1.2)
    v["tax_refunds_received"] = None if small else a.maybe(0.001, 0.01, 0.4)
    v["other_operating_cash_received"] = a.share(0.002, 0.02)
    v["subtotal_operating_inflows"] = _sum(
        [v["cash_received_from_sales"], v["tax_refunds_received"], v["other_operating_cash_received"]]
    )
    v["cash_paid_for_goods"] = a.share(0.6, 0.85)
    v["cash_paid_to_employees"] = a.share(0.05, 0.12)
    v["taxes_paid"] = a.share(0.01, 0.04)
    v["other_operating_cash_paid"] = a.share(0.01, 0.05)
    outflow_keys = ("cash_paid_for_goods", "cash_paid_to_employees", "taxes_paid", "other_operating_cash_paid")
    v["subtotal_operating_outflows"] = _sum([v[k] for k in outflow_keys])
    inflow_keys = ("cash_received_from_sales", "tax_refunds_received", "other_operating_cash_received")
    v["net_cash_from_operating"] = (v["subtotal_operating_inflows"] or ZERO) - (
        v["subtotal_operating_outflows"] or ZERO
    )
    if small:  # no subtotal lines on the small-enterprise form
        v["net_cash_from_operating"] = _sum([v[k] for k in inflow_keys]) - _sum([v[k] for k in outflow_keys])
        v["subtotal_operating_inflows"] = v["subtotal_operating_outflows"] = None
    v["cash_from_investment_recovery"] = a.maybe(0.005, 0.03, 0.5)
    v["cash_from_investment_income"] = a.maybe(0.001, 0.006, 0.5)
    v["cash_from_disposal_of_long_term_assets"] = a.maybe(0.0005, 0.004, 0.4)
    investing_in = ("cash_from_investment_recovery", "cash_from_investment_income",
                    "cash_from_disposal_of_long_term_assets")  # fmt: skip
    v["cash_paid_for_long_term_assets"] = a.share(0.02, 0.08)
    v["cash_paid_for_investments"] = a.maybe(0.005, 0.04, 0.5)
    investing_out = ("cash_paid_for_long_term_assets", "cash_paid_for_investments")
    v["net_cash_from_investing"] = _sum([v[k] for k in investing_in]) - _sum([v[k] for k in investing_out])
    v["cash_from_capital_contributions"] = a.maybe(0.01, 0.05, 0.3)
    v["cash_from_borrowings"] = a.share(0.05, 0.2)
    financing_in = ("cash_from_capital_contributions", "cash_from_borrowings")
    v["cash_repayments_of_borrowings"] = a.share(0.04, 0.2)
    v["cash_paid_for_dividends_and_interest"] = a.share(0.004, 0.02)
    financing_out = ("cash_repayments_of_borrowings", "cash_paid_for_dividends_and_interest")
    v["net_cash_from_financing"] = _sum([v[k] for k in financing_in]) - _sum([v[k] for k in financing_out])
    if not small:
        v["subtotal_investing_inflows"] = _sum([v[k] for k in investing_in])
        v["subtotal_investing_outflows"] = _sum([v[k] for k in investing_out])
        v["subtotal_financing_inflows"] = _sum([v[k] for k in financing_in])
        v["subtotal_financing_outflows"] = _sum([v[k] for k in financing_out])
        v["fx_effect_on_cash"] = a.maybe(0.0001, 0.001, 0.3)
    v["net_increase_in_cash"] = _sum(
        [
            v["net_cash_from_operating"],
            v["net_cash_from_investing"],
            v["net_cash_from_financing"],
            v.get("fx_effect_on_cash"),
        ]
    )
    if small:  # the small-enterprise form prints interest and profit distribution apart
        v["cash_paid_for_interest"] = v.pop("cash_paid_for_dividends_and_interest")
    increase = v["net_increase_in_cash"] or ZERO
    beginning = a.share(0.04, 0.1)
    if beginning + increase <= 0:  # a company does not end the year overdrawn
        beginning = -increase + a.share(0.02, 0.05)
    v["cash_at_beginning"] = beginning
    v["cash_at_end"] = beginning + increase
    if not small:
        v["supplementary_net_profit"] = net_profit
        parts = {
            "asset_impairment_provision": a.maybe(0.001, 0.004, 0.5),
            "depreciation": a.share(0.01, 0.04),
            "amortisation_intangibles": a.share(0.001, 0.006),
            "finance_costs_adjustment": a.share(0.003, 0.015),
            "decrease_in_inventories": -a.share(0.0, 0.03),
            "decrease_in_operating_receivables": -a.share(0.0, 0.05),
            "increase_in_operating_payables": a.share(0.0, 0.05),
        }
        v.update(parts)
        # 其他 closes the reconciliation, as it does in practice.
        v["other_adjustments"] = (v["net_cash_from_operating"] or ZERO) - net_profit - _sum(list(parts.values()))
        v["supplementary_net_cash_from_operating"] = v["net_cash_from_operating"]
        v["supplementary_cash_at_end"] = v["cash_at_end"]
        v["supplementary_cash_at_beginning"] = v["cash_at_beginning"]
        v["supplementary_net_increase_in_cash"] = v["net_increase_in_cash"]
    return v


def cash_flow_layout(plan: SetPlan) -> list[tuple[str, str | None]]:
    if plan.standard == "small_enterprise":
        return [
            ("一、经营活动产生的现金流量：", None),
            ("销售产成品、商品、提供劳务收到的现金", "cash_received_from_sales"),
            ("收到其他与经营活动有关的现金", "other_operating_cash_received"),
            ("购买原材料、商品、接受劳务支付的现金", "cash_paid_for_goods"),
            ("支付的职工薪酬", "cash_paid_to_employees"), ("支付的税费", "taxes_paid"),
            ("支付其他与经营活动有关的现金", "other_operating_cash_paid"),
            ("经营活动产生的现金流量净额", "net_cash_from_operating"),
            ("二、投资活动产生的现金流量：", None),
            ("收回短期投资、长期债券投资和长期股权投资收到的现金", "cash_from_investment_recovery"),
            ("取得投资收益收到的现金", "cash_from_investment_income"),
            ("处置固定资产、无形资产和其他非流动资产收回的现金净额", "cash_from_disposal_of_long_term_assets"),
            ("短期投资、长期债券投资和长期股权投资支付的现金", "cash_paid_for_investments"),
            ("购建固定资产、无形资产和其他非流动资产支付的现金", "cash_paid_for_long_term_assets"),
            ("投资活动产生的现金流量净额", "net_cash_from_investing"),
            ("三、筹资活动产生的现金流量：", None),
            ("取得借款收到的现金", "cash_from_borrowings"),
            ("吸收投资者投资收到的现金", "cash_from_capital_contributions"),
            ("偿还借款本金支付的现金", "cash_repayments_of_borrowings"),
            ("偿还借款利息支付的现金", "cash_paid_for_interest"),
            ("分配利润支付的现金", "cash_paid_for_profit_distribution"),
            ("筹资活动产生的现金流量净额", "net_cash_from_financing"),
            ("四、现金净增加额", "net_increase_in_cash"), ("加：期初现金余额", "cash_at_beginning"),
            ("五、期末现金余额", "cash_at_end"),
        ]  # fmt: skip
    return [
        ("一、经营活动产生的现金流量：", None),
        ("销售商品、提供劳务收到的现金", "cash_received_from_sales"), ("收到的税费返还", "tax_refunds_received"),
        ("收到其他与经营活动有关的现金", "other_operating_cash_received"),
        ("经营活动现金流入小计", "subtotal_operating_inflows"),
        ("购买商品、接受劳务支付的现金", "cash_paid_for_goods"),
        ("支付给职工以及为职工支付的现金", "cash_paid_to_employees"), ("支付的各项税费", "taxes_paid"),
        ("支付其他与经营活动有关的现金", "other_operating_cash_paid"),
        ("经营活动现金流出小计", "subtotal_operating_outflows"),
        ("经营活动产生的现金流量净额", "net_cash_from_operating"),
        ("二、投资活动产生的现金流量：", None),
        ("收回投资收到的现金", "cash_from_investment_recovery"),
        ("取得投资收益收到的现金", "cash_from_investment_income"),
        ("处置固定资产、无形资产和其他长期资产收回的现金净额", "cash_from_disposal_of_long_term_assets"),
        ("收到其他与投资活动有关的现金", "other_investing_cash_received"),
        ("投资活动现金流入小计", "subtotal_investing_inflows"),
        ("购建固定资产、无形资产和其他长期资产支付的现金", "cash_paid_for_long_term_assets"),
        ("投资支付的现金", "cash_paid_for_investments"),
        ("支付其他与投资活动有关的现金", "other_investing_cash_paid"),
        ("投资活动现金流出小计", "subtotal_investing_outflows"),
        ("投资活动产生的现金流量净额", "net_cash_from_investing"),
        ("三、筹资活动产生的现金流量：", None),
        ("吸收投资收到的现金", "cash_from_capital_contributions"), ("取得借款收到的现金", "cash_from_borrowings"),
        ("收到其他与筹资活动有关的现金", "other_financing_cash_received"),
        ("筹资活动现金流入小计", "subtotal_financing_inflows"),
        ("偿还债务支付的现金", "cash_repayments_of_borrowings"),
        ("分配股利、利润或偿付利息支付的现金", "cash_paid_for_dividends_and_interest"),
        ("支付其他与筹资活动有关的现金", "other_financing_cash_paid"),
        ("筹资活动现金流出小计", "subtotal_financing_outflows"),
        ("筹资活动产生的现金流量净额", "net_cash_from_financing"),
        ("四、汇率变动对现金及现金等价物的影响", "fx_effect_on_cash"),
        ("五、现金及现金等价物净增加额", "net_increase_in_cash"),
        ("加：期初现金及现金等价物余额", "cash_at_beginning"),
        ("六、期末现金及现金等价物余额", "cash_at_end"),
        ("补充资料", None),
        ("1．将净利润调节为经营活动现金流量：", None),
        ("净利润", "supplementary_net_profit"), ("加：资产减值准备", "asset_impairment_provision"),
        ("固定资产折旧、油气资产折耗、生产性生物资产折旧", "depreciation"),
        ("无形资产摊销", "amortisation_intangibles"), ("财务费用（收益以“－”号填列）", "finance_costs_adjustment"),
        ("存货的减少（增加以“－”号填列）", "decrease_in_inventories"),
        ("经营性应收项目的减少（增加以“－”号填列）", "decrease_in_operating_receivables"),
        ("经营性应付项目的增加（减少以“－”号填列）", "increase_in_operating_payables"),
        ("其他", "other_adjustments"),
        ("经营活动产生的现金流量净额", "supplementary_net_cash_from_operating"),
        ("2．现金及现金等价物净变动情况：", None),
        ("现金的期末余额", "supplementary_cash_at_end"), ("减：现金的期初余额", "supplementary_cash_at_beginning"),
        ("现金及现金等价物净增加额", "supplementary_net_increase_in_cash"),
    ]  # fmt: skip


# ---- the set ----------------------------------------------------------------------------------


@dataclass
class StatementSet:
    company: str
    year: int
    plan: SetPlan
    statements: list[Statement]
    anomalies: list[dict[str, str]]


def make_lines(layout: list[tuple[str, str | None]], current: dict, prior: dict, start_row: int) -> list[Line]:
    lines = []
    row = start_row
    for label, key in layout:
        heading = key is None and label.endswith(("：", ":"))
        if heading or label == "补充资料":
            lines.append(Line(label, None, heading=True))
            continue
        lines.append(Line(label, key, current.get(key) if key else None, prior.get(key) if key else None, row))
        row += 1
    return lines


def period_texts(plan: SetPlan, year: int) -> tuple[str, str, str]:
    """(balance-sheet date, period statements' date line, the prior column's heading)."""
    balance_date = f"{year}年12月31日"
    if plan.period == "month":
        return balance_date, f"{year}年12月", "本月金额"
    if plan.period == "range":
        return balance_date, f"{year}年1-12月", "上期金额"
    return balance_date, f"{year}年度", "上期金额"


def build_set(
    rng: random.Random,
    plan: SetPlan,
    *,
    company: str | None = None,
    year: int | None = None,
    scale: float | None = None,
) -> StatementSet:
    """A statement set drawn from `rng`; the keyword arguments impose the company, the year and the
    size (yuan of revenue) for the case-dossier generator. The random draws are the same with or
    without them, so the default samples do not change."""
    province = rng.choice(PROVINCES)
    city = rng.choice(province.cities)
    drawn_company = company_name(rng, province, city)
    drawn_year = rng.choice((2022, 2023, 2024))
    drawn_scale = rng.choice((2.0e7, 6.0e7, 1.5e8, 4.0e8))
    company, year, scale = company or drawn_company, year or drawn_year, scale or drawn_scale
    small = plan.standard == "small_enterprise"
    form = "会小企0{}表" if small else "会企0{}表"
    balance_date, period_date, prior_heading = period_texts(plan, year)
    current = _column(rng, plan, scale)
    prior = _column(rng, plan, scale * rng.uniform(0.8, 1.0))
    statements: list[Statement] = []
    income_now = income_values(current, plan)
    if plan.period == "month":  # 本月金额: one month of the year, its own consistent column
        income_before = income_values(_column(rng, plan, scale / 12), plan)
    else:
        income_before = income_values(prior, plan)
    cash_flow_now = cash_flow_values(current, plan, income_now["net_profit"] or ZERO)
    if plan.period == "month":  # the 本月 column is one month of the same year
        cash_flow_before = cash_flow_values(_column(rng, plan, scale / 12), plan, income_before["net_profit"] or ZERO)
        cash_before = prior.share(0.04, 0.1)
    else:
        cash_flow_before = cash_flow_values(prior, plan, income_before["net_profit"] or ZERO)
        cash_before = cash_flow_before["cash_at_end"] or ZERO
    cash_now = cash_flow_now["cash_at_end"] or ZERO
    # 实收资本 rarely changes within a year: one round figure for both columns.
    capital = cents(Decimal(round(scale * rng.uniform(0.1, 0.25), -6)) / current.multiplier)
    balance_now = balance_sheet_values(current, plan, cash_now, capital)
    balance_before = balance_sheet_values(prior, plan, cash_before, capital)
    anomalies: list[dict[str, str]] = []
    if plan.anomaly == "balance_mismatch":
        wrong = (balance_now["total_liabilities_and_equity"] or ZERO) + cents(Decimal(1000) / current.multiplier)
        anomalies.append(
            {
                "code": "statement_inconsistent",
                "rule": "statement.balance",
                "field": "total_liabilities_and_equity",
                "detail": f"资产总计 {balance_now['total_assets']}, 负债和所有者权益总计 printed {wrong} (+1000.00 元)",
            }
        )
        balance_now["total_liabilities_and_equity"] = wrong
    columns_balance = ("期末余额", "年初余额" if small or rng.random() < 0.5 else "上年年末余额")
    left, right = balance_sheet_layout(plan)
    left_lines = make_lines(left, balance_now, balance_before, 1)
    right_start = 32 if small else 33
    right_lines = make_lines(right, balance_now, balance_before, right_start)
    income_columns = ("本年累计金额", "本月金额") if small else ("本期金额", prior_heading)
    if plan.label.startswith("general_wanyuan"):
        income_columns = ("本年累计金额", "上年同期金额")
    cash_columns = income_columns
    for kind in plan.statements:
        if kind == "balance_sheet":
            statements.append(
                Statement(kind, "资产负债表", form.format(1), balance_date, columns_balance, [left_lines, right_lines])
            )
        elif kind == "income_statement":
            lines = make_lines(income_layout(plan), income_now, income_before, 1)
            statements.append(Statement(kind, "利润表", form.format(2), period_date, income_columns, [lines]))
        else:
            lines = make_lines(cash_flow_layout(plan), cash_flow_now, cash_flow_before, 1)
            statements.append(Statement(kind, "现金流量表", form.format(3), period_date, cash_columns, [lines]))
    return StatementSet(company, year, plan, statements, anomalies)


# ----------------------------------------------------------------------------------------------
# Drawing
# ----------------------------------------------------------------------------------------------


def printed(value: Decimal | None, plan: SetPlan) -> str:
    if value is None:
        return plan.blank_style
    text = f"{abs(value):,.2f}"
    if value < 0:
        return f"({text})" if plan.negative_style == "paren" else f"-{text}"
    return text


@dataclass(frozen=True)
class HalfColumns:
    """x positions of one half: label, 行次, current and prior amount columns (right edges)."""

    label_x: float
    row_x: float | None
    current_x1: float
    prior_x1: float
    label_width: float


class Page:
    """A reportlab page of any size drawn with the invoice generator's top-left `Pen`."""

    def __init__(self, canvas: Canvas, width: float, height: float) -> None:
        canvas.setPageSize((width, height))
        # Pen measures from the top of a PEN_PAGE_H-high page: shift the origin so its "top"
        # coordinates are measured from the top of this page instead.
        canvas.translate(0, height - PEN_PAGE_H)
        self.pen = Pen(canvas)
        self.canvas = canvas
        self.width = width
        self.height = height

    def rule(self, x0: float, top: float, x1: float, width: float = 0.6) -> None:
        self.pen.line(x0, top, x1, top, width)


def draw_heading(page: Page, statement: Statement, company: str, unit: str, title: str) -> float:
    pen = page.pen
    pen.text(page.width / 2, 40, title, 16, align="center")
    pen.text(page.width - 36, 58, statement.form_no, 8, align="right")
    pen.text(36, 76, f"编制单位：{company}", 8.5)
    pen.text(page.width / 2, 76, statement.date_text, 8.5, align="center")
    unit_label = "金额单位" if unit == "万元" else "单位"
    pen.text(page.width - 36, 76, f"{unit_label}：{unit}", 8.5, align="right")
    return 84.0


def half_columns(x0: float, x1: float, row_numbers: bool) -> HalfColumns:
    width = x1 - x0
    amount = width * 0.24
    row_w = width * 0.07 if row_numbers else 0.0
    label_width = width - 2 * amount - row_w
    return HalfColumns(
        label_x=x0 + 3,
        row_x=x0 + label_width + row_w / 2 if row_numbers else None,
        current_x1=x0 + label_width + row_w + amount - 3,
        prior_x1=x1 - 3,
        label_width=label_width - 6,
    )


def draw_table(
    page: Page, top: float, halves: list[list[Line]], columns: tuple[str, str], plan: SetPlan, heads: list[str]
) -> None:
    """Header row and lines; each half gets an equal share of the page width."""
    pen = page.pen
    x_left, x_right = 30.0, page.width - 30.0
    rows = max(len(h) for h in halves)
    bottom_limit = page.height - 60
    row_h = min(13.0, (bottom_limit - top - 18) / rows)
    size = min(8.0, row_h * 0.72)
    share = (x_right - x_left) / len(halves)
    page.rule(x_left, top, x_right, 0.8)
    header_base = top + 12
    body_top = top + 17
    for index, (lines, head) in enumerate(zip(halves, heads, strict=True)):
        cols = half_columns(x_left + index * share, x_left + (index + 1) * share, plan.row_numbers)
        label_center = cols.label_x + cols.label_width / 2
        pen.text(label_center, header_base, head, fit_size(head, 8.5, cols.label_width), align="center")
        if cols.row_x is not None:
            pen.text(cols.row_x, header_base, "行次", 8, align="center")
        amount_w = cols.prior_x1 - cols.current_x1
        pen.text(cols.current_x1 - amount_w / 2 + 3, header_base, columns[0], 8, align="center")
        pen.text(cols.prior_x1 - amount_w / 2 + 3, header_base, columns[1], 8, align="center")
        for number, line in enumerate(lines):
            baseline = body_top + (number + 1) * row_h - (row_h - size) / 2
            indent = 0.0 if line.heading or line.label[:2] in ("一、", "二、", "三、", "四、", "五、", "六、") else size
            label_size = fit_size(line.label, size, cols.label_width - indent)
            pen.text(cols.label_x + indent, baseline, line.label, label_size)
            if line.heading:
                continue
            if cols.row_x is not None and line.row is not None:
                pen.text(cols.row_x, baseline, str(line.row), size, align="center")
            pen.text(cols.current_x1, baseline, printed(line.current, plan), size, align="right")
            pen.text(cols.prior_x1, baseline, printed(line.prior, plan), size, align="right")
    page.rule(x_left, body_top, x_right, 0.6)
    page.rule(x_left, body_top + rows * row_h + 3, x_right, 0.8)


def draw_footer(page: Page) -> None:
    y = page.height - 36
    page.pen.text(36, y, "单位负责人：", 8)
    page.pen.text(page.width * 0.36, y, "主管会计工作负责人：", 8)
    page.pen.text(page.width * 0.7, y, "会计机构负责人：", 8)


def draw_statement(canvas: Canvas, statement: Statement, sset: StatementSet) -> list[int]:
    """Draws the statement on one or more pages; returns how many pages each took (for truth)."""
    plan = sset.plan
    if statement.doc_type == "balance_sheet":
        eq = "负债和股东权益" if plan.equity_word == "股东权益" else "负债和所有者权益（或股东权益）"
        if plan.stacked_balance:
            for index, (half, head) in enumerate(zip(statement.halves, ("资产", eq), strict=True)):
                page = Page(canvas, A4_SHORT, A4_LONG)
                title = "资产负债表" if index == 0 else "资产负债表（续）"
                top = draw_heading(page, statement, sset.company, plan.unit, title)
                draw_table(page, top, [half], statement.columns, plan, [head])
                draw_footer(page)
                canvas.showPage()
            return [2]
        page = Page(canvas, A4_LONG, A4_SHORT)
        top = draw_heading(page, statement, sset.company, plan.unit, statement.title)
        draw_table(page, top, statement.halves, statement.columns, plan, ["资产", eq])
    else:
        page = Page(canvas, A4_SHORT, A4_LONG)
        top = draw_heading(page, statement, sset.company, plan.unit, statement.title)
        draw_table(page, top, statement.halves, statement.columns, plan, ["项目"])
    draw_footer(page)
    canvas.showPage()
    return [1]


def render_pdf(sset: StatementSet) -> tuple[bytes, list[list[int]]]:
    """The set as a digital PDF (invariant: no creation date); pages (1-based) of each statement."""
    register_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.setTitle(f"{sset.company} {sset.year}年财务报表")
    canvas.setAuthor("docintel sample generator (synthetic data)")
    pages: list[list[int]] = []
    next_page = 1
    for statement in sset.statements:
        (count,) = draw_statement(canvas, statement, sset)
        pages.append(list(range(next_page, next_page + count)))
        next_page += count
    canvas.save()
    return buffer.getvalue(), pages


# ----------------------------------------------------------------------------------------------
# Scans
# ----------------------------------------------------------------------------------------------


def degrade(page: np.ndarray, plan: SetPlan, company: str, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Seal, skew, blur and noise, in the order they happen to paper (helpers of samples.generate)."""
    record: dict[str, Any] = {"dpi": SCAN_DPI, "skew_degrees": 0.0, "blur_sigma": 0.0, "noise_sigma": 0.0}
    if plan.seal:
        width, height = round(42 / 25.4 * SCAN_DPI), round(42 / 25.4 * SCAN_DPI)  # a round company seal
        uscc = make_uscc(random.Random(company), "110101")
        seal = company_seal(company, uscc, width, height)
        centre = (round(page.shape[1] * 0.25), round(72 * SCAN_DPI / 72))
        page = stamp_seal(page, seal, centre, opacity=0.6)
        record["seal"] = {"over": "company_name", "text": company}
    if plan.skew:
        angle = float(round(rng.choice([-1, 1]) * rng.uniform(0.4, 1.2), 2))
        page = skew(page, angle)
        record["skew_degrees"] = angle
    if plan.blur:
        sigma = float(round(rng.uniform(0.5, 0.8), 2))
        page = blur(page, sigma)
        record["blur_sigma"] = sigma
    if plan.noise:
        sigma = float(round(rng.uniform(2.0, 4.0), 2))
        page = add_noise(page, sigma, rng)
        record["noise_sigma"] = sigma
    return page, record


def jpeg_bytes(page: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(page).convert("L").save(buffer, "JPEG", quality=JPEG_QUALITY, dpi=(SCAN_DPI, SCAN_DPI))
    return buffer.getvalue()


def scanned_pdf(pages: list[np.ndarray]) -> bytes:
    """Image-only PDF (no text layer), one JPEG per page at its scanned size."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.setAuthor("docintel sample generator (synthetic data)")
    for page in pages:
        height, width = page.shape[:2]
        size = (width * 72 / SCAN_DPI, height * 72 / SCAN_DPI)
        canvas.setPageSize(size)
        canvas.drawImage(ImageReader(io.BytesIO(jpeg_bytes(page))), 0, 0, *size)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------------
# Truth
# ----------------------------------------------------------------------------------------------


def yuan(value: Decimal | None, multiplier: int) -> str | None:
    return None if value is None else f"{cents(value * multiplier):f}"


def period_fields(statement: Statement, sset: StatementSet) -> dict[str, str | None]:
    year = sset.year
    if statement.doc_type == "balance_sheet":
        return {
            "statement_date": f"{year}-12-31",
            "current_period": f"{year}-12-31",
            "prior_period": f"{year - 1}-12-31",
        }
    month = sset.plan.period == "month"
    return {
        "statement_date": f"{year}-12",
        "current_period": f"{year}-01/{year}-12",
        "prior_period": f"{year}-12/{year}-12" if month else f"{year - 1}-01/{year - 1}-12",
    }


def statement_truth(statement: Statement, sset: StatementSet, pages: list[int]) -> dict[str, Any]:
    plan = sset.plan
    multiplier = MULTIPLIERS[plan.unit]
    lines = []
    fields: dict[str, str | None] = {
        "company_name": sset.company,
        "unit": plan.unit,
        "unit_multiplier": str(multiplier),
        "current_period_label": statement.columns[0],
        "prior_period_label": statement.columns[1],
        "accounting_standard": plan.standard,
        **period_fields(statement, sset),
    }
    for half in statement.halves:
        for line in half:
            key = line.key if line.key and spec_of(statement.doc_type, line.key) else None
            lines.append(
                {
                    "key": key,
                    "label": line.label,
                    "row": None if line.row is None or not plan.row_numbers else str(line.row),
                    "current": yuan(line.current, multiplier),
                    "prior": yuan(line.prior, multiplier),
                }
            )
            if key and key not in fields and not line.heading:
                fields[key] = yuan(line.current, multiplier)
                fields[f"{key}_prior"] = yuan(line.prior, multiplier)
    return {"doc_type": statement.doc_type, "pages": pages, "fields": fields, "lines": lines}


# ----------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenSample:
    file: Path
    truth: dict[str, Any]


def sample_stem(index: int, plan: SetPlan) -> str:
    return f"st{index + 1:02d}_{plan.label}"


def write_sample(out_dir: Path, seed: int, index: int, plan: SetPlan) -> WrittenSample:
    rng = random.Random(f"docintel-statements:{seed}:{index}")
    image_rng = np.random.default_rng([seed, index, 13])
    sset = build_set(rng, plan)
    pdf_bytes, pages = render_pdf(sset)
    stem = sample_stem(index, plan)
    degradations = None
    if plan.source_kind == "digital_pdf":
        path = out_dir / f"{stem}.pdf"
        path.write_bytes(pdf_bytes)
    else:
        degraded, records = [], []
        for page in rasterize(pdf_bytes):
            page_out, record = degrade(page, plan, sset.company, image_rng)
            degraded.append(page_out)
            records.append(record)
        degradations = records
        if plan.image_format == "pdf":
            path = out_dir / f"{stem}.pdf"
            path.write_bytes(scanned_pdf(degraded))
        else:
            path = out_dir / f"{stem}.{plan.image_format}"
            path.write_bytes(jpeg_bytes(degraded[0]))
    truth = {
        "file": path.name,
        "documents": [statement_truth(s, sset, p) for s, p in zip(sset.statements, pages, strict=True)],
        "notes": "synthetic sample from samples/generate_statements.py; amounts in yuan (printed value × unit)",
        "sample": {
            "seed": seed,
            "plan": plan.label,
            "source_kind": plan.source_kind,
            "format": plan.image_format,
            "pages": sum(len(p) for p in pages),
            "degradations": degradations,
            "anomalies": sset.anomalies,
        },
    }
    (out_dir / f"{stem}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return WrittenSample(path, truth)


def clear_previous(out_dir: Path) -> None:
    for path in out_dir.glob("st[0-9][0-9]_*"):
        if path.suffix in (".pdf", ".json", ".jpg", ".png"):
            path.unlink()


def generate_statements(out_dir: Path, seed: int = 13, count: int = len(PLAN)) -> list[WrittenSample]:
    out_dir.mkdir(parents=True, exist_ok=True)
    clear_previous(out_dir)
    return [write_sample(out_dir, seed, index, PLAN[index % len(PLAN)]) for index in range(count)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("samples/statements"), help="output folder")
    parser.add_argument("--seed", type=int, default=13, help="random seed (same seed, same files)")
    parser.add_argument("--count", type=int, default=len(PLAN), help="number of statement sets")
    args = parser.parse_args(argv)
    samples = generate_statements(args.out, args.seed, args.count)
    total = 0
    for sample in samples:
        size = sample.file.stat().st_size + (args.out / f"{sample.file.stem}.json").stat().st_size
        total += size
        kinds = "+".join(d["doc_type"].split("_")[0] for d in sample.truth["documents"])
        anomalies = ",".join(a["code"] for a in sample.truth["sample"]["anomalies"]) or "-"
        print(
            f"{sample.file.name:42s} {kinds:24s} p{sample.truth['sample']['pages']} {size / 1024:6.0f} KiB {anomalies}"
        )
    print(f"{len(samples)} statement sets, {total / 1024 / 1024:.2f} MiB in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Statement extractor, line catalogue, checks and sample generator on small hand-built inputs.

Pages are built from positioned spans as a reader would produce them (text layer or OCR), so the
layout rules are exercised without a PDF: two line items per row split at the header, 行次 never
read as a value, numbers run together by OCR, units and periods.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from docintel.checks.rules import run_checks
from docintel.checks.statement import CHECKS, net_profit_mismatch
from docintel.model import Box, Document, FieldValue, Origin, Page, SourceFile, TextSpan
from extractors import extractor_for
from extractors.statement import StatementExtractor, parse_amount
from extractors.statement_lines import (
    CASH_FLOW_STATEMENT,
    INCOME_STATEMENT,
    INVESTING,
    SUPPLEMENTARY,
    line_name,
    match_line,
)

CHAR_W = 8.0  # width of one character in the hand-built pages (points)


def _span(text: str, x: float, y: float, origin: Origin = Origin.PDF_TEXT, right: bool = False) -> TextSpan:
    width = CHAR_W * len(text) * (0.6 if not any("\u4e00" <= c <= "\u9fff" for c in text) else 1.0)
    x0 = x - width if right else x
    return TextSpan(text=text, page=1, box=Box(x0=x0, y0=y, x1=x0 + width, y1=y + 9), origin=origin)


def _wide_span(text: str, x0: float, x1: float, y: float) -> TextSpan:
    """One OCR box over two cells (the engine joined neighbouring amounts)."""
    return TextSpan(text=text, page=1, box=Box(x0=x0, y0=y, x1=x1, y1=y + 9), origin=Origin.OCR)


def _document(doc_type: str, rows: list[list[TextSpan]], origin: Origin = Origin.PDF_TEXT) -> Document:
    spans = [s for row in rows for s in row]
    page = Page(number=1, width=842, height=595, text_source=origin, spans=spans)
    source = SourceFile(path="hand-built.pdf", sha256="0" * 64, size=0, media_type="application/pdf")
    return Document(source=source, pages=[page], doc_type=doc_type)


def _heading(title: str, unit: str = "单位：元", date: str = "2024年12月31日") -> list[list[TextSpan]]:
    return [
        [_span(title, 380, 30)],
        [_span("编制单位：南京恒润新材料有限公司", 30, 60), _span(date, 380, 60), _span(unit, 760, 60)],
    ]


def _two_half_balance_sheet(origin: Origin = Origin.PDF_TEXT) -> Document:
    """Assets left, liabilities and equity right, two line items per row."""
    y = iter(range(100, 400, 14))
    header = [
        _span("资产", 80, next(y)), _span("行次", 180, 100), _span("期末余额", 240, 100), _span("年初余额", 330, 100),
        _span("负债和所有者权益", 440, 100), _span("行次", 560, 100), _span("期末余额", 620, 100),
        _span("年初余额", 710, 100),
    ]  # fmt: skip
    body = [
        ("货币资金", "1", "1,000.00", "900.00", "短期借款", "5", "400.00", "300.00"),
        ("应收账款", "2", "500.00", "-", "负债合计", "6", "400.00", "300.00"),
        ("流动资产合计", "3", "1,500.00", "900.00", "实收资本（或股本）", "7", "1,000.00", "1,000.00"),
        ("资产总计", "4", "1,500.00", "900.00", "未分配利润", "8", "100.00", "(400.00)"),
        (None, None, None, None, "所有者权益（或股东权益）合计", "9", "1,100.00", "600.00"),
        (None, None, None, None, "负债和所有者权益（或股东权益）总计", "10", "1,500.00", "900.00"),
    ]
    rows = [*_heading("资产负债表"), header]
    for left, row_l, cur_l, pri_l, right, row_r, cur_r, pri_r in body:
        top = next(y)
        row = []
        if left:
            row += [_span(left, 30, top), _span(row_l, 184, top), _span(cur_l, 300, top, right=True)]
            row += [_span(pri_l, 390, top, right=True)]
        row += [_span(right, 420, top), _span(row_r, 564, top), _span(cur_r, 680, top, right=True)]
        row += [_span(pri_r, 770, top, right=True)]
        rows.append([s.model_copy(update={"origin": origin}) for s in row])
    return _document("balance_sheet", rows, origin)


def _items_by_key(doc: Document) -> dict[str, dict[str, FieldValue]]:
    return {str(item["key"].value): item for item in doc.items if item["key"].value}


# ---- catalogue ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("加：营业外收入", "营业外收入"),
        ("二、营业利润（亏损以“－”号填列）", "营业利润"),
        ("实收资本（或股本）", "实收资本"),
        ("负债和所有者权益（或股东权益）总计", "负债和所有者权益总计"),
        ("其中：利息费用", "利息费用"),
        ("1．将净利润调节为经营活动现金流量：", "将净利润调节为经营活动现金流量"),
        ("（一）持续经营净利润（净亏损以“－”号填列）", "持续经营净利润"),
        ("减: 所得税费用", "所得税费用"),
    ],
)
def test_line_name_strips_prefixes_and_notes(printed: str, name: str) -> None:
    assert line_name(printed) == name


def test_cash_flow_names_depend_on_their_section() -> None:
    assert match_line(CASH_FLOW_STATEMENT, "现金流入小计", INVESTING).spec.key == "subtotal_investing_inflows"
    assert match_line(CASH_FLOW_STATEMENT, "净利润", SUPPLEMENTARY).spec.key == "supplementary_net_profit"
    assert match_line(CASH_FLOW_STATEMENT, "净利润", None) is None
    main = match_line(CASH_FLOW_STATEMENT, "经营活动产生的现金流量净额", INVESTING)
    assert main.spec.key == "net_cash_from_operating"


def test_small_enterprise_and_older_names_map_to_the_same_keys() -> None:
    assert match_line(INCOME_STATEMENT, "主营业务收入").spec.key == "operating_revenue"
    small = match_line("balance_sheet", "固定资产账面价值")
    assert small.spec.key == "fixed_assets" and small.small_enterprise
    assert match_line("balance_sheet", line_name("股东权益合计")).spec.key == "total_equity"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,234.00", Decimal("1234.00")),
        ("-1,234.00", Decimal("-1234.00")),
        ("(1,234.00)", Decimal("-1234.00")),
        ("（1,234.00）", Decimal("-1234.00")),
        ("1.234.567.89", Decimal("1234567.89")),  # OCR read the thousands commas as dots
        ("-", None),
        ("—", None),
        ("", None),
    ],
)
def test_parse_amount(text: str, value: Decimal | None) -> None:
    assert parse_amount(text) == value


# ---- extraction -----------------------------------------------------------------------------------


def test_balance_sheet_rows_are_split_into_two_line_items() -> None:
    doc = _two_half_balance_sheet()
    extractor_for("balance_sheet").extract(doc)
    items = _items_by_key(doc)
    assert items["monetary_funds"]["current"].value == Decimal("1000.00")
    assert items["short_term_borrowings"]["current"].value == Decimal("400.00")
    assert items["monetary_funds"]["row"].value == "1"  # 行次 kept apart, never read as an amount
    assert items["accounts_receivable"]["prior"].value is None
    assert items["retained_earnings"]["prior"].value == Decimal("-400.00")
    labels = [i["label"].value for i in doc.items]
    # The left half is read through before the right half.
    assert labels.index("资产总计") < labels.index("短期借款")
    assert doc.value("total_assets") == Decimal("1500.00")
    assert doc.value("total_assets_prior") == Decimal("900.00")
    assert doc.value("company_name") == "南京恒润新材料有限公司"
    assert doc.value("statement_date") == "2024-12-31"
    assert doc.value("prior_period") == "2023-12-31"
    assert (doc.value("unit"), doc.value("unit_multiplier")) == ("元", "1")
    evidence = doc.fields["total_assets"].evidence[0]
    assert evidence.text == "1,500.00" and evidence.page == 1 and evidence.box.x0 > 200


def test_clean_hand_built_sheet_has_no_inconsistency() -> None:
    doc = _two_half_balance_sheet()
    StatementExtractor().extract(doc)
    assert run_checks(doc) == []


def test_ocr_runs_label_row_number_and_both_amounts_together() -> None:
    rows = [
        *_heading("利润表", "金额单位：万元", "2024年度"),
        [_span("项目", 80, 100), _span("行次", 180, 100), _span("本期金额", 240, 100), _span("上期金额", 330, 100)],
        [_span("一、营业收入1", 30, 114), _wide_span("1,200.501,100.25", 230, 390, 114)],
        [_span("减：营业成本", 30, 128), _span("2", 184, 128), _span("1,000.00", 300, 128, right=True)],
    ]
    ocr_rows = [[s.model_copy(update={"origin": Origin.OCR, "confidence": 0.9}) for s in row] for row in rows]
    doc = _document("income_statement", ocr_rows, Origin.OCR)
    StatementExtractor().extract(doc)
    items = _items_by_key(doc)
    revenue = items["operating_revenue"]
    assert (revenue["row"].value, revenue["current"].value, revenue["prior"].value) == (
        "1",
        Decimal("12005000.00"),
        Decimal("11002500.00"),
    )
    assert items["operating_cost"]["prior"].value is None
    assert items["operating_cost"]["prior"].note == "未读出金额"  # one cell read, the other unsure on a scan
    assert doc.value("statement_date") == "2024-12"
    assert doc.value("current_period") == "2024-01/2024-12"
    assert doc.value("prior_period") == "2023-01/2023-12"
    assert doc.value("unit_multiplier") == "10000"


def test_unknown_lines_are_kept_verbatim() -> None:
    rows = [
        *_heading("利润表", date="2024年1-6月"),
        [_span("项目", 80, 100), _span("本期金额", 240, 100), _span("上期金额", 330, 100)],
        [_span("一、营业收入", 30, 114), _span("100.00", 300, 114, right=True), _span("90.00", 390, 114, right=True)],
        [_span("加：汇兑收益", 30, 128), _span("3.00", 300, 128, right=True)],
    ]
    doc = _document("income_statement", rows)
    StatementExtractor().extract(doc)
    unknown = doc.items[-1]
    assert unknown["key"].value is None and unknown["label"].value == "加：汇兑收益"
    assert unknown["current"].value == Decimal("3.00")
    assert doc.value("statement_date") == "2024-06"


# ---- checks ---------------------------------------------------------------------------------------


def _fields_document(doc_type: str, values: dict[str, str], multiplier: str = "1") -> Document:
    source = SourceFile(path=f"{doc_type}.pdf", sha256="0" * 64, size=0, media_type="application/pdf")
    doc = Document(source=source, doc_type=doc_type)
    doc.fields["unit_multiplier"] = FieldValue(value=multiplier)
    for key, value in values.items():
        doc.fields[key] = FieldValue(value=Decimal(value), confidence=1.0)
    return doc


def test_balance_identity_finding_has_both_values_and_chinese_message() -> None:
    doc = _fields_document(
        "balance_sheet",
        {"total_assets": "1500.00", "total_liabilities_and_equity": "2500.00", "total_liabilities": "400.00",
         "total_equity": "1100.00"},
    )  # fmt: skip
    findings = [f for _, check in CHECKS for f in check(doc)]
    assert len(findings) == 1
    finding = findings[0]
    assert finding.code == "statement_inconsistent" and finding.rule == "statement.balance"
    assert {e.field for e in finding.evidence} == {"total_liabilities_and_equity", "total_assets"}
    assert "资产总计" in finding.message and "1,000.00元" in finding.message


def test_tolerance_scales_with_the_printed_unit() -> None:
    within = {"total_profit": "1000000.00", "income_tax_expense": "250000.00", "net_profit": "750050.00"}
    assert [f for _, c in CHECKS for f in c(_fields_document("income_statement", within, "10000"))] == []
    beyond = dict(within, net_profit="760000.00")
    findings = [f for _, c in CHECKS for f in c(_fields_document("income_statement", beyond, "10000"))]
    assert [f.rule for f in findings] == ["statement.profit"]


def test_cash_flow_net_operating_is_inflows_minus_outflows() -> None:
    doc = _fields_document(
        "cash_flow_statement",
        {"subtotal_operating_inflows": "900.00", "subtotal_operating_outflows": "700.00",
         "net_cash_from_operating": "250.00", "net_cash_from_operating_prior": "10.00"},
    )  # fmt: skip
    findings = [f for _, c in CHECKS for f in c(doc)]
    assert len(findings) == 1 and "经营活动产生的现金流量净额" in findings[0].message


def test_section_sum_is_checked_only_when_every_line_was_read() -> None:
    doc = _two_half_balance_sheet()
    StatementExtractor().extract(doc)
    items = _items_by_key(doc)
    items["accounts_receivable"]["current"] = FieldValue(value=Decimal("600.00"))
    sums = [f for _, c in CHECKS for f in c(doc) if f.rule == "statement.subtotals"]
    assert len(sums) == 1 and "流动资产合计" in sums[0].message
    items["accounts_receivable"]["current"] = FieldValue(value=None, note="未读出金额")
    assert [f for _, c in CHECKS for f in c(doc) if f.rule == "statement.subtotals"] == []


def test_net_profit_mismatch_across_documents() -> None:
    income = _fields_document("income_statement", {"net_profit": "750000.00", "net_profit_prior": "10.00"})
    cash_flow = _fields_document(
        "cash_flow_statement", {"supplementary_net_profit": "751000.00", "supplementary_net_profit_prior": "10.00"}
    )
    findings = net_profit_mismatch(income, cash_flow)
    assert len(findings) == 1
    assert [e.document for e in findings[0].evidence] == ["income_statement.pdf", "cash_flow_statement.pdf"]
    assert "补充资料" in findings[0].message
    cash_flow.fields["supplementary_net_profit"] = FieldValue(value=Decimal("750000.00"))
    assert net_profit_mismatch(income, cash_flow) == []


def test_net_profit_mismatch_skips_columns_of_different_periods() -> None:
    income = _fields_document("income_statement", {"net_profit_prior": "10.00"})
    cash_flow = _fields_document("cash_flow_statement", {"supplementary_net_profit_prior": "99.00"})
    income.fields["prior_period"] = FieldValue(value="2024-12/2024-12")  # 本月金额
    cash_flow.fields["prior_period"] = FieldValue(value="2023-01/2023-12")
    assert net_profit_mismatch(income, cash_flow) == []


# ---- generator ------------------------------------------------------------------------------------


def test_generator_is_deterministic(tmp_path: Path) -> None:
    pytest.importorskip("reportlab")
    from samples.generate_statements import generate_statements

    first = generate_statements(tmp_path / "a", seed=13, count=3)
    second = generate_statements(tmp_path / "b", seed=13, count=3)
    for one, two in zip(first, second, strict=True):
        assert one.file.read_bytes() == two.file.read_bytes()
        assert one.truth == two.truth


def test_net_profit_mismatch_between_statements_of_one_file() -> None:
    """A statement set read from one PDF is cross-checked: 利润表 净利润 vs 现金流量表 补充资料 净利润."""
    from decimal import Decimal as D
    from pathlib import Path

    from docintel.pipeline import cross_document_checks, process_file

    bundle = Path(__file__).resolve().parents[1] / "samples" / "statements" / "st01_general_yuan.pdf"
    docs = process_file(bundle)
    assert not [f for d in docs for f in d.findings if f.rule == "statement.net_profit_cross"]
    cash_flow = next(d for d in docs if d.doc_type == "cash_flow_statement")
    printed = cash_flow.fields["supplementary_net_profit"]
    assert printed.value is not None
    printed.value = D(str(printed.value)) + D("1000.00")  # as if the 补充资料 line had been altered
    cross_document_checks(docs)
    (finding,) = [f for f in cash_flow.findings if f.rule == "statement.net_profit_cross"]
    assert finding.code == "statement_inconsistent" and len(finding.evidence) == 2
    assert {e.field for e in finding.evidence} == {"net_profit", "supplementary_net_profit"}

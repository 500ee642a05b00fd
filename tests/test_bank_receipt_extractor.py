"""Bank receipt extraction, checks and splitting on hand-placed text spans (no OCR, no files).

Each layout the extractor must read without a template is built here from spans the way the PDF
reader or OCR delivers them: two columns under single-character 付/收 markers, a grid with labels
that name the party, stacked "label：value" lines, a 亿…元角分 digit grid, a vertical marker that OCR
misread, free text under its label, and labels printed blank.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from docintel.checks.bank_receipt import CHECKS, check_required_fields, check_upper_vs_lower
from docintel.checks.rules import checks_for
from docintel.classify import BANK_RECEIPT, split_documents
from docintel.model import Box, Document, FieldValue, Origin, Page, SourceFile, TextSpan
from extractors import extractor_for
from extractors.bank_receipt import FIELD_NAMES, BankReceiptExtractor
from tests.same_picture import same_content

CHAR_W = 9.0  # points per character of the hand-placed spans


def span(
    text: str, x: float, y: float, *, height: float = 9.0, width: float | None = None, conf: float = 1.0
) -> TextSpan:
    w = CHAR_W * len(text) if width is None else width
    return TextSpan(
        text=text, page=1, box=Box(x0=x, y0=y, x1=x + w, y1=y + height), confidence=conf, origin=Origin.PDF_TEXT
    )


def vertical(text: str, x: float, y: float) -> list[TextSpan]:
    """A marker printed one character a line, as the PDF reader returns it (one span per character)."""
    return [span(ch, x, y + 12 * i) for i, ch in enumerate(text)]


def document(spans: list[TextSpan], width: float = 595.0, height: float = 397.0) -> Document:
    page = Page(number=1, width=width, height=height, spans=spans, text_source=Origin.PDF_TEXT)
    source = SourceFile(path="memory.pdf", sha256="0" * 64, size=0, media_type="application/pdf")
    return Document(source=source, pages=[page], doc_type=BANK_RECEIPT)


def extracted(spans: list[TextSpan], **page: float) -> Document:
    doc = document(spans, **page)
    BankReceiptExtractor().extract(doc)
    return doc


def two_column_spans() -> list[TextSpan]:
    return [
        span("中国工商银行", 40, 19, height=14),
        span("网上银行电子回单", 230, 17, height=17),
        span("电子回单号码：0097-6413-2095-1012", 40, 45),
        *vertical("付款人", 36, 82),
        *vertical("收款人", 304, 82),
        span("户名", 56, 71),
        span("江苏鼎盛信息技术有限公司", 106, 71),
        span("户名", 324, 71),
        span("王芳", 374, 71),
        span("账号", 56, 95),
        span("1102020109000123456", 106, 95),
        span("账号", 324, 95),
        span("6222021234567890123", 374, 95),
        span("开户银行", 56, 119),
        span("中国工商银行南京江宁支行", 106, 119),
        span("开户银行", 324, 119),
        span("中国建设银行天津滨海新支行", 374, 119),
        span("金额", 36, 143),
        span("¥1,050.00", 106, 143),
        span("币种", 304, 143),
        span("人民币", 374, 143),
        span("金额（大写）", 36, 167),
        span("人民币壹仟零伍拾元整", 106, 167),
        span("用途", 36, 191),
        span("货款", 106, 191),
        span("摘要", 304, 191),
        span("转账支出", 374, 191),
        span("交易流水号", 36, 215),
        span("20240105437682410996", 106, 215),
        span("交易日期", 304, 215),
        span("2024-01-05", 374, 215),
        span("本回单可通过网上银行验证真伪，重复打印无效", 300, 239),
    ]


def test_two_column_receipt_assigns_repeated_labels_by_marker() -> None:
    doc = extracted(two_column_spans())
    assert doc.values() | {"items": None} == {
        "receipt_kind": "网上银行电子回单",
        "bank_name": "中国工商银行",
        "payer_name": "江苏鼎盛信息技术有限公司",
        "payer_account": "1102020109000123456",
        "payer_bank": "中国工商银行南京江宁支行",
        "payee_name": "王芳",
        "payee_account": "6222021234567890123",
        "payee_bank": "中国建设银行天津滨海新支行",
        "amount": "1050.00",
        "amount_upper": "壹仟零伍拾元整",
        "currency": "CNY",
        "transaction_date": "2024-01-05",
        "purpose": "货款",  # 用途 wins over the bank's 摘要
        "serial_number": "20240105437682410996",  # 交易流水号 wins over the 电子回单号码
        "items": None,
    }
    assert isinstance(doc.value("amount"), Decimal)
    evidence = doc.evidence_of("payee_account")
    assert evidence is not None and evidence.page == 1 and evidence.box is not None and evidence.box.x0 == 374


def test_every_field_is_present_with_a_reason_when_null() -> None:
    doc = extracted([span("业务回单", 264, 17, height=17), span("付款人：天津华栈纺织有限公司", 50, 74)])
    assert set(doc.fields) == set(FIELD_NAMES)
    assert doc.fields["payee_name"].value is None and doc.fields["payee_name"].note == "未在回单上找到该栏目"


def test_stacked_lines_with_party_named_in_each_label() -> None:
    doc = extracted(
        [
            span("招商银行", 40, 19, height=14),
            span("业务回单", 264, 17, height=17),
            span("回单编号：G17632410268564056", 40, 47),
            span("付款人：天津华栈纺织有限公司", 50, 74),
            span("付款账号：825345421874784", 50, 92),
            span("付款行：招商银行天津西青支行", 50, 110),
            span("收款人：陈杰英", 50, 128),
            span("收款账号：6222065108766810352", 50, 146),
            span("收款行：中国工商银行南京鼓楼支行", 50, 164),
            span("交易金额：", 50, 190),
            span("CNY", 110, 190),
            span("325,469.96", 131, 190),
            span("金额大写：叁拾贰万伍仟肆佰陆拾玖元玖角陆分", 50, 208),
            span("摘要：往来款", 50, 226),
            span("交易日期：2024/10/26", 50, 244),
        ]
    )
    values = doc.values()
    assert (values["payer_name"], values["payer_account"], values["payer_bank"]) == (
        "天津华栈纺织有限公司",
        "825345421874784",
        "招商银行天津西青支行",
    )
    assert (values["payee_name"], values["payee_account"]) == ("陈杰英", "6222065108766810352")
    assert (values["amount"], values["currency"], values["transaction_date"]) == ("325469.96", "CNY", "2024-10-26")
    assert (values["purpose"], values["serial_number"], values["bank_name"]) == (
        "往来款",
        "G17632410268564056",
        "招商银行",
    )


def test_grid_with_party_labels_stops_each_value_at_the_next_label() -> None:
    doc = extracted(
        [
            span("中国建设银行", 40, 19, height=14),
            span("网上银行电子回执", 230, 17, height=17),
            span("付款人全称", 35, 75),
            span("江苏鼎盛信息技术有限公司", 116, 75),
            span("收款人全称", 302, 75),
            span("青岛鼎盛新材料有限公司", 384, 75),
            span("付款人账号", 35, 100),
            span("84487553151238571565", 116, 100, width=105),
            span("收款人账号", 302, 100),
            span("599060099121728983354", 384, 100, width=110),
            span("金额（大写）", 35, 150),
            span("人民币陆拾陆万贰仟陆佰捌拾贰圆叁角捌分", 116, 150, width=171),
            span("金额（小写）", 302, 150),
            span("¥662,682.38", 384, 150, width=52),
        ]
    )
    assert doc.value("payer_name") == "江苏鼎盛信息技术有限公司"
    assert doc.value("payee_account") == "599060099121728983354"
    assert doc.value("amount_upper") == "陆拾陆万贰仟陆佰捌拾贰圆叁角捌分"
    assert doc.value("amount") == Decimal("662682.38")
    assert doc.value("receipt_kind") == "网上银行电子回执"


def test_application_form_with_vertical_markers_digit_grid_and_text_under_its_label() -> None:
    """The layout of 中国农业银行 个人结算业务申请书: 申请人 / 收款人 blocks, 全称 and 账号或地址 repeated,
    the amount in a 亿…元角分 grid (OCR lost the 分 cell), 用途 written under its label."""
    spans = [
        span("中国农业银行", 230, 7, height=17),
        span("个人结算业务申请书", 336, 13, height=17),
        span("申请日期：", 268, 34, height=13),
        span("年", 332, 34, height=13),
        span("月", 362, 34, height=13),
        span("序号：", 451, 34, height=13),
        span("全称", 90, 69, height=15),
        span("王艳", 163, 67, height=20),
        span("全称", 343, 69, height=15),
        span("北京东奥时代教育科技有限公司", 376, 69, height=16, width=186),
        span("收款人", 304, 79, height=43, width=18),
        span("申请人", 52, 95, height=41, width=16),
        span("账号或地址", 78, 90, height=14, width=43),
        span("955991002XXXXXXXXX", 129, 89, height=13, width=160),
        span("账号或地址", 332, 91, height=12, width=43),
        span("11050501040017630", 402, 90, height=13, width=122),
        span("开户行名称", 78, 110, height=13, width=43),
        span("中国农业银行苏州市支行", 125, 110, height=16, width=147),
        span("开户行名称", 332, 109, height=14, width=44),
        span("中国农业银行北京白石桥支行", 379, 112, height=15, width=174),
        span("附加信息及用途：", 299, 126, height=12, width=62),
        span("用户名：abc", 397, 138, height=16, width=68),
        span("订单号：167XXX", 397, 155, height=13, width=94),
        span("亿5页日万", 442, 166, height=14, width=55),
        span("元", 525, 168, height=9, width=9),
        span("分", 544, 168, height=9, width=9),
        span("金额（大写）人民币", 50, 176, height=13, width=88),
        span("贰佰捌拾元整", 160, 178, height=18, width=89),
        span("￥", 488, 181, height=15, width=15),
        span("2", 500, 182, height=13, width=12),
        span("8", 511, 182, height=13, width=13),
        span("0", 524, 182, height=13, width=13),
        span("0", 534, 182, height=13, width=12),
        span("银行记账联", 555, 183, height=53, width=15),
    ]
    doc = extracted(spans, width=585, height=367)
    values = doc.values()
    assert values["payer_name"] == "王艳" and values["payee_name"] == "北京东奥时代教育科技有限公司"
    assert values["payer_account"] == "955991002XXXXXXXXX" and values["payee_account"] == "11050501040017630"
    assert values["payer_bank"] == "中国农业银行苏州市支行" and values["payee_bank"] == "中国农业银行北京白石桥支行"
    assert values["purpose"] == "用户名：abc 订单号：167XXX"
    assert values["amount"] == "280.00" and values["amount_upper"] == "贰佰捌拾元整"
    assert "分" in (doc.fields["amount"].note or "") and doc.fields["amount"].confidence < 1
    assert values["transaction_date"] is None and doc.fields["transaction_date"].note == "“申请日期”栏为空"
    assert values["serial_number"] is None and values["currency"] == "CNY"


def test_ocr_misread_vertical_marker_still_names_the_block() -> None:
    spans = [
        span("户名", 172, 224, height=42, width=66),
        span("天津锦程信息技术股份有限公司", 317, 228, height=32, width=480),
        span("户名", 915, 224, height=42, width=66),
        span("嘉禾钢铁贸易（深圳）有限公司", 1058, 228, height=32, width=376),
        span("付款大", 111, 250, height=118, width=53),
        span("收款大", 856, 251, height=117, width=50),
        span("账号", 172, 289, height=42, width=65),
        span("2595642908044351299", 316, 294, height=30, width=282),
        span("账号", 915, 289, height=41, width=65),
        span("5537420906407421311", 1058, 295, height=30, width=282),
    ]
    doc = extracted(spans, width=1654, height=1102)
    assert doc.value("payer_account") == "2595642908044351299"
    assert doc.value("payee_account") == "5537420906407421311"
    assert doc.value("payee_name") == "嘉禾钢铁贸易（深圳）有限公司"


def test_without_markers_the_first_block_is_the_payer() -> None:
    doc = extracted(
        [
            span("户名：甲公司有限公司", 40, 70),
            span("户名：乙公司有限公司", 320, 71),
            span("账号：1234567890", 40, 90),
            span("账号：6222000011112222", 320, 89),
        ]
    )
    assert (doc.value("payer_name"), doc.value("payee_name")) == ("甲公司有限公司", "乙公司有限公司")
    assert (doc.value("payer_account"), doc.value("payee_account")) == ("1234567890", "6222000011112222")


def test_incomplete_amount_is_not_guessed() -> None:
    """¥622,868.3 lost a digit (under a seal); a text-layer span cannot be read again, so null."""
    doc = extracted([span("金额（小写）", 302, 150), span("¥622,868.3", 384, 150)])
    assert doc.value("amount") is None
    assert "不完整" in (doc.fields["amount"].note or "")


# ---- checks ------------------------------------------------------------------------------------


def with_fields(**values: str | Decimal | None) -> Document:
    doc = document([])
    for name in FIELD_NAMES:
        doc.fields[name] = FieldValue(value=values.get(name), note=None if values.get(name) else "“交易日期”栏为空")
    return doc


def test_checks_are_registered_for_bank_receipts() -> None:
    assert checks_for(BANK_RECEIPT) == CHECKS
    assert extractor_for(BANK_RECEIPT).__class__ is BankReceiptExtractor


def test_upper_vs_lower_mismatch_is_reported_with_both_values() -> None:
    doc = with_fields(amount=Decimal("255000.00"), amount_upper="贰拾伍万伍仟零玖拾圆整")
    (finding,) = check_upper_vs_lower(doc)
    assert finding.code == "amount_inconsistent" and finding.severity == "high"
    assert "贰拾伍万伍仟零玖拾圆整" in finding.message and "255000.00" in finding.message
    assert [(e.field, e.value) for e in finding.evidence] == [
        ("amount_upper", "贰拾伍万伍仟零玖拾圆整"),
        ("amount", "255000.00"),
    ]


@pytest.mark.parametrize(
    ("upper", "expected"),
    [("壹仟零伍拾元整", []), ("壹仟伍伍元", ["bank_receipt.upper_unreadable"]), (None, [])],
)
def test_upper_vs_lower_matches_and_unreadable(upper: str | None, expected: list[str]) -> None:
    doc = with_fields(amount=Decimal("1050.00"), amount_upper=upper)
    assert [f.rule for f in check_upper_vs_lower(doc)] == expected


def test_missing_required_fields_give_the_reason() -> None:
    doc = with_fields(payer_name="甲公司", payee_name="王芳", payee_account="6222000011112222", amount=Decimal(1))
    (finding,) = check_required_fields(doc)
    assert finding.code == "missing_field" and finding.inputs["field"] == "transaction_date"
    assert finding.message == "未能从回单读取交易日期（“交易日期”栏为空），请对照原件补录或核实。"


# ---- splitting ---------------------------------------------------------------------------------


def test_receipt_number_seal_and_footnote_do_not_start_new_receipts() -> None:
    spans = [
        *two_column_spans(),
        span("电子回单专用章", 420, 200),
    ]
    (doc,) = split_documents(document(spans))
    assert doc.doc_type == BANK_RECEIPT and doc.region is None


def test_three_receipts_on_one_page_become_three_documents_in_order() -> None:
    spans = []
    for index in range(3):
        for s in two_column_spans():
            spans.append(
                s.model_copy(
                    update={
                        "box": s.box.model_copy(update={"y0": s.box.y0 + 276 * index, "y1": s.box.y1 + 276 * index})
                    }
                )
            )
    parts = split_documents(document(spans, height=842))
    assert [p.part for p in parts] == [1, 2, 3]
    regions = [p.region for p in parts]
    assert all(r is not None for r in regions)
    assert [round(r.y0) for r in regions if r] == [15, 291, 567]
    for part in parts:
        BankReceiptExtractor().extract(part)
        assert part.value("payee_name") == "王芳"


def test_ccb_receipt_title_is_recognised() -> None:
    (doc,) = split_documents(
        document(
            [span("网上银行电子回执", 230, 17, height=17), span("付款人全称", 35, 75), span("收款人账号", 302, 100)]
        )
    )
    assert doc.doc_type == BANK_RECEIPT and "回执" in (doc.doc_type_reason or "")


# ---- sample generator ----------------------------------------------------------------------------


def test_generator_is_deterministic_and_matches_the_committed_samples(tmp_path: Path) -> None:
    pytest.importorskip("reportlab")
    from samples.generate_receipts import generate_samples

    written = generate_samples(tmp_path / "one", seed=17)
    again = generate_samples(tmp_path / "two", seed=17)
    committed = Path(__file__).resolve().parents[1] / "samples" / "receipts"
    for sample, twin in zip(written, again, strict=True):
        assert sample.file.read_bytes() == twin.file.read_bytes(), sample.file.name
        for path in (sample.file, sample.file.with_suffix(".json")):
            assert same_content((committed / path.name).read_bytes(), path.read_bytes(), path.suffix), path.name
    assert sum(len(s.truth) for s in written) == 10

    persons = [t for s in written for t in s.truth if t["sample"]["payee_is_person"]]
    assert persons and all(t["payee_account"].startswith("6222") for t in persons)
    assert sum(p.stat().st_size for p in committed.iterdir()) < 4 * 1024 * 1024

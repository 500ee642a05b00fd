"""Rule-based Chinese entities: invoice and contract strings, label choice for digit runs, speed."""

from __future__ import annotations

import time

import pytest
from spacy.language import Language

from models.nlp import Entity, build_zh_pipeline, find_entities


def _pairs(text: str) -> list[tuple[str, str]]:
    return [(e.label, e.text) for e in find_entities(text)]


def _resident_id(first17: str) -> str:
    """Append the GB 11643 check character, so the tests hold valid IDs of no real person."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def test_pipeline_is_blank_zh_with_char_segmenter() -> None:
    nlp = build_zh_pipeline()
    assert isinstance(nlp, Language)
    assert nlp.lang == "zh"
    assert nlp.config["nlp"]["tokenizer"]["segmenter"] == "char"
    assert nlp.pipe_names == ["zh_entity_rules"]
    assert [t.text for t in nlp("发票ab")] == ["发", "票", "a", "b"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("名称：深圳市华云中盛科技有限公司", [("ORG", "深圳市华云中盛科技有限公司")]),
        (
            "销售方名称:小米商业保理(天津)有限责任公司 纳税人识别号:91120118MA06APGQXE",
            [("ORG", "小米商业保理(天津)有限责任公司"), ("TAX_ID", "91120118MA06APGQXE")],
        ),
        (
            "价税合计（大写）壹佰壹拾贰圆贰角整 （小写）￥112.20",
            [("MONEY", "壹佰壹拾贰圆贰角整"), ("MONEY", "￥112.20")],
        ),
        (
            "开户行及账号：平安银行深圳新沙支行11005601670201",
            [("ORG", "平安银行深圳新沙支行"), ("BANK_ACCOUNT", "11005601670201")],
        ),
        ("甲方（买方）：江苏恒润新材料有限公司", [("ORG", "江苏恒润新材料有限公司")]),
        ("购买方名称深圳市华云中盛科技有限公司", [("ORG", "深圳市华云中盛科技有限公司")]),
        ("由江苏恒润新材料有限公司提供货物", [("ORG", "江苏恒润新材料有限公司")]),
        ("（北京）国际贸易有限公司", [("ORG", "国际贸易有限公司")]),  # no leading bracket
        (
            "开户行及账号:中国建设银行股份有限公司天津武清区支行 12001720800052531259",
            [("ORG", "中国建设银行股份有限公司天津武清区支行"), ("BANK_ACCOUNT", "12001720800052531259")],
        ),
        (
            "代开企业税号:91510100MA61T6NU56代开企业名称:成都网证互联网信息服务有限公司",
            [("TAX_ID", "91510100MA61T6NU56"), ("ORG", "成都网证互联网信息服务有限公司")],
        ),
        ("纳税人识别号:51019800DK01187", [("TAX_ID", "51019800DK01187")]),
        (
            "合同总价为人民币1,234,567.89元（大写：壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分）",
            [("MONEY", "人民币1,234,567.89元"), ("MONEY", "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分")],
        ),
        ("（小写）¥1,500.00", [("MONEY", "¥1,500.00")]),
        ("地址、电话:深圳市南山区沙河工业区9栋-3之101 0755-26917304", [("PHONE", "0755-26917304")]),
        ("联系人手机 13875138011", [("PHONE", "13875138011")]),
        ("账号 6222 0212 3456 7890 123", [("BANK_ACCOUNT", "6222 0212 3456 7890 123")]),
    ],
)
def test_invoice_and_contract_strings(text: str, expected: list[tuple[str, str]]) -> None:
    assert _pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "date_text"),
    [
        ("开票日期:2024年5月28日", "2024年5月28日"),
        ("开票日期：2024 年 05 月 28 日", "2024 年 05 月 28 日"),
        ("签订日期：2024-05-28", "2024-05-28"),
        ("2024.05.28", "2024.05.28"),
        ("2024/5/28", "2024/5/28"),
        ("开票日期:20240528", "20240528"),
        ("开票日期：2019  05  08", "2019  05  08"),
        ("本合同签署于二〇二四年五月二十八日", "二〇二四年五月二十八日"),
    ],
)
def test_dates_in_all_forms(text: str, date_text: str) -> None:
    assert _pairs(text) == [("DATE", date_text)]


@pytest.mark.parametrize(
    "text",
    [
        "订单号 20240528",  # eight digits without a date label
        "2024年13月40日",  # not a calendar date
        "发票号码:24112000000048542163",  # 数电 invoice number, not an account
        "校验码 55617 56733 35177 93345",
        "乙方应将款项支付至甲方指定的银行账户",  # prose, not a bank name
        "金额 96.72",  # a bare figure is not labelled money
        "",
    ],
)
def test_no_entity(text: str) -> None:
    assert _pairs(text) == []


def test_digit_runs_classified_by_label_and_check_digits() -> None:
    person = _resident_id("11010519491231002")
    assert _pairs(f"身份证号：{person}") == [("ID_CARD", person)]
    assert _pairs(person) == [("ID_CARD", person)]  # valid check digit, no label
    assert _pairs("914403001922038216") == [("TAX_ID", "914403001922038216")]  # all-digit USCC
    assert _pairs("收款账号 914403001922038216") == [("BANK_ACCOUNT", "914403001922038216")]
    assert _pairs("351016190600447875") == [("BANK_ACCOUNT", "351016190600447875")]


def test_entity_offsets_point_into_the_text() -> None:
    text = "购买方\n名称：深圳市华云中盛科技有限公司\n纳税人识别号：91440300708436854B"
    entities = find_entities(text)
    assert entities == [
        Entity("ORG", "深圳市华云中盛科技有限公司", 7, 20),
        Entity("TAX_ID", "91440300708436854B", 28, 46),
    ]
    assert all(text[e.start : e.end] == e.text for e in entities)


INVOICE_PAGE = (
    "深圳增值税普通发票 发票联 No 41108527 开票日期:2019年03月19日 校验码 55617 56733 35177 93345\n"
    "购买方 名称:深圳市华云中盛科技有限公司 纳税人识别号:91440300708436854B\n"
    "地址、电话: 开户行及账号:\n"
    "货物或应税劳务、服务名称 规格型号 单位 数量 单价 金额 税率 税额\n"
    "*焙烤食品*泡吧夹心软面包 袋 1 96.724137931 96.72 16% 15.48\n"
    * 8
    + "合计 ¥96.72 ¥15.48\n价税合计(大写) 壹佰壹拾贰圆贰角整 (小写) ¥112.20\n"
    "销售方 名称:深圳市南山区江南百货商场 纳税人识别号:92440300L08175019R\n"
    "地址、电话:深圳市南山区沙河工业区9栋-3之101 0755-26917304\n"
    "开户行及账号:平安银行深圳新沙支行11005601670201\n收款人:黄丽红 复核:封露茵 开票人:舒丽明\n"
)


def test_speed_per_page() -> None:
    find_entities("预热")  # the pipeline is built once per process
    runs = 50
    start = time.perf_counter()
    for _ in range(runs):
        entities = find_entities(INVOICE_PAGE)
    per_call_ms = (time.perf_counter() - start) * 1000 / runs
    labels = {e.label for e in entities}
    assert {"ORG", "TAX_ID", "MONEY", "DATE", "PHONE", "BANK_ACCOUNT"} <= labels
    assert per_call_ms < 10, f"{per_call_ms:.2f} ms per page"

"""The contract extractor and checks on hand-placed spans (no files, no OCR)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from docintel.checks.contract import CHECKS
from docintel.model import Box, Document, FieldValue, Origin, Page, SourceFile, TextSpan
from extractors.contract import ContractExtractor, payment_schedule

LINE = 17.0
SIZE = 10.5


def span(text: str, x: float, row: int, page: int = 1, size: float = SIZE) -> TextSpan:
    top = 60 + row * LINE
    return TextSpan(
        text=text,
        page=page,
        box=Box(x0=x, y0=top, x1=x + len(text) * size, y1=top + size),
        origin=Origin.PDF_TEXT,
    )


def document(rows: list[list[tuple[str, float]]], image: np.ndarray | None = None) -> Document:
    spans = [span(text, x, index) for index, row in enumerate(rows) for text, x in row]
    page = Page(number=1, width=595.0, height=842.0, spans=spans, text_source=Origin.PDF_TEXT, image=image)
    if image is not None:
        page.dpi = 72
    return Document(source=SourceFile(path="t.pdf", sha256="0", size=0, media_type="application/pdf"), pages=[page])


def extract(rows: list[list[tuple[str, float]]], image: np.ndarray | None = None) -> Document:
    doc = document(rows, image)
    ContractExtractor().extract(doc)
    return doc


PARTIES_SELLER_FIRST = [
    [("购销合同", 250)],
    [("合同编号：GX-2024-0007", 330)],
    [("甲方（供方）：南京恒润新材料有限公司", 62)],
    [("统一社会信用代码：91350200776049653A", 62)],
    [("乙方（需方）：苏州博远机械设备有限公司", 62)],
    [("统一社会信用代码：91350100M000100Y43", 62)],
    [("根据有关法律法规，订立本合同。", 62)],
]


def test_roles_come_from_the_label_not_the_order() -> None:
    doc = extract(PARTIES_SELLER_FIRST)
    assert doc.value("buyer_name") == "苏州博远机械设备有限公司"
    assert doc.value("seller_name") == "南京恒润新材料有限公司"
    assert doc.value("buyer_tax_id") == "91350100M000100Y43"
    assert doc.value("seller_tax_id") == "91350200776049653A"
    assert doc.fields["buyer_name"].note == "乙方为买方：标注“甲方（供方）”"
    evidence = doc.fields["buyer_name"].evidence[0]
    assert evidence.text == "苏州博远机械设备有限公司" and evidence.page == 1
    # The evidence box covers the name, not its label.
    assert evidence.box is not None and evidence.box.x0 > 62 + 6 * SIZE
    assert doc.value("contract_number") == "GX-2024-0007"
    assert doc.value("title") == "购销合同"


@pytest.mark.parametrize(
    ("sentence", "buyer"),
    [
        ("经双方协商，甲方向乙方采购下列货物。", "南京恒润新材料有限公司"),
        ("经双方协商，甲方向乙方销售下列产品。", "苏州博远机械设备有限公司"),
        ("经双方协商，乙方同意向甲方供应下列产品。", "南京恒润新材料有限公司"),
    ],
)
def test_bare_jia_yi_roles_come_from_the_prose(sentence: str, buyer: str) -> None:
    doc = extract(
        [
            [("甲方：南京恒润新材料有限公司", 62)],
            [("乙方：苏州博远机械设备有限公司", 62)],
            [(sentence, 62)],
        ]
    )
    assert doc.value("buyer_name") == buyer
    assert "为买方：“" in (doc.fields["buyer_name"].note or "")


def test_without_any_role_cue_jia_is_the_buyer_by_convention_with_lower_confidence() -> None:
    doc = extract([[("甲方：南京恒润新材料有限公司", 62)], [("乙方：苏州博远机械设备有限公司", 62)]])
    assert doc.value("buyer_name") == "南京恒润新材料有限公司"
    assert "按惯例" in (doc.fields["buyer_name"].note or "")
    assert doc.fields["buyer_name"].confidence < 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电汇。预付30%，货到验收后付70%。", "30%预付; 70%验收后"),
        (
            "合同签订后3日内预付50%，发货前支付40%，剩余10%作为质保金，质保期满后付清",
            "50%预付; 40%发货前; 10%质保期满后",
        ),
        ("货到验收合格后30日内一次性付清全部货款", "100%验收后"),
        ("收到增值税专用发票后付95%，余款5%于质保期满后支付", "95%开票后; 5%质保期满后"),
        ("按月结算", None),
    ],
)
def test_payment_schedule_is_normalised(text: str, expected: str | None) -> None:
    assert payment_schedule(text) == expected


def test_wrapped_clause_is_read_as_one_paragraph_with_method_and_schedule() -> None:
    first = "三、付款方式：银行承兑汇票。合同签订后3日内甲方预付合同总价的30%，货到验收合格后甲方支付"
    doc = extract(
        [
            [("甲方（需方）：南京恒润新材料有限公司", 62)],
            [("乙方（供方）：苏州博远机械设备有限公司", 62)],
            [(first, 62)],
            [("剩余70%货款。", 62)],
            [("四、交货时间：2024年03月05日前。交货地点：南京市江宁区创业路8号。", 62)],
        ]
    )
    terms = doc.fields["payment_terms"]
    assert terms.value == "银行承兑汇票。合同签订后3日内甲方预付合同总价的30%，货到验收合格后甲方支付剩余70%货款"
    assert [e.text for e in terms.evidence][-1] == "剩余70%货款"  # evidence spans both printed lines
    assert doc.value("payment_method") == "银行承兑汇票"
    assert doc.value("payment_schedule") == "30%预付; 70%验收后"
    assert doc.value("delivery_date") == "2024-03-05"
    assert doc.value("delivery_place") == "南京市江宁区创业路8号"


TABLE = [
    [("甲方（需方）：南京恒润新材料有限公司", 62)],
    [("乙方（供方）：苏州博远机械设备有限公司", 62)],
    [
        ("序号", 65),
        ("产品名称", 120),
        ("规格型号", 225),
        ("单位", 305),
        ("数量", 345),
        ("单价（元）", 400),
        ("金额（元）", 470),
    ],
    [
        ("1", 70),
        ("不锈钢焊接钢管（含坡口", 92),
        ("Φ89*4.0", 225),
        ("米", 308),
        ("120", 360),
        ("95.50", 420),
        ("11,460.00", 480),
    ],
    [("加工）", 92)],
    [
        ("2", 70),
        ("复印纸", 92),
        ("A4", 225),
        ("70g", 250),
        ("箱", 308),
        ("10", 370),
        ("150.00", 414),
        ("1,500.00", 486),
    ],
    [("合计", 92), ("12,960.00", 480)],
    [("合计人民币（大写）：壹万贰仟玖佰陆拾元整", 62)],
    [("注：以上单价为含税价格。", 62)],
]


def test_goods_table_with_wrapped_name_total_and_upper() -> None:
    doc = extract(TABLE)
    assert doc.values()["items"] == [
        {"name": "不锈钢焊接钢管（含坡口加工）", "spec": "Φ89*4.0", "unit": "米", "quantity": "120",
         "unit_price": "95.50", "amount": "11460.00"},
        {"name": "复印纸", "spec": "A4 70g", "unit": "箱", "quantity": "10", "unit_price": "150.00",
         "amount": "1500.00"},
    ]  # fmt: skip
    assert doc.value("total_amount") == Decimal("12960.00")
    assert doc.value("total_amount_upper") == "壹万贰仟玖佰陆拾元整"
    assert doc.value("currency") == "CNY"
    assert doc.value("tax_included") == "含税"
    assert _codes(doc) == {"missing_field"}  # only the signing date is missing


SIGNATURES = [
    [("甲方（需方）：南京恒润新材料有限公司", 62)],
    [("乙方（供方）：苏州博远机械设备有限公司", 62)],
    [("签订日期：2024年01月08日", 62)],
    [("甲方（盖章）：", 62), ("乙方（盖章）：", 320)],
    [("南京恒润新材料有限公司", 62), ("苏州博远机械设备有限公司", 320)],
    [("法定代表人或委托代理人：", 62), ("法定代表人或委托代理人：王伟", 320)],
    [("开户银行：中国工商银行苏州吴中支行", 320)],
    [("账号：1102020109000123456", 320)],
]


def _page_image(red_box: tuple[int, int, int, int] | None) -> np.ndarray:
    image = np.full((842, 595, 3), 255, np.uint8)
    if red_box is not None:
        x0, y0, x1, y1 = red_box
        image[y0:y1:3, x0:x1] = (214, 28, 36)  # seal-like strokes, not a filled block
    return image


def test_seal_pixels_signatures_and_payee_account_in_the_signature_block() -> None:
    doc = extract(SIGNATURES, image=_page_image((340, 95, 440, 195)))
    assert doc.value("seller_sealed") == "yes"
    assert doc.value("buyer_sealed") == "no"
    assert doc.value("seller_signed") == "yes"
    assert doc.value("buyer_signed") == "no"
    assert doc.value("payee_account_number") == "1102020109000123456"
    assert doc.value("payee_bank") == "中国工商银行苏州吴中支行"
    assert doc.value("payee_account_name") == "苏州博远机械设备有限公司"
    assert doc.value("signing_date") == "2024-01-08"
    assert "unsigned_contract" in _codes(doc)
    finding = next(f for f in doc.findings if f.code == "unsigned_contract")
    assert finding.severity == "medium" and "南京恒润新材料有限公司" in finding.message


def test_seal_is_unknown_without_a_colour_image() -> None:
    doc = extract(SIGNATURES)
    assert doc.value("seller_sealed") is None and doc.value("buyer_sealed") is None
    assert "unsigned_contract" not in _codes(doc)  # an unknown seal is not reported as missing


def test_validity_range_and_until() -> None:
    doc = extract([[("八、合同有效期：2024年01月01日至2024年12月31日。", 62)]])
    assert (doc.value("validity"), doc.value("valid_from"), doc.value("valid_to")) == (
        "2024年01月01日至2024年12月31日",
        "2024-01-01",
        "2024-12-31",
    )
    doc = extract([[("九、本合同自双方签字盖章之日起生效，有效期至2025年06月30日。", 62)]])
    assert doc.value("validity") == "本合同自双方签字盖章之日起生效，有效期至2025年06月30日"
    assert (doc.value("valid_from"), doc.value("valid_to")) == (None, "2025-06-30")


# ---- checks on set values ---------------------------------------------------------------------


def _checked(fields: dict[str, str | Decimal | None], items: list[dict[str, str]] | None = None) -> Document:
    doc = document([])
    doc.doc_type = "purchase_contract"
    doc.fields = {k: FieldValue(value=v) for k, v in fields.items()}
    doc.items = [{k: FieldValue(value=v) for k, v in item.items()} for item in items or []]
    return doc


def _codes(doc: Document) -> set[str]:
    if not doc.findings:
        doc.findings = [f for _, check in CHECKS for f in check(doc)]
    return {f.code for f in doc.findings}


GOOD = {
    "buyer_name": "苏州博远机械设备有限公司",
    "seller_name": "南京恒润新材料有限公司",
    "buyer_tax_id": "91350100M000100Y43",
    "seller_tax_id": "91350200776049653A",
    "total_amount": Decimal("1050.00"),
    "total_amount_upper": "壹仟零伍拾元整",
    "signing_date": "2024-01-08",
}
ITEMS = [
    {"quantity": "3", "unit_price": "250.00", "amount": "750.00"},
    {"quantity": "2", "unit_price": "150", "amount": "300.00"},
]


def test_consistent_contract_has_no_findings() -> None:
    assert _codes(_checked(GOOD, ITEMS)) == set()


@pytest.mark.parametrize(
    ("change", "items", "rule"),
    [
        (
            {"total_amount": Decimal("1060.00"), "total_amount_upper": "壹仟零陆拾元整"},
            ITEMS,
            "contract.item_amount_sum",
        ),
        ({"total_amount_upper": "壹仟零伍拾伍元整"}, ITEMS, "contract.upper_vs_lower"),
        (
            {},
            [{"quantity": "3", "unit_price": "250.00", "amount": "760.00"}, ITEMS[1]],
            "contract.quantity_times_price",
        ),
    ],
)
def test_amount_rules(change: dict, items: list[dict[str, str]], rule: str) -> None:
    doc = _checked(GOOD | change, items)
    rules = {f.rule for f in doc.findings} if _codes(doc) else set()
    assert rule in rules
    finding = next(f for f in doc.findings if f.rule == rule)
    assert finding.code == "amount_inconsistent" and finding.threshold is not None and finding.evidence


def test_tax_id_rules_flag_bad_check_digits_but_not_legacy_numbers() -> None:
    doc = _checked(GOOD | {"seller_tax_id": "911301047981234567", "buyer_tax_id": "320102123456789"})
    findings = [f for f in (doc.findings or [f for _, c in CHECKS for f in c(doc)]) if f.code == "invalid_tax_id"]
    assert [f.inputs["field"] for f in findings] == ["seller_tax_id"]


def test_missing_parties_total_and_date_are_reported() -> None:
    doc = _checked({"buyer_name": None})
    fields = {f.inputs["field"] for f in (f for _, c in CHECKS for f in c(doc)) if f.code == "missing_field"}
    assert fields == {"buyer_name", "seller_name", "total_amount", "signing_date"}

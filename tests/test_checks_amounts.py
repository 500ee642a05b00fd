"""大写 parsing, VAT rates by date and the amount_inconsistent sub-rules."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from docintel.checks.amounts import (
    check_amounts,
    check_item_sums,
    check_line_tax,
    check_quantity_price,
    check_total_with_tax,
    check_upper_vs_lower,
    parse_upper_amount,
    rate_valid_on,
    upper_amount_matches,
)
from docintel.model import Box, Document, Evidence, FieldValue, Origin, Severity, SourceFile
from tests.conftest import REALDATA_DIR

LABELS = REALDATA_DIR / "labels"
AMOUNT_KEYS = {"total_amount", "total_tax", "amount_with_tax", "quantity", "unit_price", "amount", "tax"}


def fv(value: str | None, key: str = "", *, note: str | None = None, page: int = 1) -> FieldValue:
    """A FieldValue as extraction leaves it: amounts as Decimal, with one piece of evidence."""
    typed: str | Decimal | None = Decimal(value) if value is not None and key in AMOUNT_KEYS else value
    evidence = [Evidence(page=page, box=Box(x0=10, y0=20, x1=110, y1=32), origin=Origin.PDF_TEXT, text=value)]
    return FieldValue(value=typed, confidence=0.99, evidence=evidence, note=note)


def make_doc(fields: dict[str, str | None], items: list[dict[str, str | None]] | None = None) -> Document:
    return Document(
        source=SourceFile(path="test.pdf", sha256="0" * 64, size=1, media_type="application/pdf"),
        doc_type="vat_invoice",
        fields={name: fv(value, name) for name, value in fields.items()},
        items=[{key: fv(value, key) for key, value in item.items()} for item in items or []],
    )


def clean_doc() -> Document:
    """The 机打普票 from the real data: 16% in March 2019, 壹佰壹拾贰圆贰角整."""
    return make_doc(
        {
            "issue_date": "2019-03-19",
            "total_amount": "96.72",
            "total_tax": "15.48",
            "amount_with_tax": "112.20",
            "amount_with_tax_upper": "壹佰壹拾贰圆贰角整",
        },
        [
            {
                "quantity": "1",
                "unit_price": "96.724137931",
                "amount": "96.72",
                "tax_rate": "16%",
                "tax": "15.48",
            }
        ],
    )


# -- 大写 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upper", "expected"),
    [
        ("壹仟零伍拾元整", "1050.00"),
        ("伍拾圆整", "50.00"),
        ("伍拾元正", "50.00"),
        ("壹佰壹拾贰圆贰角整", "112.20"),
        ("壹佰壹拾贰元贰角", "112.20"),
        ("叁万元零伍分", "30000.05"),
        ("壹元零角伍分", "1.05"),
        ("壹拾万柒仟元零伍角叁分", "107000.53"),
        ("壹拾万柒仟元伍角叁分", "107000.53"),
        ("柒仟零壹拾捌圆捌角叁分", "7018.83"),
        ("壹万零陆佰圆整", "10600.00"),
        ("零元伍角", "0.50"),
        ("伍角", "0.50"),
        ("贰拾亿元整", "2000000000.00"),
        ("ⓧ壹拾壹圆贰角", "11.20"),
        ("⊗ 伍拾贰圆柒角", "52.70"),
        ("(负数)伍拾圆整", "-50.00"),
        ("（负数）壹元零伍分", "-1.05"),
        ("负壹佰元整", "-100.00"),
        ("ⓧ负壹佰元整", "-100.00"),
        ("壹仟圓整", "1000.00"),
    ],
)
def test_parse_upper_amount(upper: str, expected: str) -> None:
    assert parse_upper_amount(upper) == Decimal(expected)


@pytest.mark.parametrize(
    "upper",
    [
        "",
        "整",
        "元整",
        "伍拾",  # no 元
        "壹仟伍伍元",  # two digits in a row
        "壹佰元伍分角",  # units out of order
        "一百元",  # ordinary numerals are not 大写
        "壹佰元零",  # a trailing 零 leads nowhere
        "壹仟伍拾元整",  # the interior 零 is required
        "壹佰元贰角叁",  # a digit without its unit
    ],
)
def test_parse_upper_amount_rejects_malformed(upper: str) -> None:
    with pytest.raises(ValueError):
        parse_upper_amount(upper)


def test_upper_amount_matches_is_exact() -> None:
    assert upper_amount_matches("壹佰壹拾贰圆贰角整", Decimal("112.20"))
    assert upper_amount_matches("壹佰壹拾贰圆贰角整", Decimal("112.2"))
    assert not upper_amount_matches("壹佰壹拾贰圆贰角整", Decimal("112.21"))
    assert not upper_amount_matches("壹佰壹拾贰圆贰角整", Decimal("112.19"))
    assert not upper_amount_matches("伍拾圆整", Decimal("-50.00"))
    assert upper_amount_matches("(负数)伍拾圆整", Decimal("-50.00"))
    assert not upper_amount_matches("not an amount", Decimal("50"))


def _label_files() -> list[Path]:
    return sorted(LABELS.rglob("*.json")) if LABELS.is_dir() else []


@pytest.mark.skipif(not _label_files(), reason="real-data labels not available")
def test_every_real_label_upper_equals_lower() -> None:
    compared = 0
    for path in _label_files():
        label = json.loads(path.read_text(encoding="utf-8"))
        upper, lower = label.get("amount_with_tax_upper"), label.get("amount_with_tax")
        if upper is None or lower is None:
            continue
        assert parse_upper_amount(upper) == Decimal(lower), path.name
        compared += 1
    assert compared >= 17


# -- rates by date ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "day", "valid"),
    [
        ("17%", date(2018, 4, 30), True),
        ("17%", date(2018, 5, 1), False),
        ("16%", date(2018, 4, 30), False),
        ("16%", date(2018, 5, 1), True),
        ("16%", date(2019, 3, 31), True),
        ("16%", date(2019, 4, 1), False),
        ("10%", date(2019, 3, 19), True),
        ("11%", date(2017, 7, 1), True),
        ("11%", date(2018, 5, 2), False),
        ("13%", date(2019, 4, 1), True),
        ("13.00%", date(2022, 9, 1), True),
        ("13%", date(2018, 6, 1), False),
        ("13%", date(2016, 6, 1), True),  # the old low rate, merged into 11% on 2017-07-01
        ("13%", date(2017, 7, 1), False),
        ("9%", date(2019, 3, 31), False),
        ("9%", date(2024, 11, 7), True),
        ("6%", date(2010, 1, 1), True),
        ("6%", date(2025, 9, 23), True),
        ("5%", date(2020, 1, 1), True),
        ("3%", date(2012, 10, 15), True),
        ("1%", date(2021, 1, 1), True),
        ("1%", date(2019, 1, 1), False),
        ("0%", date(2020, 1, 1), True),
        ("免税", date(2020, 4, 20), True),
        ("不征税", date(2020, 4, 20), True),
        ("***", date(2020, 10, 4), True),
        ("12%", date(2020, 1, 1), False),
        ("abc", date(2020, 1, 1), False),
    ],
)
def test_rate_valid_on(rate: str, day: date, valid: bool) -> None:
    assert rate_valid_on(rate, day) is valid


# -- amount_inconsistent ------------------------------------------------------------------------


def test_clean_invoice_has_no_amount_findings() -> None:
    assert check_amounts(clean_doc()) == []


def test_upper_vs_lower_fires_with_both_values() -> None:
    doc = clean_doc()
    doc.fields["amount_with_tax"] = fv("112.30", "amount_with_tax")
    findings = check_upper_vs_lower(doc)
    assert [f.rule for f in findings] == ["invoice.upper_vs_lower"]
    # the same change also breaks 合计金额 + 合计税额 = 价税合计
    assert [f.rule for f in check_amounts(doc)] == ["invoice.upper_vs_lower", "invoice.total_plus_tax"]
    finding = findings[0]
    assert finding.code == "amount_inconsistent"
    assert finding.severity is Severity.HIGH
    assert finding.message == "价税合计大写 壹佰壹拾贰圆贰角整 (112.20) 与小写 ¥112.30 不一致。"
    assert finding.inputs["upper_value"] == "112.20"
    assert [e.field for e in finding.evidence] == ["amount_with_tax_upper", "amount_with_tax"]
    assert finding.evidence[0].page == 1 and finding.evidence[0].box is not None


def test_upper_vs_lower_one_cent_off() -> None:
    doc = make_doc({"amount_with_tax": "50.01", "amount_with_tax_upper": "伍拾圆整"})
    assert [f.rule for f in check_upper_vs_lower(doc)] == ["invoice.upper_vs_lower"]


def test_unreadable_upper_is_reported_not_guessed() -> None:
    doc = make_doc({"amount_with_tax": "1050.00", "amount_with_tax_upper": "壹仟伍拾元整"})
    findings = check_upper_vs_lower(doc)
    assert [f.rule for f in findings] == ["invoice.upper_unreadable"]
    assert "壹仟伍拾元整" in findings[0].message


def test_total_with_tax_tolerance_edges() -> None:
    ok = make_doc({"total_amount": "96.72", "total_tax": "15.48", "amount_with_tax": "112.21"})
    assert check_total_with_tax(ok) == []  # 0.01 is within tolerance
    off = make_doc({"total_amount": "96.72", "total_tax": "15.48", "amount_with_tax": "112.22"})
    findings = check_total_with_tax(off)
    assert [f.rule for f in findings] == ["invoice.total_plus_tax"]
    assert findings[0].threshold == "0.01"
    assert findings[0].inputs["difference"] == "-0.02"


def test_total_with_tax_counts_starred_tax_as_zero() -> None:
    doc = make_doc(
        {"total_amount": "57.00", "total_tax": None, "amount_with_tax": "57.00"},
        [{"amount": "57.00", "tax_rate": "免税", "tax": None}],
    )
    assert check_amounts(doc) == []
    doc.fields["amount_with_tax"] = fv("58.00", "amount_with_tax")
    assert [f.rule for f in check_total_with_tax(doc)] == ["invoice.total_plus_tax"]


def test_missing_inputs_are_skipped() -> None:
    doc = make_doc({"total_amount": None, "total_tax": "1.00", "amount_with_tax": "5.00"}, [{"amount": None}])
    assert check_amounts(doc) == []


def test_item_amount_sum() -> None:
    items = [
        {"amount": "2.75", "tax_rate": "9%", "tax": "0.25"},
        {"amount": "2.75", "tax_rate": "9%", "tax": "0.25"},
        {"amount": "6.42", "tax_rate": "9%", "tax": "0.58"},
    ]
    fields = {"total_amount": "11.92", "total_tax": "1.08", "amount_with_tax": "13.00"}
    assert check_amounts(make_doc(fields, items)) == []
    assert check_item_sums(make_doc({**fields, "total_amount": "11.93"}, items)) == []  # 0.01
    findings = check_item_sums(make_doc({**fields, "total_amount": "11.94"}, items))
    assert [f.rule for f in findings] == ["invoice.item_amount_sum"]
    assert findings[0].inputs == {"items_amount_sum": "11.92", "total_amount": "11.94"}
    assert [e.field for e in findings[0].evidence][:2] == ["total_amount", "items[0].amount"]


def test_item_tax_sum_allows_cumulative_rounding() -> None:
    items = [{"amount": "100.00", "tax_rate": "6%", "tax": "6.00"} for _ in range(3)]
    fields = {"total_amount": "300.00", "amount_with_tax": "318.00"}
    assert check_item_sums(make_doc({**fields, "total_tax": "19.27"}, items)) == []
    findings = check_item_sums(make_doc({**fields, "total_tax": "19.28"}, items))
    assert [f.rule for f in findings] == ["invoice.item_tax_sum"]
    assert findings[0].threshold == "1.27"


def test_line_tax() -> None:
    assert check_line_tax(make_doc({}, [{"amount": "510.68", "tax_rate": "3%", "tax": "15.32"}])) == []
    # 100 × 6% = 6.00; 6.06 is at the edge, 6.07 beyond it
    assert check_line_tax(make_doc({}, [{"amount": "100.00", "tax_rate": "6%", "tax": "6.06"}])) == []
    findings = check_line_tax(make_doc({}, [{"amount": "100.00", "tax_rate": "6%", "tax": "6.07"}]))
    assert [f.rule for f in findings] == ["invoice.line_tax"]
    assert findings[0].severity is Severity.LOW
    assert "第1行" in findings[0].message


def test_line_tax_skips_starred_rates_and_difference_taxation() -> None:
    # keyword2.ofd: 差额征税 with rate *** and a tax of 1.96 on 198.04
    starred = make_doc({}, [{"amount": "198.04", "tax_rate": "***", "tax": "1.96"}])
    assert check_line_tax(starred) == []
    difference = make_doc({"remarks": "差额征税：2.00。"}, [{"amount": "198.04", "tax_rate": "6%", "tax": "0.12"}])
    assert check_line_tax(difference) == []


def test_quantity_times_price() -> None:
    many_decimals = {"quantity": "1", "unit_price": "4197.16981132075", "amount": "4197.17"}
    assert check_quantity_price(make_doc({}, [many_decimals])) == []
    two = {"quantity": "2", "unit_price": "844.66019417", "amount": "1689.32"}
    assert check_quantity_price(make_doc({}, [two])) == []
    wrong = {"quantity": "4", "unit_price": "25", "amount": "100.02"}
    findings = check_quantity_price(make_doc({}, [wrong]))
    assert [f.rule for f in findings] == ["invoice.quantity_times_price"]
    assert findings[0].threshold == "0.01"
    edge = {"quantity": "4", "unit_price": "25", "amount": "100.01"}
    assert check_quantity_price(make_doc({}, [edge])) == []


def test_quantity_times_rounded_unit_price_allows_the_rounding() -> None:
    # A unit price printed to 2 places (really 1.2345) over 1000 units: up to 1000 × 0.005 off.
    line = {"quantity": "1000", "unit_price": "1.23", "amount": "1234.50"}
    assert check_quantity_price(make_doc({}, [line])) == []
    line = {"quantity": "1000", "unit_price": "1.23", "amount": "1240.00"}
    assert len(check_quantity_price(make_doc({}, [line]))) == 1


def test_red_invoice_signs() -> None:
    doc = make_doc(
        {
            "issue_date": "2024-06-01",
            "total_amount": "-100.00",
            "total_tax": "-13.00",
            "amount_with_tax": "-113.00",
            "amount_with_tax_upper": "(负数)壹佰壹拾叁圆整",
        },
        [{"quantity": "-1", "unit_price": "100", "amount": "-100.00", "tax_rate": "13%", "tax": "-13.00"}],
    )
    assert check_amounts(doc) == []
    doc.fields["amount_with_tax_upper"] = fv("壹佰壹拾叁圆整", "amount_with_tax_upper")
    assert [f.rule for f in check_amounts(doc)] == ["invoice.upper_vs_lower"]


def test_discount_line_with_negative_amount() -> None:
    doc = make_doc(
        {"total_amount": "90.00", "total_tax": "11.70", "amount_with_tax": "101.70"},
        [
            {"amount": "100.00", "tax_rate": "13%", "tax": "13.00"},
            {"amount": "-10.00", "tax_rate": "13%", "tax": "-1.30"},
        ],
    )
    assert check_amounts(doc) == []

"""Amount rules of a VAT invoice: 大写 vs 小写, totals vs items, tax vs rate, rates vs issue date.

Tolerances follow the invoice-issuing software (domain notes): Σ金额 vs 合计 0.01, Σ税额 vs 合计税额
1.27 (cumulative rounding), per line |金额 × 税率 − 税额| ≤ 0.06, |数量 × 单价 − 金额| ≤ 0.01, and
合计金额 + 合计税额 = 价税合计 = 大写 exactly (0.01 for the sum).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import cn2an

from docintel.checks.common import (
    decimal_field,
    evidence_item,
    issue_date_of,
    item_field,
    money,
    text_field,
)
from docintel.model import Document, FieldValue, Finding, Severity

# ---------------------------------------------------------------------------------------------
# 大写 金额
# ---------------------------------------------------------------------------------------------

# Symbols printed in front of the 大写 on e-invoices (a crossed circle), and traditional forms of
# the big units that OCR or old templates produce.
_LEADING_MARKS = "⊗ⓧ☒⊠⨂Ⓧ×xX"
_TRADITIONAL = str.maketrans({"萬": "万", "億": "亿", "貳": "贰", "參": "叁", "陸": "陆", "圓": "圆"})
_NEGATIVE_PREFIXES = ("(负数)", "（负数）", "负")
_UPPER_DIGITS = "壹贰叁肆伍陆柒捌玖"
_UPPER_AMOUNT = re.compile(
    rf"(?:(?P<yuan>[零{_UPPER_DIGITS}拾佰仟万亿]+)元)?"
    # 壹元零伍分 / 壹元零角伍分: a 零 before 角 or 分 carries no value, but must lead to one
    rf"(?:零角?(?=[{_UPPER_DIGITS}]))?"
    rf"(?:(?P<jiao>[{_UPPER_DIGITS}])角)?"
    rf"(?:(?P<fen>[{_UPPER_DIGITS}])分)?"
)


def parse_upper_amount(text: str) -> Decimal:
    """The amount written in 大写 (壹仟零伍拾元整, 叁万元零伍分, (负数)伍拾圆整) as a Decimal.

    The currency units (元/圆, 角, 分, 整/正) are split off here; the numerals themselves are read by
    cn2an in strict mode, so malformed numerals ("壹仟伍伍") raise ValueError instead of a guess.
    """
    cleaned = re.sub(r"\s+", "", text).translate(_TRADITIONAL)
    cleaned = cleaned.removeprefix("人民币").lstrip(_LEADING_MARKS)
    negative = False
    for prefix in _NEGATIVE_PREFIXES:
        if cleaned.startswith(prefix):
            negative, cleaned = True, cleaned[len(prefix) :]
            break
    cleaned = cleaned.lstrip(_LEADING_MARKS).replace("圆", "元")
    cleaned = re.sub(r"[整正]$", "", cleaned)
    match = _UPPER_AMOUNT.fullmatch(cleaned)
    if not cleaned or match is None or not any(match.groupdict().values()):
        raise ValueError(f"not an amount in 大写: {text!r}")
    amount = _upper_integer(match["yuan"]) if match["yuan"] else Decimal(0)
    if match["jiao"]:
        amount += _upper_integer(match["jiao"]) * Decimal("0.1")
    if match["fen"]:
        amount += _upper_integer(match["fen"]) * Decimal("0.01")
    amount = amount.quantize(Decimal("0.01"))
    return -amount if negative else amount


def _upper_integer(numerals: str) -> Decimal:
    try:
        number = cn2an.cn2an(numerals, "strict")
    except ValueError as exc:
        raise ValueError(f"not a number in 大写: {numerals!r}") from exc
    if not isinstance(number, int):  # strict mode on an integer string returns int; be sure
        raise ValueError(f"not a whole number in 大写: {numerals!r}")
    return Decimal(number)


def upper_amount_matches(upper: str, lower: Decimal) -> bool:
    """True when the 大写 text reads exactly the 小写 amount; False when it differs or is malformed."""
    try:
        return parse_upper_amount(upper) == lower
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------
# Tax rates by issue date
# ---------------------------------------------------------------------------------------------

EXEMPT_RATE_MARKS = frozenset({"免税", "不征税", "***"})
_FAR_PAST = date(1994, 1, 1)  # the VAT regime the invoices belong to starts in 1994
_FAR_FUTURE = date(9999, 12, 31)

# Rate -> periods (first day, last day) in which it may be printed. Sources: 财税〔2017〕37号 (13% low
# rate merged into 11% from 2017-07-01), 财税〔2018〕32号 (17%/11% -> 16%/10% from 2018-05-01),
# 财政部 税务总局 海关总署公告2019年第39号 (16%/10% -> 13%/9% from 2019-04-01); levy rates
# (征收率) 3% throughout, 4% until 2014-06-30, 5%/1.5% from 营改增 2016-05-01, the reduced 1% from
# 2020-03-01 and 0.5% (used cars) from 2020-05-01; 6% (营改增 rate and the pre-2014 levy) always.
_RATE_PERIODS: dict[Decimal, tuple[tuple[date, date], ...]] = {
    Decimal(17): ((_FAR_PAST, date(2018, 4, 30)),),
    Decimal(13): ((_FAR_PAST, date(2017, 6, 30)), (date(2019, 4, 1), _FAR_FUTURE)),
    Decimal(11): ((date(2012, 1, 1), date(2018, 4, 30)),),
    Decimal(16): ((date(2018, 5, 1), date(2019, 3, 31)),),
    Decimal(10): ((date(2018, 5, 1), date(2019, 3, 31)),),
    Decimal(9): ((date(2019, 4, 1), _FAR_FUTURE),),
    Decimal(6): ((_FAR_PAST, _FAR_FUTURE),),
    Decimal(5): ((date(2016, 5, 1), _FAR_FUTURE),),
    Decimal(4): ((_FAR_PAST, date(2014, 6, 30)),),
    Decimal(3): ((_FAR_PAST, _FAR_FUTURE),),
    Decimal("1.5"): ((date(2016, 5, 1), _FAR_FUTURE),),
    Decimal(1): ((date(2020, 3, 1), _FAR_FUTURE),),
    Decimal("0.5"): ((date(2020, 5, 1), _FAR_FUTURE),),
    Decimal(0): ((_FAR_PAST, _FAR_FUTURE),),
}


def parse_rate_percent(rate: str) -> Decimal | None:
    """The percentage of a printed rate ("13%", "13.00%" -> 13); None for 免税/不征税/*** or junk."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)[%％]", rate.strip())
    return Decimal(match[1]).normalize() if match else None


def rate_valid_on(rate: str, issue_date: date) -> bool:
    """True when `rate` could be printed on an invoice issued on `issue_date`."""
    if rate.strip() in EXEMPT_RATE_MARKS:
        return True
    percent = parse_rate_percent(rate)
    if percent is None:
        return False
    periods = _RATE_PERIODS.get(percent, ())
    return any(first <= issue_date <= last for first, last in periods)


def check_tax_rates(doc: Document) -> list[Finding]:
    """`invalid_tax_rate` for item rates that were not in force on the issue date."""
    issued = issue_date_of(doc)
    if issued is None:
        return []
    findings: list[Finding] = []
    for index, item in enumerate(doc.items):
        rate = text_field(item.get("tax_rate"))
        if rate is None or rate_valid_on(rate, issued):
            continue
        field = item_field(index, "tax_rate")
        findings.append(
            Finding(
                code="invalid_tax_rate",
                severity=Severity.LOW,
                message=(
                    f"第{index + 1}行税率 {rate} 在开票日期 {issued.isoformat()} 不是有效的增值税税率或征收率，请核实。"
                ),
                rule="invoice.tax_rate_by_date",
                inputs={"tax_rate": rate, "issue_date": issued.isoformat()},
                evidence=[
                    evidence_item(doc, field, item.get("tax_rate")),
                    evidence_item(doc, "issue_date", doc.fields.get("issue_date")),
                ],
            )
        )
    return findings


# ---------------------------------------------------------------------------------------------
# Amount consistency
# ---------------------------------------------------------------------------------------------

CENT = Decimal("0.01")
TOTAL_TAX_TOLERANCE = Decimal("1.27")
LINE_TAX_TOLERANCE = Decimal("0.06")
_HALF = Decimal("0.5")


def tax_printed_as_stars(fv: FieldValue | None, items: list[dict[str, FieldValue]]) -> bool:
    """True when a null tax is legitimately null: printed as *** (exempt), as the note says, or
    every item carries an exempt rate mark."""
    if fv is not None and fv.value is not None:
        return False
    if fv is not None and fv.note and any(mark in fv.note for mark in EXEMPT_RATE_MARKS):
        return True
    rates = [text_field(item.get("tax_rate")) for item in items]
    return bool(rates) and all(rate in EXEMPT_RATE_MARKS for rate in rates)


def amount_finding(
    doc: Document,
    rule: str,
    severity: Severity,
    message: str,
    threshold: Decimal | None,
    inputs: dict[str, str | None],
    fields: list[tuple[str, FieldValue | None]],
) -> Finding:
    return Finding(
        code="amount_inconsistent",
        severity=severity,
        message=message,
        rule=rule,
        inputs=inputs,
        threshold=None if threshold is None else format(threshold.normalize(), "f"),
        evidence=[evidence_item(doc, name, fv) for name, fv in fields],
    )


def check_upper_vs_lower(doc: Document) -> list[Finding]:
    """价税合计 大写 must read exactly the 小写 amount."""
    upper_fv, lower_fv = doc.fields.get("amount_with_tax_upper"), doc.fields.get("amount_with_tax")
    upper, lower = text_field(upper_fv), decimal_field(lower_fv)
    if upper is None or lower is None:
        return []
    fields = [("amount_with_tax_upper", upper_fv), ("amount_with_tax", lower_fv)]
    try:
        upper_value = parse_upper_amount(upper)
    except ValueError:
        return [
            amount_finding(
                doc,
                "invoice.upper_unreadable",
                Severity.MEDIUM,
                f"价税合计大写 {upper} 不是规范的大写金额，无法与小写 {money(lower)} 核对，请对照原件确认。",
                None,
                {"amount_with_tax_upper": upper, "amount_with_tax": str(lower)},
                fields,
            )
        ]
    if upper_value == lower:
        return []
    return [
        amount_finding(
            doc,
            "invoice.upper_vs_lower",
            Severity.HIGH,
            f"价税合计大写 {upper} ({upper_value:.2f}) 与小写 {money(lower)} 不一致。",
            Decimal(0),
            {
                "amount_with_tax_upper": upper,
                "upper_value": str(upper_value),
                "amount_with_tax": str(lower),
            },
            fields,
        )
    ]


def check_total_with_tax(doc: Document) -> list[Finding]:
    """合计金额 + 合计税额 = 价税合计 (a null tax printed as *** counts as 0)."""
    amount_fv, tax_fv, with_tax_fv = (
        doc.fields.get("total_amount"),
        doc.fields.get("total_tax"),
        doc.fields.get("amount_with_tax"),
    )
    amount, with_tax = decimal_field(amount_fv), decimal_field(with_tax_fv)
    tax = decimal_field(tax_fv)
    if tax is None and tax_printed_as_stars(tax_fv, doc.items):
        tax = Decimal(0)
    if amount is None or tax is None or with_tax is None:
        return []
    difference = amount + tax - with_tax
    if abs(difference) <= CENT:
        return []
    return [
        amount_finding(
            doc,
            "invoice.total_plus_tax",
            Severity.HIGH,
            f"合计金额 {money(amount)} 加合计税额 {money(tax)} 为 {money(amount + tax)}，"
            f"与价税合计 {money(with_tax)} 相差 {difference:.2f}。",
            CENT,
            {
                "total_amount": str(amount),
                "total_tax": str(tax),
                "amount_with_tax": str(with_tax),
                "difference": str(difference),
            },
            [("total_amount", amount_fv), ("total_tax", tax_fv), ("amount_with_tax", with_tax_fv)],
        )
    ]


def _item_tax(item: dict[str, FieldValue]) -> Decimal | None:
    """An item's tax, 0 when it is printed as *** for an exempt line, None when unknown."""
    tax = decimal_field(item.get("tax"))
    if tax is None and text_field(item.get("tax_rate")) in EXEMPT_RATE_MARKS:
        return Decimal(0)
    return tax


def check_item_sums(doc: Document) -> list[Finding]:
    """Σ item amounts vs 合计金额 (0.01) and Σ item tax vs 合计税额 (1.27)."""
    if not doc.items:
        return []
    findings: list[Finding] = []
    amounts = [decimal_field(item.get("amount")) for item in doc.items]
    total_fv = doc.fields.get("total_amount")
    total = decimal_field(total_fv)
    if total is not None and all(a is not None for a in amounts):
        item_sum = sum((a for a in amounts if a is not None), Decimal(0))
        if abs(item_sum - total) > CENT:
            findings.append(
                amount_finding(
                    doc,
                    "invoice.item_amount_sum",
                    Severity.MEDIUM,
                    f"{len(amounts)}行明细金额合计 {money(item_sum)} 与票面合计金额 {money(total)} 不一致。",
                    CENT,
                    {"items_amount_sum": str(item_sum), "total_amount": str(total)},
                    [("total_amount", total_fv)]
                    + [(item_field(i, "amount"), item.get("amount")) for i, item in enumerate(doc.items)],
                )
            )
    taxes = [_item_tax(item) for item in doc.items]
    total_tax_fv = doc.fields.get("total_tax")
    total_tax = decimal_field(total_tax_fv)
    if total_tax is not None and all(t is not None for t in taxes):
        tax_sum = sum((t for t in taxes if t is not None), Decimal(0))
        if abs(tax_sum - total_tax) > TOTAL_TAX_TOLERANCE:
            findings.append(
                amount_finding(
                    doc,
                    "invoice.item_tax_sum",
                    Severity.MEDIUM,
                    f"{len(taxes)}行明细税额合计 {money(tax_sum)} 与票面合计税额 {money(total_tax)} "
                    f"相差超过 {TOTAL_TAX_TOLERANCE} 元。",
                    TOTAL_TAX_TOLERANCE,
                    {"items_tax_sum": str(tax_sum), "total_tax": str(total_tax)},
                    [("total_tax", total_tax_fv)]
                    + [(item_field(i, "tax"), item.get("tax")) for i, item in enumerate(doc.items)],
                )
            )
    return findings


def check_line_tax(doc: Document) -> list[Finding]:
    """Per line |金额 × 税率 − 税额| ≤ 0.06. Skipped for 差额征税, whose tax is on a reduced base."""
    remarks = text_field(doc.fields.get("remarks")) or ""
    if "差额征税" in remarks or "差额开票" in remarks:
        return []
    findings: list[Finding] = []
    for index, item in enumerate(doc.items):
        amount, tax = decimal_field(item.get("amount")), decimal_field(item.get("tax"))
        rate_text = text_field(item.get("tax_rate"))
        percent = None if rate_text is None else parse_rate_percent(rate_text)
        if amount is None or tax is None or percent is None:
            continue
        expected = amount * percent / 100
        if abs(expected - tax) <= LINE_TAX_TOLERANCE:
            continue
        findings.append(
            amount_finding(
                doc,
                "invoice.line_tax",
                Severity.LOW,
                f"第{index + 1}行金额 {money(amount)} 按税率 {rate_text} 应计税额约 "
                f"{money(expected.quantize(CENT))}，票面税额为 {money(tax)}。",
                LINE_TAX_TOLERANCE,
                {
                    "amount": str(amount),
                    "tax_rate": rate_text,
                    "tax": str(tax),
                    "expected_tax": str(expected),
                },
                [
                    (item_field(index, "amount"), item.get("amount")),
                    (item_field(index, "tax_rate"), item.get("tax_rate")),
                    (item_field(index, "tax"), item.get("tax")),
                ],
            )
        )
    return findings


def _half_last_place(value: Decimal) -> Decimal:
    """Half a unit in the last printed decimal place (0.005 for 1456.31), 0 for whole numbers,
    which invoicing software prints in full (trailing zeros stripped)."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= 0:
        return Decimal(0)
    return _HALF * Decimal(1).scaleb(exponent)


def quantity_price_tolerance(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """0.01, plus what rounding the printed unit price and quantity can add over the line."""
    allowance = abs(quantity) * _half_last_place(unit_price) + abs(unit_price) * _half_last_place(quantity)
    # Rounded to 0.001 so the threshold an officer reads is 0.01, not 0.0100000000001.
    return (CENT + allowance).quantize(Decimal("0.001"), ROUND_HALF_UP)


def check_quantity_price(doc: Document) -> list[Finding]:
    """Per line |数量 × 单价 − 金额| ≤ 0.01 (plus the rounding of the printed unit price)."""
    findings: list[Finding] = []
    for index, item in enumerate(doc.items):
        quantity = decimal_field(item.get("quantity"))
        unit_price = decimal_field(item.get("unit_price"))
        amount = decimal_field(item.get("amount"))
        if quantity is None or unit_price is None or amount is None:
            continue
        product = quantity * unit_price
        tolerance = quantity_price_tolerance(quantity, unit_price)
        if abs(product - amount) <= tolerance:
            continue
        findings.append(
            amount_finding(
                doc,
                "invoice.quantity_times_price",
                Severity.LOW,
                f"第{index + 1}行数量 {quantity} 乘单价 {unit_price} 为 {money(product.quantize(CENT))}，"
                f"与票面金额 {money(amount)} 不一致。",
                tolerance,
                {
                    "quantity": str(quantity),
                    "unit_price": str(unit_price),
                    "amount": str(amount),
                    "product": str(product),
                },
                [
                    (item_field(index, "quantity"), item.get("quantity")),
                    (item_field(index, "unit_price"), item.get("unit_price")),
                    (item_field(index, "amount"), item.get("amount")),
                ],
            )
        )
    return findings


def check_amounts(doc: Document) -> list[Finding]:
    """Every `amount_inconsistent` sub-rule; each skips silently when one of its inputs is missing."""
    return [
        *check_upper_vs_lower(doc),
        *check_total_with_tax(doc),
        *check_item_sums(doc),
        *check_line_tax(doc),
        *check_quantity_price(doc),
    ]

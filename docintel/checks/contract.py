"""Checks of a purchase contract: amounts that must agree, party tax IDs, required fields, signatures.

Amount tolerances are the invoice ones (domain notes): Σ items vs 合计 0.01; |数量 × 单价 − 金额| ≤ 0.01
plus what the rounding of the printed price and quantity can add; the 大写 must read the 合计
exactly. A tax ID that fails its check digit is a finding for review, never a rejection; legacy
numbers are not errors.
"""

from __future__ import annotations

from decimal import Decimal

from docintel.checks.amounts import amount_finding, parse_upper_amount, quantity_price_tolerance
from docintel.checks.common import decimal_field, evidence_item, item_field, money, text_field
from docintel.checks.tax_id import TaxIdKind, classify_tax_id
from docintel.model import Document, Finding, Severity

CENT = Decimal("0.01")
PARTY_NAMES = {"buyer": "买方", "seller": "卖方"}
REQUIRED_FIELDS: dict[str, tuple[str, Severity]] = {
    "buyer_name": ("买方名称", Severity.HIGH),
    "seller_name": ("卖方名称", Severity.HIGH),
    "total_amount": ("合同总金额", Severity.HIGH),
    "signing_date": ("签订日期", Severity.MEDIUM),
}


def check_item_sum(doc: Document) -> list[Finding]:
    """Σ item amounts must equal the 合计 within 0.01."""
    total_fv = doc.fields.get("total_amount")
    total = decimal_field(total_fv)
    amounts = [decimal_field(item.get("amount")) for item in doc.items]
    if total is None or not amounts or any(a is None for a in amounts):
        return []
    item_sum = sum((a for a in amounts if a is not None), Decimal(0))
    difference = item_sum - total
    if abs(difference) <= CENT:
        return []
    return [
        amount_finding(
            doc,
            "contract.item_amount_sum",
            Severity.HIGH,
            f"合同{len(amounts)}行货物金额合计 {money(item_sum)} 与合同合计金额 {money(total)} "
            f"相差 {difference:.2f} 元。",
            CENT,
            {"items_amount_sum": str(item_sum), "total_amount": str(total), "difference": str(difference)},
            [("total_amount", total_fv)]
            + [(item_field(i, "amount"), item.get("amount")) for i, item in enumerate(doc.items)],
        )
    ]


def check_quantity_price(doc: Document) -> list[Finding]:
    """Per line |数量 × 单价 − 金额| ≤ 0.01 plus the rounding of the printed price and quantity."""
    findings: list[Finding] = []
    for index, item in enumerate(doc.items):
        quantity, unit_price = decimal_field(item.get("quantity")), decimal_field(item.get("unit_price"))
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
                "contract.quantity_times_price",
                Severity.MEDIUM,
                f"合同第{index + 1}行数量 {quantity} 乘单价 {unit_price} 为 {money(product.quantize(CENT))}，"
                f"与该行金额 {money(amount)} 不一致。",
                tolerance,
                {
                    "quantity": str(quantity),
                    "unit_price": str(unit_price),
                    "amount": str(amount),
                    "product": str(product),
                },
                [(item_field(index, key), item.get(key)) for key in ("quantity", "unit_price", "amount")],
            )
        )
    return findings


def check_upper_vs_lower(doc: Document) -> list[Finding]:
    """The 大写 total must read exactly the 小写 合计."""
    upper_fv, lower_fv = doc.fields.get("total_amount_upper"), doc.fields.get("total_amount")
    upper, lower = text_field(upper_fv), decimal_field(lower_fv)
    if upper is None or lower is None:
        return []
    fields = [("total_amount_upper", upper_fv), ("total_amount", lower_fv)]
    try:
        upper_value = parse_upper_amount(upper)
    except ValueError:
        return [
            amount_finding(
                doc,
                "contract.upper_unreadable",
                Severity.MEDIUM,
                f"合同金额大写 {upper} 不是规范的大写金额，无法与小写 {money(lower)} 核对，请对照原件确认。",
                None,
                {"total_amount_upper": upper, "total_amount": str(lower)},
                fields,
            )
        ]
    if upper_value == lower:
        return []
    return [
        amount_finding(
            doc,
            "contract.upper_vs_lower",
            Severity.HIGH,
            f"合同金额大写 {upper}（{upper_value:.2f}）与小写合计 {money(lower)} 不一致。",
            Decimal(0),
            {"total_amount_upper": upper, "upper_value": str(upper_value), "total_amount": str(lower)},
            fields,
        )
    ]


def check_tax_ids(doc: Document) -> list[Finding]:
    """`invalid_tax_id` for a party number that fails GB 32100/GB 11714 or has no tax-ID shape."""
    findings: list[Finding] = []
    for role, party in PARTY_NAMES.items():
        field = f"{role}_tax_id"
        fv = doc.fields.get(field)
        printed = text_field(fv)
        if printed is None:
            continue
        verdict = classify_tax_id(printed)
        if verdict.kind is TaxIdKind.INVALID_USCC:
            which = "组织机构代码校验位（第17位）" if verdict.failed_check == "org_code" else "校验位（第18位）"
            findings.append(
                Finding(
                    code="invalid_tax_id",
                    severity=Severity.HIGH,
                    message=(
                        f"合同{party}统一社会信用代码 {verdict.value} 的{which}应为 {verdict.expected_char}，"
                        f"合同上为 {verdict.printed_char}，请核实该号码是否与登记信息一致。"
                    ),
                    rule=f"contract.tax_id.{verdict.failed_check}_check",
                    inputs={
                        "field": field,
                        "value": verdict.value,
                        "expected_check_char": verdict.expected_char,
                        "printed_check_char": verdict.printed_char,
                    },
                    evidence=[evidence_item(doc, field, fv)],
                )
            )
        elif verdict.kind is TaxIdKind.MALFORMED:
            findings.append(
                Finding(
                    code="invalid_tax_id",
                    severity=Severity.LOW,
                    message=(
                        f"合同{party}纳税人识别号 {printed} 的长度或字符不符合统一社会信用代码"
                        "或旧税号格式，请对照原件核对。"
                    ),
                    rule="contract.tax_id.format",
                    inputs={"field": field, "value": printed, "length": str(len(printed))},
                    evidence=[evidence_item(doc, field, fv)],
                )
            )
    return findings


def check_required_fields(doc: Document) -> list[Finding]:
    """`missing_field` for the parties, the total and the signing date."""
    findings: list[Finding] = []
    for field, (title, severity) in REQUIRED_FIELDS.items():
        fv = doc.fields.get(field)
        if fv is not None and fv.value is not None:
            continue
        reason = fv.note if fv is not None and fv.note else "未读取到"
        findings.append(
            Finding(
                code="missing_field",
                severity=severity,
                message=f"合同中未读取到{title}（{reason}），请人工补录或核对原件。",
                rule=f"contract.required.{field}",
                inputs={"field": field},
                evidence=[evidence_item(doc, field, fv)],
            )
        )
    return findings


def check_signatures(doc: Document) -> list[Finding]:
    """`unsigned_contract` when a party's signature block shows neither a signature nor a seal."""
    findings: list[Finding] = []
    for role, party in PARTY_NAMES.items():
        signed_fv, sealed_fv = doc.fields.get(f"{role}_signed"), doc.fields.get(f"{role}_sealed")
        signed, sealed = text_field(signed_fv), text_field(sealed_fv)
        if signed != "no" or sealed != "no":
            continue  # signed, sealed, or not known: only a block seen to be blank is reported
        name = text_field(doc.fields.get(f"{role}_name")) or party
        findings.append(
            Finding(
                code="unsigned_contract",
                severity=Severity.MEDIUM,
                message=f"合同{party}（{name}）签章栏既无签字也无印章，合同可能未经该方签署。",
                rule="contract.signature_presence",
                inputs={f"{role}_signed": signed, f"{role}_sealed": sealed},
                evidence=[
                    evidence_item(doc, f"{role}_signed", signed_fv),
                    evidence_item(doc, f"{role}_sealed", sealed_fv),
                ],
            )
        )
    return findings


# Rule name -> check, in report order (read by docintel.checks.rules for doc_type purchase_contract).
CHECKS = (
    ("contract.required", check_required_fields),
    ("contract.item_amount_sum", check_item_sum),
    ("contract.quantity_times_price", check_quantity_price),
    ("contract.upper_vs_lower", check_upper_vs_lower),
    ("contract.tax_id", check_tax_ids),
    ("contract.signature_presence", check_signatures),
)

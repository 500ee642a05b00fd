"""Taxpayer identification numbers: USCC (GB 32100-2015), its organisation code (GB 11714),
legacy taxpayer numbers and the 居民身份证 number (GB 11643) of natural persons.

A failed check digit is a finding for an officer to review, never a rejection: some real codes are
reported to fail the check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from docintel.checks.common import evidence_item, text_field
from docintel.model import Document, Finding, Severity

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, ...
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"  # indexed by the weighted sum mod 11

# Pre-USCC taxpayer numbers still printed on invoices: 15 (region + organisation code),
# 17 and 20 characters (e.g. a 居民身份证 number plus a 2-digit suffix for an individual business).
LEGACY_LENGTHS = frozenset({15, 17, 20})
_LEGACY_PATTERN = re.compile(r"[0-9A-Z]+")
_USCC_PATTERN = re.compile(f"[{USCC_CHARSET}]{{18}}")
_RESIDENT_ID_PATTERN = re.compile(r"\d{17}[\dX]")


class TaxIdKind(StrEnum):
    VALID_USCC = "valid_uscc"
    INVALID_USCC = "invalid_uscc"
    LEGACY = "legacy"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class TaxIdVerdict:
    """What a printed taxpayer number is. For `invalid_uscc`, `failed_check` says which check
    failed ("uscc" for the 18th character, "org_code" for the 17th, GB 11714) and the expected
    and printed characters of that position."""

    kind: TaxIdKind
    value: str
    failed_check: str | None = None
    expected_char: str | None = None
    printed_char: str | None = None
    person_id: bool = False  # an 18-character 居民身份证 number used as the taxpayer number


def uscc_check_char(first17: str) -> str:
    """The 18th (check) character of a USCC from its first 17 characters."""
    if len(first17) != 17 or any(ch not in USCC_CHARSET for ch in first17):
        raise ValueError(f"not the first 17 characters of a USCC: {first17!r}")
    total = sum(USCC_CHARSET.index(ch) * weight for ch, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """The 9th (check) character of an organisation code (GB 11714) from its first 8 characters."""
    if len(first8) != 8 or not re.fullmatch(r"[0-9A-Z]{8}", first8):
        raise ValueError(f"not the first 8 characters of an organisation code: {first8!r}")
    # Digits count as themselves, letters A..Z as 10..35.
    total = sum(int(ch, 36) * weight for ch, weight in zip(first8, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def is_resident_id_number(value: str) -> bool:
    """True for a valid 18-character 居民身份证 number: digits, a real birth date, mod-11 check."""
    text = value.strip().upper()
    if not _RESIDENT_ID_PATTERN.fullmatch(text):
        return False
    try:
        birth = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    if birth.year < 1900 or birth > date.today():
        return False
    total = sum(int(ch) * weight for ch, weight in zip(text[:17], RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK_CHARS[total % 11] == text[17]


def classify_tax_id(value: str) -> TaxIdVerdict:
    """Classify a printed taxpayer number (whitespace ignored, letters upper-cased)."""
    text = re.sub(r"\s+", "", value).upper()
    if len(text) == 18:
        return _classify_18(text)
    if len(text) in LEGACY_LENGTHS and _LEGACY_PATTERN.fullmatch(text):
        return TaxIdVerdict(TaxIdKind.LEGACY, text)
    return TaxIdVerdict(TaxIdKind.MALFORMED, text)


def _classify_18(text: str) -> TaxIdVerdict:
    # A natural person (or individual business) may be identified by a 居民身份证 number.
    if is_resident_id_number(text):
        return TaxIdVerdict(TaxIdKind.LEGACY, text, person_id=True)
    if not _USCC_PATTERN.fullmatch(text):
        return TaxIdVerdict(TaxIdKind.MALFORMED, text)
    expected = uscc_check_char(text[:17])
    if expected != text[17]:
        return TaxIdVerdict(TaxIdKind.INVALID_USCC, text, "uscc", expected, text[17])
    expected_org = org_code_check_char(text[8:16])
    if expected_org != text[16]:
        return TaxIdVerdict(TaxIdKind.INVALID_USCC, text, "org_code", expected_org, text[16])
    return TaxIdVerdict(TaxIdKind.VALID_USCC, text)


TAX_ID_FIELDS = {"buyer_tax_id": "购买方", "seller_tax_id": "销售方"}


def check_tax_ids(doc: Document) -> list[Finding]:
    """`invalid_tax_id` for buyer and seller numbers that fail a check or are malformed."""
    findings: list[Finding] = []
    for field, party in TAX_ID_FIELDS.items():
        fv = doc.fields.get(field)
        printed = text_field(fv)
        if printed is None:
            continue  # missing values are the missing_field check's job
        verdict = classify_tax_id(printed)
        if verdict.kind is TaxIdKind.INVALID_USCC:
            findings.append(_invalid_finding(doc, field, party, verdict))
        elif verdict.kind is TaxIdKind.MALFORMED:
            findings.append(_malformed_finding(doc, field, party, printed))
    return findings


def _invalid_finding(doc: Document, field: str, party: str, verdict: TaxIdVerdict) -> Finding:
    if verdict.failed_check == "org_code":
        message = (
            f"{party}纳税人识别号 {verdict.value} 中组织机构代码的校验位（第17位）应为 "
            f"{verdict.expected_char}，票面为 {verdict.printed_char}，请核实该号码是否与登记信息一致。"
        )
        rule = "invoice.tax_id.org_code_check"
    else:
        message = (
            f"{party}纳税人识别号 {verdict.value} 的校验位应为 {verdict.expected_char}，"
            f"票面为 {verdict.printed_char}，请核实该号码是否与登记信息一致。"
        )
        rule = "invoice.tax_id.uscc_check"
    return Finding(
        code="invalid_tax_id",
        severity=Severity.HIGH,
        message=message,
        rule=rule,
        inputs={
            "field": field,
            "value": verdict.value,
            "expected_check_char": verdict.expected_char,
            "printed_check_char": verdict.printed_char,
        },
        evidence=[evidence_item(doc, field, doc.fields.get(field))],
    )


def _malformed_finding(doc: Document, field: str, party: str, printed: str) -> Finding:
    return Finding(
        code="invalid_tax_id",
        severity=Severity.LOW,
        message=(
            f"{party}纳税人识别号 {printed} 的长度或字符不符合纳税人识别号格式"
            "（应为18位统一社会信用代码或15、17、20位旧税号），请对照原件核对。"
        ),
        rule="invoice.tax_id.format",
        inputs={"field": field, "value": printed, "length": str(len(printed))},
        evidence=[evidence_item(doc, field, doc.fields.get(field))],
    )

"""Formats of 发票代码, 发票号码 and 校验码 (domain notes; the code layout is a secondary source).

- 发票代码: 10 digits (region 4, year 2, batch, ...) or 12 digits (0, region 4, year 2, batch 3,
  kind 2). A 发票号码 of 8 digits goes with such a code.
- 数电票: a 20-digit 发票号码 (year 2, province 2, channel 1, sequence 15) and no 发票代码.
- 校验码: 20 digits (printed in groups of 5; the extractor joins them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from docintel.checks.common import evidence_item, issue_date_of, text_field
from docintel.model import Document, Finding, Severity

# Digits 11-12 of a 12-digit 发票代码.
CODE_KINDS = {
    "04": "增值税普通发票",
    "05": "增值税普通发票",
    "06": "增值税普通发票（卷票）",
    "07": "增值税普通发票（卷票）",
    "11": "增值税电子普通发票",
    "12": "收费公路通行费增值税电子普通发票",
    "13": "增值税电子专用发票",
}
DIGITAL_INVOICE_FIRST_YEAR = 2021  # 数电票 pilots began in December 2021


@dataclass(frozen=True)
class FormatProblem:
    """One format rule a printed number breaks; `fields` are the fields it rests on."""

    rule: str
    severity: Severity
    message: str
    fields: tuple[str, ...]


def _problem(rule: str, message: str, *fields: str, severity: Severity = Severity.MEDIUM) -> FormatProblem:
    return FormatProblem(rule, severity, message, fields)


def code_year(code: str) -> int | None:
    """Two-digit year printed in a legacy 发票代码 (digits 5-6 of 10, 6-7 of 12), else None."""
    if re.fullmatch(r"\d{10}", code):
        return int(code[4:6])
    if re.fullmatch(r"\d{12}", code):
        return int(code[5:7])
    return None


def invoice_code_problems(code: str) -> list[FormatProblem]:
    """Format problems of a 发票代码 on its own."""
    if not re.fullmatch(r"\d{10}|\d{12}", code):
        return [_problem("invoice.code_format", f"发票代码 {code} 应为10位或12位数字。", "invoice_code")]
    if len(code) == 12 and code[0] != "0":
        return [_problem("invoice.code_format", f"12位发票代码 {code} 的第1位应为0。", "invoice_code")]
    if len(code) == 12 and code[10:] not in CODE_KINDS:
        return [
            _problem(
                "invoice.code_kind",
                f"12位发票代码 {code} 的第11-12位 {code[10:]} 不是已知的发票种类代码，请核实发票代码。",
                "invoice_code",
                severity=Severity.LOW,
            )
        ]
    return []


def invoice_number_problems(number: str, code: str | None) -> list[FormatProblem]:
    """Format problems of a 发票号码 and of its combination with the 发票代码.

    An 8-digit number with no code at all is left to the missing-field check, which names it.
    """
    if re.fullmatch(r"\d{8}", number):
        return []  # a malformed code beside it is reported by the code's own format rule
    if re.fullmatch(r"\d{20}", number):
        if code is not None:
            return [
                _problem(
                    "invoice.code_number_combination",
                    f"20位发票号码 {number} 属于数电票，不应另有发票代码，票面代码为 {code}。",
                    "invoice_number",
                    "invoice_code",
                )
            ]
        return []
    return [
        _problem(
            "invoice.number_format",
            f"发票号码 {number} 应为8位数字（配发票代码）或20位数字（数电票），票面为{len(number)}位。",
            "invoice_number",
        )
    ]


def number_year_problems(number: str | None, code: str | None, issued: date) -> list[FormatProblem]:
    """Years encoded in the number or code that cannot fit the issue date."""
    if number is not None and re.fullmatch(r"\d{20}", number):
        year = 2000 + int(number[:2])
        # The number is given at issue, so its year is the issue year.
        if year != issued.year or year < DIGITAL_INVOICE_FIRST_YEAR:
            return [
                _problem(
                    "invoice.number_year",
                    f"数电票号码 {number} 前两位表示 {year} 年，与开票日期 {issued.isoformat()} 不符。",
                    "invoice_number",
                    "issue_date",
                )
            ]
        return []
    year_digits = None if code is None else code_year(code)
    # A code's year is when the blank stock was issued: it can only precede the invoice.
    if year_digits is not None and 2000 + year_digits > issued.year:
        return [
            _problem(
                "invoice.code_year",
                f"发票代码 {code} 中的年份 {2000 + year_digits} 晚于开票日期 {issued.isoformat()}，请核实。",
                "invoice_code",
                "issue_date",
                severity=Severity.LOW,
            )
        ]
    return []


def check_code_problems(check_code: str) -> list[FormatProblem]:
    compact = re.sub(r"\s+", "", check_code)
    if re.fullmatch(r"\d{20}", compact):
        return []
    return [_problem("invoice.check_code_format", f"校验码 {check_code} 应为20位数字。", "check_code")]


def check_invoice_number(doc: Document) -> list[Finding]:
    """`invalid_invoice_number`: formats of code, number and check code and how they combine."""
    code = text_field(doc.fields.get("invoice_code"))
    number = text_field(doc.fields.get("invoice_number"))
    check_code = text_field(doc.fields.get("check_code"))
    issued = issue_date_of(doc)
    problems: list[FormatProblem] = []
    if code is not None:
        problems += invoice_code_problems(code)
    if number is not None:
        problems += invoice_number_problems(number, code)
    if issued is not None:
        problems += number_year_problems(number, code, issued)
    if check_code is not None:
        problems += check_code_problems(check_code)
    return [_finding(doc, problem) for problem in problems]


def _finding(doc: Document, problem: FormatProblem) -> Finding:
    return Finding(
        code="invalid_invoice_number",
        severity=problem.severity,
        message=problem.message,
        rule=problem.rule,
        inputs={field: text_field(doc.fields.get(field)) for field in problem.fields},
        evidence=[evidence_item(doc, field, doc.fields.get(field)) for field in problem.fields],
    )

"""Deterministic generator of Chinese bank receipt samples (银行电子回单) with truth labels.

Run: ``python -m samples.generate_receipts --out samples/receipts --seed 17``

Three bank styles, laid out the way their exports look: 中国工商银行 网上银行电子回单 (two columns,
付款人/收款人 blocks side by side with the labels 户名/账号/开户银行 repeated), 中国建设银行 网上银行电子回执
(a label/value grid with party-specific labels) and 招商银行 业务回单 (stacked "label：value" lines).
One A4 page carries three 工行 receipts stacked, as the bank's batch export prints them. Some payees
are natural persons (a personal name and a 6222… card), one receipt prints a 大写 that does not
read the 小写, and three are rendered, stamped with the red 电子回单专用章 and degraded into
scans/photos with the invoice generator's helpers.

Each file gets a truth JSON beside it: a list with one entry per receipt on the file (in reading
order), values exactly as printed plus a ``sample`` block (seed, source kind, degradations,
anomalies, whether the payee is a person). Same seed, byte-identical files.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from reportlab.lib.colors import Color, HexColor
from reportlab.pdfgen.canvas import Canvas

from samples.generate import (
    BANKS,
    BLACK,
    PAGE_H,
    PAGE_W,
    PROVINCES,
    PX_PER_PT,
    SCAN_DPI,
    Pen,
    add_noise,
    blur,
    cents,
    encode_image,
    fit_size,
    make_party,
    oval_seal,
    person_name,
    photograph,
    random_date,
    rasterize,
    register_font,
    rmb_upper,
    skew,
    stamp_seal,
)

A4_H = 841.89
RECEIPT_H = 270.0  # one receipt's height: three fit on an A4 page
BANK_RED = HexColor("#C7000B")
BANK_BLUE = HexColor("#0A3D91")
PURPOSES = ("货款", "材料款", "采购款", "设备款", "预付货款", "工程款", "运费", "服务费", "往来款")
ACCOUNT_DIGITS = dict(BANKS)


@dataclass(frozen=True)
class Style:
    key: str
    bank_name: str
    receipt_kind: str
    color: Color


STYLES = {
    "icbc": Style("icbc", "中国工商银行", "网上银行电子回单", BANK_RED),
    "ccb": Style("ccb", "中国建设银行", "网上银行电子回执", BANK_BLUE),
    "cmb": Style("cmb", "招商银行", "业务回单", BANK_RED),
}


@dataclass
class Account:
    name: str
    account: str
    bank: str  # the 开户行 branch as printed
    is_person: bool


@dataclass
class Receipt:
    style: Style
    serial_number: str
    voucher_number: str  # a second number some banks print (电子回单号码, 凭证号): not the serial
    transaction_date: date
    payer: Account
    payee: Account
    amount: Decimal
    amount_upper: str  # as printed, without the currency word
    purpose: str
    anomalies: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ReceiptPlan:
    label: str
    styles: tuple[str, ...]  # one per receipt on the page
    source_kind: str = "digital_pdf"  # digital_pdf | scan | photo
    person_payee: tuple[bool, ...] = (False,)
    anomaly: str | None = None  # upper_mismatch
    seal: bool = False
    skew: bool = False
    blur: bool = False
    noise: bool = False
    perspective: bool = False
    image_format: str = "pdf"  # pdf | jpg


PLAN: tuple[ReceiptPlan, ...] = (
    ReceiptPlan("icbc_pdf", ("icbc",)),
    ReceiptPlan("ccb_pdf", ("ccb",)),
    ReceiptPlan("cmb_pdf_person_payee", ("cmb",), person_payee=(True,)),
    ReceiptPlan("ccb_pdf_upper_mismatch", ("ccb",), anomaly="upper_mismatch"),
    ReceiptPlan("icbc_pdf_3_per_page", ("icbc", "icbc", "icbc"), person_payee=(False, True, False)),
    ReceiptPlan("icbc_scan_seal", ("icbc",), "scan", seal=True, skew=True, noise=True, image_format="jpg"),
    ReceiptPlan("ccb_scan_blur_seal", ("ccb",), "scan", seal=True, blur=True, image_format="jpg"),
    ReceiptPlan("cmb_photo", ("cmb",), "photo", person_payee=(True,), seal=True, perspective=True, blur=True,
                noise=True, image_format="jpg"),
)  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Content
# ----------------------------------------------------------------------------------------------


def digits(rng: random.Random, count: int) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(count - 1))


def company_account(rng: random.Random, bank_name: str | None = None) -> Account:
    """A company with its 开户行 branch and account, from the invoice generator's party maker;
    `bank_name` moves the account to that bank (the issuing bank holds the payer's account)."""
    party = make_party(rng, rng.choice(PROVINCES))
    branch, account = party.bank_account.rsplit(" ", 1)
    if bank_name is not None:
        own_bank = next(name for name, _ in BANKS if branch.startswith(name))
        branch = bank_name + branch.removeprefix(own_bank)
        account = digits(rng, ACCOUNT_DIGITS[bank_name])
    return Account(party.name, account, branch, is_person=False)


def person_account(rng: random.Random) -> Account:
    """A natural person paid on a 工行 debit card (6222 + 15 digits)."""
    branch = company_account(rng, "中国工商银行").bank
    return Account(person_name(rng), "6222" + "".join(rng.choice("0123456789") for _ in range(15)), branch, True)


def make_amount(rng: random.Random) -> Decimal:
    if rng.random() < 0.3:
        return Decimal(rng.randint(1, 600) * 500)
    return cents(Decimal(str(rng.uniform(300, 980000))))


def upper_text(amount: Decimal, style: Style) -> str:
    """大写 as the bank prints it: 元 on 工行/招行, 圆 on 建行."""
    text = rmb_upper(amount)
    return text if style.key == "ccb" else text.replace("圆", "元")


def serial_for(rng: random.Random, style: Style, when: date) -> str:
    if style.key == "icbc":
        return f"{when:%Y%m%d}" + digits(rng, 12)
    if style.key == "ccb":
        return digits(rng, 22)
    return "G" + digits(rng, 4) + f"{when:%y%m%d}" + digits(rng, 7)


def voucher_for(rng: random.Random, style: Style) -> str:
    if style.key == "icbc":  # 电子回单号码 0097-6413-2095-1012
        return "-".join(f"{rng.randint(0, 9999):04d}" for _ in range(4))
    return digits(rng, 11)


def build_receipt(
    rng: random.Random,
    style: Style,
    person_payee: bool,
    anomaly: str | None,
    *,
    when: date | None = None,
    payer: Account | None = None,
    payee: Account | None = None,
    amount: Decimal | None = None,
) -> Receipt:
    """A receipt drawn from `rng`; the keyword arguments impose the date, the two accounts and the
    amount (the case-dossier generator pays a given seller). The random draws are the same with or
    without them, so the default samples do not change."""
    drawn_when = random_date(rng, date(2022, 1, 1), date(2024, 12, 31))
    when = when or drawn_when
    drawn_payer = company_account(rng, style.bank_name)
    drawn_payee = person_account(rng) if person_payee else company_account(rng)
    drawn_amount = make_amount(rng)
    payer, payee, amount = payer or drawn_payer, payee or drawn_payee, amount or drawn_amount
    receipt = Receipt(
        style=style,
        serial_number=serial_for(rng, style, when),
        voucher_number=voucher_for(rng, style),
        transaction_date=when,
        payer=payer,
        payee=payee,
        amount=amount,
        amount_upper=upper_text(amount, style),
        purpose=rng.choice(PURPOSES),
    )
    if anomaly == "upper_mismatch":
        # The 大写 of a neighbouring amount, as when a template's words were not updated.
        wrong = amount + Decimal(rng.choice((90, 900, 9000)))
        receipt.amount_upper = upper_text(wrong, style)
        receipt.anomalies.append(
            {
                "code": "amount_inconsistent",
                "field": "amount_upper",
                "detail": f"大写 reads {cents(wrong)}, 小写 prints {cents(amount)}",
            }
        )
    return receipt


def money_text(amount: Decimal) -> str:
    return f"{cents(amount):,.2f}"


# ----------------------------------------------------------------------------------------------
# Drawing
# ----------------------------------------------------------------------------------------------


class Sheet:
    """One receipt's drawing area: the invoice `Pen` (which measures from the top of an A5 page)
    moved to `top` on a page of any height, so the same layout fits one or three to a page."""

    def __init__(self, pen: Pen, page_h: float, top: float) -> None:
        self.pen = pen
        self.shift = top - (page_h - PAGE_H)

    def text(self, x: float, top: float, text: str, size: float, color: Color = BLACK, align: str = "left") -> None:
        self.pen.text(x, top + self.shift, text, size, color, align)

    def fitted(self, x: float, top: float, text: str, size: float, width: float) -> None:
        self.text(x, top, text, fit_size(text, size, width))

    def line(self, x0: float, top0: float, x1: float, top1: float, width: float = 0.6) -> None:
        self.pen.line(x0, top0 + self.shift, x1, top1 + self.shift, width)

    def rect(self, x0: float, top: float, x1: float, bottom: float) -> None:
        self.pen.rect(x0, top + self.shift, x1, bottom + self.shift, 0.8)

    def vertical(self, text: str, x_center: float, top: float, bottom: float, size: float) -> None:
        self.pen.vertical_text(text, x_center, top + self.shift, bottom + self.shift, size)

    def grid(self, x_lines: Sequence[float], y_lines: Sequence[float]) -> None:
        self.rect(x_lines[0], y_lines[0], x_lines[-1], y_lines[-1])
        for y in y_lines[1:-1]:
            self.line(x_lines[0], y, x_lines[-1], y)


def draw_heading(sheet: Sheet, receipt: Receipt) -> None:
    style = receipt.style
    sheet.text(40, 30, style.bank_name, 14, style.color)
    sheet.text(PAGE_W / 2, 30, style.receipt_kind, 17, BLACK, "center")


def draw_icbc(sheet: Sheet, receipt: Receipt) -> None:
    """Two columns: a vertical 付款人 / 收款人 marker left of each block, labels repeated."""
    draw_heading(sheet, receipt)
    sheet.text(40, 52, f"电子回单号码：{receipt.voucher_number}", 9)
    left, mid, right = 30.0, 297.5, 565.0
    rows = [62.0 + 24 * i for i in range(8)]
    sheet.grid((left, right), rows)
    for x in (left + 22, left + 72, mid, mid + 22, mid + 72):
        sheet.line(x, rows[0], x, rows[3])
    sheet.vertical("付款人", left + 11, rows[0], rows[3], 10)
    sheet.vertical("收款人", mid + 11, rows[0], rows[3], 10)
    for side, account in ((left, receipt.payer), (mid, receipt.payee)):
        width = mid - left - 80
        for row, (label, value) in enumerate(
            (("户名", account.name), ("账号", account.account), ("开户银行", account.bank))
        ):
            sheet.text(side + 26, rows[row] + 16, label, 9)
            sheet.fitted(side + 76, rows[row] + 16, value, 9.5, width)
    # Lower rows: label cell, value cell, second label, second value.
    sheet.line(left + 72, rows[3], left + 72, rows[7])
    sheet.line(mid, rows[3], mid, rows[7])
    sheet.line(mid + 72, rows[3], mid + 72, rows[7])
    lower = (
        (("金额", f"¥{money_text(receipt.amount)}"), ("币种", "人民币")),
        (("金额（大写）", f"人民币{receipt.amount_upper}"), ("交易渠道", "网上银行")),
        (("用途", receipt.purpose), ("摘要", "转账支出")),
        (("交易流水号", receipt.serial_number), ("交易日期", f"{receipt.transaction_date:%Y-%m-%d}")),
    )
    for index, ((label_a, value_a), (label_b, value_b)) in enumerate(lower):
        top = rows[3 + index] + 16
        sheet.text(left + 6, top, label_a, 9)
        sheet.fitted(left + 76, top, value_a, 9.5, mid - left - 80)
        sheet.text(mid + 6, top, label_b, 9)
        sheet.fitted(mid + 76, top, value_b, 9.5, right - mid - 80)
    sheet.text(right, rows[-1] + 14, "本回单可通过网上银行验证真伪，重复打印无效", 7, BLACK, "right")


def draw_ccb(sheet: Sheet, receipt: Receipt) -> None:
    """A four-column grid: 付款人全称 | value | 收款人全称 | value, party named in each label."""
    draw_heading(sheet, receipt)
    sheet.text(40, 56, "币别：人民币", 9)
    sheet.text(215, 56, f"日期：{receipt.transaction_date.year}年{receipt.transaction_date:%m}月"
                        f"{receipt.transaction_date:%d}日", 9)  # fmt: skip
    sheet.text(390, 56, f"凭证号：{receipt.voucher_number}", 9)
    x = (30.0, 112.0, 297.5, 379.5, 565.0)
    rows = [66.0 + 25 * i for i in range(7)]
    sheet.grid((x[0], x[-1]), rows)
    for column in x[1:-1]:
        sheet.line(column, rows[0], column, rows[-2])
    sheet.line(x[1], rows[-2], x[1], rows[-1])
    cells = (
        ("付款人全称", receipt.payer.name, "收款人全称", receipt.payee.name),
        ("付款人账号", receipt.payer.account, "收款人账号", receipt.payee.account),
        ("付款人开户行", receipt.payer.bank, "收款人开户行", receipt.payee.bank),
        ("金额（大写）", f"人民币{receipt.amount_upper}", "金额（小写）", f"¥{money_text(receipt.amount)}"),
        ("用途", receipt.purpose, "交易流水号", receipt.serial_number),
    )
    for index, (label_a, value_a, label_b, value_b) in enumerate(cells):
        top = rows[index] + 16
        sheet.text(x[0] + 5, top, label_a, 9)
        sheet.fitted(x[1] + 4, top, value_a, 9.5, x[2] - x[1] - 8)
        sheet.text(x[2] + 5, top, label_b, 9)
        sheet.fitted(x[3] + 4, top, value_b, 9.5, x[4] - x[3] - 8)
    sheet.text(x[0] + 5, rows[5] + 16, "备注", 9)
    sheet.text(x[1] + 4, rows[5] + 16, "网上银行转账", 9.5)
    sheet.text(x[-1], rows[-1] + 14, "打印渠道：网上银行    重要提示：本回执不作为收款方发货依据", 7, BLACK, "right")


def draw_cmb(sheet: Sheet, receipt: Receipt) -> None:
    """Stacked "label：value" lines, one field per line, payer block above payee block."""
    draw_heading(sheet, receipt)
    sheet.text(40, 54, f"回单编号：{receipt.serial_number}", 9)
    sheet.rect(30, 62, 565, 262)
    lines = (
        f"付款人：{receipt.payer.name}",
        f"付款账号：{receipt.payer.account}",
        f"付款行：{receipt.payer.bank}",
        f"收款人：{receipt.payee.name}",
        f"收款账号：{receipt.payee.account}",
        f"收款行：{receipt.payee.bank}",
    )
    for index, text in enumerate(lines):
        sheet.text(50, 82 + 18 * index, text, 10)
    sheet.line(30, 82 + 18 * 6 - 8, 565, 82 + 18 * 6 - 8)
    lower_top = 82 + 18 * 6 + 8
    sheet.text(50, lower_top, "交易金额：", 10)
    sheet.text(110, lower_top, f"CNY {money_text(receipt.amount)}", 10)
    sheet.text(50, lower_top + 18, f"金额大写：{receipt.amount_upper}", 10)
    sheet.text(50, lower_top + 36, f"摘要：{receipt.purpose}", 10)
    sheet.text(50, lower_top + 54, f"交易日期：{receipt.transaction_date:%Y/%m/%d}", 10)
    sheet.text(320, lower_top + 54, "业务类型：企业银行支付", 10)


DRAWERS = {"icbc": draw_icbc, "ccb": draw_ccb, "cmb": draw_cmb}


def render_pdf(receipts: Sequence[Receipt]) -> bytes:
    """One receipt on an A5-landscape page, several stacked on an A4 page (no creation date)."""
    register_font()
    page_h = PAGE_H if len(receipts) == 1 else A4_H
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_W, page_h), invariant=1)
    canvas.setTitle("电子回单")
    canvas.setAuthor("docintel sample generator (synthetic data)")
    pen = Pen(canvas)
    for index, receipt in enumerate(receipts):
        top = 0.0 if len(receipts) == 1 else 10 + index * (RECEIPT_H + 6)
        DRAWERS[receipt.style.key](Sheet(pen, page_h, top), receipt)
        if index < len(receipts) - 1:
            sheet = Sheet(pen, page_h, top)
            sheet.line(20, RECEIPT_H + 3, PAGE_W - 20, RECEIPT_H + 3, 0.3)  # the cutting line
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------------
# Scans
# ----------------------------------------------------------------------------------------------


def bank_seal(bank_name: str) -> Any:
    """电子回单专用章: a round red seal, the bank's full name on the arc."""
    size = round(38 / 25.4 * SCAN_DPI)
    return oval_seal(size, size, f"{bank_name}股份有限公司", (("★", -0.02, 0.2), ("电子回单专用章", 0.26, 0.1)))


def degrade(page: np.ndarray, plan: ReceiptPlan, receipt: Receipt, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """Seal, camera, scanner, in the order they happen to paper (the invoice helpers do the work)."""
    record: dict[str, Any] = {"dpi": SCAN_DPI, "skew_degrees": 0.0, "blur_sigma": 0.0, "noise_sigma": 0.0,
                              "perspective": plan.perspective, "seal": None}  # fmt: skip
    if plan.seal:
        # Over the lower half of the form: 交易日期/用途 cells and part of the amount rows.
        x_range = (240, 300) if receipt.style.key == "cmb" else (400, 470)  # where each style's text runs
        center = (rng.uniform(*x_range) * PX_PER_PT, rng.uniform(170, 205) * PX_PER_PT)
        page = stamp_seal(page, bank_seal(receipt.style.bank_name), center, opacity=0.7)
        record["seal"] = {"text": "电子回单专用章", "center_pt": [round(c / PX_PER_PT, 1) for c in center]}
    if plan.perspective:
        page = photograph(page, rng)
    if plan.skew:
        angle = float(round(rng.choice([-1, 1]) * rng.uniform(0.8, 2.5), 2))
        page = skew(page, angle)
        record["skew_degrees"] = angle
    if plan.blur:
        sigma = float(round(rng.uniform(0.6, 1.0), 2))
        page = blur(page, sigma)
        record["blur_sigma"] = sigma
    if plan.noise:
        sigma = float(round(rng.uniform(3.0, 6.0), 2))
        page = add_noise(page, sigma, rng)
        record["noise_sigma"] = sigma
    return page, record


# ----------------------------------------------------------------------------------------------
# Truth and driver
# ----------------------------------------------------------------------------------------------


def truth_record(receipt: Receipt, file_name: str, seed: int, plan: ReceiptPlan, position: int,
                 degradations: dict[str, Any] | None) -> dict[str, Any]:  # fmt: skip
    """Label-schema truth of one receipt: values exactly as printed (amount_upper without the
    currency word, currency as its ISO code)."""
    return {
        "file": file_name,
        "doc_type": "bank_receipt",
        "receipt_kind": receipt.style.receipt_kind,
        "bank_name": receipt.style.bank_name,
        "payer_name": receipt.payer.name,
        "payer_account": receipt.payer.account,
        "payer_bank": receipt.payer.bank,
        "payee_name": receipt.payee.name,
        "payee_account": receipt.payee.account,
        "payee_bank": receipt.payee.bank,
        "amount": f"{cents(receipt.amount):f}",
        "amount_upper": receipt.amount_upper,
        "currency": "CNY",
        "transaction_date": receipt.transaction_date.isoformat(),
        "purpose": receipt.purpose,
        "serial_number": receipt.serial_number,
        "notes": "synthetic sample from samples/generate_receipts.py",
        "confidence": "high",
        "sample": {
            "seed": seed,
            "plan": plan.label,
            "style": receipt.style.key,
            "source_kind": plan.source_kind,
            "format": plan.image_format,
            "position_on_page": position,
            "receipts_on_page": len(plan.styles),
            "payee_is_person": receipt.payee.is_person,
            "degradations": degradations,
            "anomalies": receipt.anomalies,
        },
    }


@dataclass(frozen=True)
class WrittenSample:
    file: Path
    truth: list[dict[str, Any]]


def write_sample(out_dir: Path, seed: int, index: int, plan: ReceiptPlan) -> WrittenSample:
    rng = random.Random(f"docintel-receipts:{seed}:{index}")
    image_rng = np.random.default_rng([seed, index, 17])
    persons = plan.person_payee + (False,) * (len(plan.styles) - len(plan.person_payee))
    receipts = [
        build_receipt(rng, STYLES[key], person, plan.anomaly) for key, person in zip(plan.styles, persons, strict=True)
    ]
    pdf_bytes = render_pdf(receipts)
    stem = f"rc{index + 1:02d}_{plan.label}"
    degradations = None
    if plan.image_format == "pdf":
        path = out_dir / f"{stem}.pdf"
        path.write_bytes(pdf_bytes)
    else:
        page, degradations = degrade(rasterize(pdf_bytes)[0], plan, receipts[0], image_rng)
        path = out_dir / f"{stem}.{plan.image_format}"
        path.write_bytes(encode_image([page], plan.image_format))
    truth = [
        truth_record(receipt, path.name, seed, plan, position, degradations)
        for position, receipt in enumerate(receipts, start=1)
    ]
    (out_dir / f"{stem}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return WrittenSample(path, truth)


def generate_samples(out_dir: Path, seed: int = 17) -> list[WrittenSample]:
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("rc[0-9][0-9]_*"):  # a changed plan leaves no stale files behind
        if old.suffix in (".pdf", ".jpg", ".json"):
            old.unlink()
    return [write_sample(out_dir, seed, index, plan) for index, plan in enumerate(PLAN)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("samples/receipts"), help="output folder")
    parser.add_argument("--seed", type=int, default=17, help="random seed (same seed, same files)")
    args = parser.parse_args(argv)
    samples = generate_samples(args.out, args.seed)
    total = 0
    for sample in samples:
        size = sample.file.stat().st_size
        total += size
        kinds = ",".join(t["sample"]["style"] for t in sample.truth)
        print(f"{sample.file.name:36s} {len(sample.truth)} receipt(s) {kinds:14s} {size / 1024:6.0f} KiB")
    print(f"{sum(len(s.truth) for s in samples)} receipts in {len(samples)} files, {total / 1024 / 1024:.2f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

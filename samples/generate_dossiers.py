"""Deterministic generator of loan dossiers (case folders) with and without each case-level anomaly.

Run: ``python -m samples.generate_dossiers --out samples/cases --seed 23``

A dossier is what a borrower hands in for a loan "采购原材料": the manifest ``case.json`` (borrower,
loan, disbursement, entrusted payee), a purchase contract, the invoices of that purchase, the bank
receipt of the loan paid to the seller and the borrower's statements. Every document is drawn by the
other sample generators (their builders with the parties, goods, amounts and dates of one deal
imposed, their renderers and scan degradations), so the dossiers exercise the same readers as the
single-document samples. Clean dossiers include near-misses that must stay silent (the seller written
with half-width brackets, a seller whose name begins with a surname, invoices 0.01 off the contract);
each other dossier plants one anomaly and ``expected_findings.json`` lists the findings the case
verifier must raise (code, optionally the rule, and why). Same seed: byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import numpy as np

from samples import generate_contracts as contracts
from samples import generate_receipts as receipts
from samples import generate_statements as statements
from samples.generate import (
    PROVINCES,
    Invoice,
    Item,
    Party,
    SamplePlan,
    build_invoice,
    cents,
    encode_image,
    make_party,
    money,
    plain,
    rasterize,
    render_pdf,
)

VAT = Decimal("0.13")  # goods bought for production: the general rate since April 2019
LOAN_SHARE = Decimal("0.8")  # the bank finances 80% of the price; the borrower pays the rest itself
CLEAN_SCALE = 6.0e7  # yuan of yearly revenue of a borrower whose purchases are in proportion


@dataclass(frozen=True)
class Material:
    """A raw material as the contract names it and the tax category its invoice line carries."""

    goods: contracts.Goods
    category: str


def _goods(name: str) -> contracts.Goods:
    return next(g for g in contracts.GOODS if g.name == name)


MATERIALS: tuple[Material, ...] = (
    Material(_goods("热轧钢板"), "黑色金属冶炼压延品"),
    Material(_goods("冷轧带钢"), "黑色金属冶炼压延品"),
    Material(_goods("镀锌角钢"), "黑色金属冶炼压延品"),
    Material(_goods("聚乙烯薄膜"), "塑料制品"),
    Material(_goods("工业级碳酸钠"), "化学原料及化学制品"),
    Material(_goods("涤纶短纤维"), "纺织产品"),
)
COPPER = Material(_goods("电解铜板"), "有色金属冶炼压延品")
MATERIAL_OF = {m.goods.name: m for m in (*MATERIALS, COPPER)}
# Goods no raw-material contract above mentions: what an invoice for another deal would carry.
UNRELATED = ("*计算机配套产品*固态硬盘", "块", Decimal(480))


@dataclass(frozen=True)
class ExpectedFinding:
    code: str
    note: str
    rule: str | None = None

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, **({"rule": self.rule} if self.rule else {}), "note": self.note}


@dataclass
class Dossier:
    """One case folder before it is written: the documents of one deal and what must be found."""

    folder: str
    description: str
    manifest: dict[str, Any]
    borrower: Party
    seller: Party
    contract: contracts.Contract
    contract_plan: contracts.ContractPlan
    invoices: list[Invoice]
    receipt: receipts.Receipt
    receipt_plan: receipts.ReceiptPlan
    statements: statements.StatementSet | None
    expected: list[ExpectedFinding] = field(default_factory=list)
    # (file name in this folder, another dossier's folder, file name there): a document reused as is.
    reused: list[tuple[str, str, str]] = field(default_factory=list)
    repeated_invoice: bool = False  # the first invoice submitted twice in this folder


# ----------------------------------------------------------------------------------------------
# Parties and goods
# ----------------------------------------------------------------------------------------------


def company(rng: random.Random, name: str | None = None) -> Party:
    """A company from the invoice generator's party maker, optionally renamed.

    A drawn account that starts with 62 and has 16–19 digits is drawn again: that is a bank-card BIN
    range, which company settlement accounts never use, and the verifier rightly flags it.
    """
    while True:
        party = make_party(rng, rng.choice(PROVINCES))
        account = party.bank_account.rsplit(" ", 1)[1]
        if not (account.startswith("62") and 16 <= len(account) <= 19):
            return party if name is None else replace(party, name=name)


def account_of(party: Party) -> tuple[str, str]:
    """(开户行 branch, account number) of a party's 开户行及账号."""
    branch, account = party.bank_account.rsplit(" ", 1)
    return branch, account


def contract_items(rng: random.Random, materials: Sequence[Material]) -> list[contracts.ContractItem]:
    return [contracts.make_contract_item(rng, m.goods) for m in materials]


def bulk_item(material: Material, quantity: Decimal, unit_price: Decimal) -> contracts.ContractItem:
    goods = material.goods
    return contracts.ContractItem(
        goods.name, goods.specs[0], goods.unit, f"{quantity:f}", f"{unit_price:.2f}", cents(quantity * unit_price)
    )


def unit_price_for(amount: Decimal, quantity: Decimal) -> Decimal:
    """单价 as invoicing software prints it: 金额 / 数量 to 15 significant digits."""
    with localcontext() as ctx:
        ctx.prec = 15
        return +(amount / quantity)


def invoice_line(item: contracts.ContractItem, material: Material, factor: Decimal = Decimal(1)) -> Item:
    """The invoice line of a contract line (tax-inclusive price): 金额 + 税额 = the contract amount.

    `factor` scales the quantity (and so the amount) for an invoice that does not match the contract.
    """
    quantity = Decimal(item.quantity) * factor
    gross = cents(item.amount * factor)
    amount = cents(gross / (1 + VAT))
    return Item(
        name=f"*{material.category}*{item.name}",
        spec=item.spec,
        unit=item.unit,
        quantity=plain(quantity),
        unit_price=plain(unit_price_for(amount, quantity)),
        amount=amount,
        tax_rate="13%",
        tax=gross - amount,
    )


def unrelated_line(like: Item) -> Item:
    """A line for goods the contract does not mention, worth the same as `like`."""
    name, unit, price = UNRELATED
    quantity = max(Decimal(1), (like.amount / price).quantize(Decimal(1)))
    return replace(like, name=name, spec="1TB NVMe", unit=unit, quantity=plain(quantity),
                   unit_price=plain(unit_price_for(like.amount, quantity)))  # fmt: skip


# ----------------------------------------------------------------------------------------------
# One deal
# ----------------------------------------------------------------------------------------------


CONTRACT_DIGITAL = contracts.ContractPlan("dossier_pdf", "jia_xu", items=(2, 3), fillers=3)
CONTRACT_SCAN = contracts.ContractPlan("dossier_scan", "caigou", "scan", items=(2, 3), fillers=3, skew=True)
RECEIPT_DIGITAL = receipts.ReceiptPlan("dossier_pdf", ("icbc",))
RECEIPT_SCAN = receipts.ReceiptPlan("dossier_scan", ("ccb",), "scan", skew=True, noise=True, image_format="jpg")
INVOICE_PLAN = SamplePlan("shudian_special", "dossier_pdf")
STATEMENT_PLAN = statements.SetPlan("dossier_general_yuan")


def make_contract(
    rng: random.Random,
    plan: contracts.ContractPlan,
    buyer: Party,
    seller: Party,
    signing: date,
    items: list[contracts.ContractItem],
) -> contracts.Contract:
    tax = ("注：以上单价为含税价格，含13%增值税及运费。", "含税")
    return contracts.build_contract(rng, plan, buyer=buyer, seller=seller, signing=signing, items=items, tax=tax)


def make_invoices(
    rng: random.Random,
    contract: contracts.Contract,
    materials: Sequence[Material],
    count: int,
    first_issue: date,
    family: str = "shudian_special",
) -> list[Invoice]:
    """The contract invoiced in `count` invoices (its lines dealt round-robin), a few days apart."""
    lines = [invoice_line(item, m) for item, m in zip(contract.items, materials, strict=True)]
    plan = replace(INVOICE_PLAN, family=family)
    return [
        build_invoice(
            rng,
            plan,
            buyer=contract.buyer,
            seller=contract.seller,
            issue_date=first_issue + timedelta(days=7 * index),
            items=lines[index::count],
        )
        for index in range(count)
    ]


def rebuild_invoice(rng: random.Random, invoice: Invoice, **changes: Any) -> Invoice:
    """The same deal's invoice drawn again with some of its parties, date or lines changed."""
    given = {"buyer": invoice.buyer, "seller": invoice.seller, "issue_date": invoice.issue_date,
             "items": invoice.items} | changes  # fmt: skip
    return build_invoice(rng, replace(INVOICE_PLAN, family=invoice.family), **given)


def loan_amount(contract_total: Decimal) -> Decimal:
    """80% of the price, rounded down to a thousand yuan, as a loan is granted."""
    return (contract_total * LOAN_SHARE / 1000).quantize(Decimal(1), rounding="ROUND_FLOOR") * 1000


def make_receipt(
    rng: random.Random, plan: receipts.ReceiptPlan, payer: Party, payee: receipts.Account, amount: Decimal, when: date
) -> receipts.Receipt:
    style = receipts.STYLES[plan.styles[0]]
    payer_account = receipts.company_account(rng, style.bank_name)
    return receipts.build_receipt(
        rng, style, False, None, when=when, payer=replace(payer_account, name=payer.name), payee=payee, amount=amount
    )


def company_payee(party: Party) -> receipts.Account:
    branch, account = account_of(party)
    return receipts.Account(party.name, account, branch, is_person=False)


def base_dossier(
    rng: random.Random,
    index: int,
    label: str,
    description: str,
    *,
    seller_name: str | None = None,
    materials: Sequence[Material] | None = None,
    items: list[contracts.ContractItem] | None = None,
    invoice_count: int = 2,
    contract_plan: contracts.ContractPlan = CONTRACT_DIGITAL,
    receipt_plan: receipts.ReceiptPlan = RECEIPT_DIGITAL,
    scale: float = CLEAN_SCALE,
    borrower: Party | None = None,
    seller: Party | None = None,
    signing: date | None = None,
) -> Dossier:
    """A consistent deal: contract, invoices of exactly its goods, the loan paid to the seller, statements."""
    borrower = borrower or company(rng)
    seller = seller or company(rng, seller_name)
    materials = list(materials or rng.sample(MATERIALS, rng.randint(2, 3)))
    items = items or contract_items(rng, materials)
    signing = signing or date(2024, 3, 1) + timedelta(days=rng.randint(0, 300))
    contract = make_contract(rng, contract_plan, borrower, seller, signing, items)
    invoices = make_invoices(rng, contract, materials, min(invoice_count, len(items)), signing + timedelta(days=12))
    loan = loan_amount(contract.total)
    disbursed = signing + timedelta(days=rng.randint(3, 8))
    receipt = make_receipt(rng, receipt_plan, borrower, company_payee(seller), loan, disbursed)
    branch, account = account_of(seller)
    manifest = {
        "case_id": f"LN{signing.year}{index:04d}",
        "borrower_name": borrower.name,
        "borrower_tax_id": borrower.tax_id,
        "loan_amount": money(loan),
        "loan_purpose": "采购原材料",
        "disbursement_date": disbursed.isoformat(),
        "entrusted_payee": {"name": seller.name, "account": account, "bank": branch},
    }
    sset = statements.build_set(rng, STATEMENT_PLAN, company=borrower.name, year=signing.year - 1, scale=scale)
    return Dossier(
        folder=f"{index:02d}_{label}",
        description=description,
        manifest=manifest,
        borrower=borrower,
        seller=seller,
        contract=contract,
        contract_plan=contract_plan,
        invoices=invoices,
        receipt=receipt,
        receipt_plan=receipt_plan,
        statements=sset,
    )


# ----------------------------------------------------------------------------------------------
# The dossiers: clean ones (with near-misses) and one per anomaly
# ----------------------------------------------------------------------------------------------


def clean_scanned_contract(rng: random.Random, index: int) -> list[Dossier]:
    return [
        base_dossier(
            rng, index, "clean_scanned_contract", "无异常：合同为扫描件（OCR），两张发票，付款给合同卖方。",
            contract_plan=CONTRACT_SCAN,
        )
    ]  # fmt: skip


def clean_halfwidth_brackets(rng: random.Random, index: int) -> list[Dossier]:
    """The seller is 华诚（无锡）… in the contract and 华诚(无锡)… (half-width) on the invoice and receipt."""
    dossier = base_dossier(
        rng,
        index,
        "clean_halfwidth_brackets",
        "无异常（近似误报）：发票与回单上卖方名称用半角括号书写，合同用全角括号；同一单位。",
        seller_name="华诚（无锡）金属材料有限公司",
    )
    halfwidth = replace(dossier.seller, name="华诚(无锡)金属材料有限公司")
    dossier.invoices = [rebuild_invoice(rng, inv, seller=halfwidth) for inv in dossier.invoices]
    dossier.receipt.payee = company_payee(halfwidth)
    return [dossier]


def clean_surname_seller_cent(rng: random.Random, index: int) -> list[Dossier]:
    """A seller whose name begins with a surname (王府井…), and invoices 0.01 above the contract."""
    dossier = base_dossier(
        rng,
        index,
        "clean_surname_seller_cent_off",
        "无异常（近似误报）：卖方名称以姓氏开头（王府井…有限公司），发票价税合计比合同多 0.01 元（尾差）。",
        seller_name="王府井物资贸易有限公司",
        invoice_count=1,
    )
    (invoice,) = dossier.invoices
    first = invoice.items[0]
    lines = [replace(first, tax=first.tax + Decimal("0.01")), *invoice.items[1:]]
    dossier.invoices = [rebuild_invoice(rng, invoice, items=lines)]
    return [dossier]


def payee_natural_person(rng: random.Random, index: int) -> list[Dossier]:
    dossier = base_dossier(
        rng, index, "payee_natural_person", "收款方为自然人：贷款付给“张伟”的个人借记卡（回单为扫描件）。",
        receipt_plan=RECEIPT_SCAN,
    )  # fmt: skip
    dossier.receipt.payee = replace(receipts.person_account(rng), name="张伟")
    dossier.expected.append(
        ExpectedFinding("payee_mismatch", "银行回单收款方为自然人张伟（6222…借记卡）", "case.payee.natural_person")
    )
    return [dossier]


def payee_other_company(rng: random.Random, index: int) -> list[Dossier]:
    dossier = base_dossier(rng, index, "payee_other_company", "收款方为第三方公司：贷款付给另一家公司的账户。")
    dossier.receipt.payee = company_payee(company(rng))
    dossier.expected += [
        ExpectedFinding("payee_mismatch", "回单收款方不是合同卖方", "case.payee.not_seller"),
        ExpectedFinding("payee_mismatch", "回单收款账号不是卖方的任何已知账号", "case.payee.account"),
    ]
    return [dossier]


def invoice_seller_mismatch(rng: random.Random, index: int) -> list[Dossier]:
    dossier = base_dossier(
        rng, index, "invoice_seller_mismatch", "发票销售方与合同卖方不是同一单位（不同名称、不同税号）。"
    )
    other = company(rng)
    dossier.invoices = [rebuild_invoice(rng, inv, seller=other) for inv in dossier.invoices]
    dossier.expected.append(
        ExpectedFinding("counterparty_mismatch", "发票销售方不是合同卖方", "case.counterparty.invoice_seller")
    )
    return [dossier]


def contract_beyond_scale(rng: random.Random, index: int) -> list[Dossier]:
    """About three years of the borrower's 营业成本 of copper in one contract."""
    items = [bulk_item(COPPER, Decimal(400), Decimal(65000))]
    dossier = base_dossier(
        rng,
        index,
        "contract_beyond_scale",
        "采购规模异常：一份合同购入约 2,600 万元电解铜，借款人年营业收入约 1,200 万元。",
        materials=[COPPER],
        items=items,
        invoice_count=1,
        scale=1.2e7,
    )
    dossier.expected.append(
        ExpectedFinding("implausible_quantity", "合同金额远超 12 个月营业成本", "case.scale.operating_cost")
    )
    # Half of 资产总计 is far below the contract too: the same anomaly seen from the balance sheet.
    dossier.expected.append(
        ExpectedFinding("implausible_quantity", "合同金额超过资产总计的 50%", "case.scale.total_assets")
    )
    return [dossier]


def more(item: contracts.ContractItem) -> Item:
    """The invoice line of a contract line with 20% more quantity at the same price."""
    return invoice_line(item, MATERIAL_OF[item.name], Decimal("1.2"))


def invoice_amount_off(rng: random.Random, index: int) -> list[Dossier]:
    dossier = base_dossier(rng, index, "invoice_amount_20pct", "发票金额比合同多 20%（数量多开，单价不变）。")
    by_name = {item.name: item for item in dossier.contract.items}
    dossier.invoices = [
        rebuild_invoice(rng, inv, items=[more(by_name[line.name.rsplit("*", 1)[1]]) for line in inv.items])
        for inv in dossier.invoices
    ]
    dossier.expected.append(
        ExpectedFinding("amount_inconsistent", "发票价税合计比合同多 20%", "case.amounts.invoices_vs_contracts")
    )
    return [dossier]


def invoice_goods_mismatch(rng: random.Random, index: int) -> list[Dossier]:
    dossier = base_dossier(rng, index, "invoice_goods_mismatch", "发票货物（固态硬盘）不是合同约定的原材料。")
    first = dossier.invoices[0]
    lines = [unrelated_line(first.items[0]), *first.items[1:]]
    dossier.invoices[0] = rebuild_invoice(rng, first, items=lines)
    dossier.expected.append(
        ExpectedFinding("goods_mismatch", "发票第1行为固态硬盘，合同为原材料", "case.goods.invoice_vs_contract")
    )
    return [dossier]


def duplicate_across_cases(rng: random.Random, index: int) -> list[Dossier]:
    """One deal submitted for two loans: the second case reuses the first case's invoices."""
    first = base_dossier(
        rng, index, "duplicate_source", "无异常（单独核对时）：其发票被下一个案件重复使用。", invoice_count=1
    )
    signing = first.contract.signing_date + timedelta(days=2)
    second = base_dossier(
        rng,
        index + 1,
        "duplicate_across_cases",
        f"同一发票用于两笔贷款：发票与案件 {first.folder} 的发票相同（同一卖方、同样货物与金额的另一份合同）。",
        borrower=first.borrower,
        seller=first.seller,
        items=first.contract.items,
        materials=[MATERIAL_OF[item.name] for item in first.contract.items],
        invoice_count=1,
        signing=signing,
    )
    second.invoices = []
    second.reused.append(("invoice_01.pdf", first.folder, "invoice_01.pdf"))
    second.expected.append(
        ExpectedFinding(
            "duplicate_invoice",
            f"发票已在案件 {first.manifest['case_id']}（{first.folder}）中使用；需与该案件一同核对（共享发票登记簿）",
            "case.duplicate.across_cases",
        )
    )
    return [first, second]


def duplicate_within_case(rng: random.Random, index: int) -> list[Dossier]:
    dossier = base_dossier(
        rng, index, "duplicate_within_case", "同一发票在本案中提交两次（两份相同文件）。", invoice_count=1
    )
    dossier.repeated_invoice = True
    dossier.expected.append(
        ExpectedFinding("duplicate_invoice", "同一发票号码在本案出现两次", "case.duplicate.within_case")
    )
    return [dossier]


def timeline_backwards(rng: random.Random, index: int) -> list[Dossier]:
    dossier = base_dossier(
        rng, index, "timeline_backwards", "时间倒置：发票开票早于合同签订，付款早于放款。", invoice_count=1
    )
    signing = dossier.contract.signing_date
    dossier.invoices = [rebuild_invoice(rng, dossier.invoices[0], issue_date=signing - timedelta(days=20))]
    disbursed = date.fromisoformat(dossier.manifest["disbursement_date"])
    dossier.receipt = make_receipt(
        rng, dossier.receipt_plan, dossier.borrower, dossier.receipt.payee, dossier.receipt.amount,
        disbursed - timedelta(days=2),
    )  # fmt: skip
    code = "timeline_inconsistent"
    dossier.expected += [
        ExpectedFinding(code, "发票开票日期早于合同签订日期", "case.timeline.invoice_before_contract"),
        ExpectedFinding(code, "付款早于放款日期", "case.timeline.payment_before_disbursement"),
    ]
    if dossier.contract.valid_from is not None:  # the validity starts at signing: the invoice is outside it
        note = "发票开票日期在合同有效期之前"
        dossier.expected.append(ExpectedFinding(code, note, "case.timeline.invoice_outside_validity"))
    return [dossier]


def missing_statements(rng: random.Random, index: int) -> list[Dossier]:
    dossier = base_dossier(rng, index, "missing_statements", "缺少财务报表：采购规模无法与经营规模比较。")
    dossier.statements = None
    dossier.expected.append(
        ExpectedFinding("missing_document", "未提供利润表或资产负债表（提示）", "case.coverage.documents")
    )
    return [dossier]


BUILDERS: tuple[Callable[[random.Random, int], list[Dossier]], ...] = (
    clean_scanned_contract,
    clean_halfwidth_brackets,
    clean_surname_seller_cent,
    payee_natural_person,
    payee_other_company,
    invoice_seller_mismatch,
    contract_beyond_scale,
    invoice_amount_off,
    invoice_goods_mismatch,
    duplicate_across_cases,
    duplicate_within_case,
    timeline_backwards,
    missing_statements,
)


def build_dossiers(seed: int) -> list[Dossier]:
    dossiers: list[Dossier] = []
    for builder in BUILDERS:
        rng = random.Random(f"docintel-dossiers:{seed}:{builder.__name__}")
        dossiers += builder(rng, len(dossiers) + 1)
    return dossiers


# ----------------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------------


def contract_pdf(dossier: Dossier, seed: int, index: int) -> bytes:
    pdf_bytes, _ = contracts.render_contract(dossier.contract, dossier.contract_plan)
    if dossier.contract_plan.source_kind != "scan":
        return pdf_bytes
    rng = np.random.default_rng([seed, index])
    degraded, _ = contracts.degrade_scan(rasterize(pdf_bytes), dossier.contract_plan, rng)
    return contracts.image_pdf(degraded)


def receipt_file(dossier: Dossier, seed: int, index: int) -> tuple[str, bytes]:
    pdf_bytes = receipts.render_pdf([dossier.receipt])
    plan = dossier.receipt_plan
    if plan.image_format == "pdf":
        return "receipt.pdf", pdf_bytes
    rng = np.random.default_rng([seed, index, 17])
    page, _ = receipts.degrade(rasterize(pdf_bytes)[0], plan, dossier.receipt, rng)
    return f"receipt.{plan.image_format}", encode_image([page], plan.image_format)


def write_dossier(out_dir: Path, dossier: Dossier, seed: int, index: int) -> Path:
    folder = out_dir / dossier.folder
    folder.mkdir(parents=True)
    (folder / "case.json").write_text(json.dumps(dossier.manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
    (folder / "contract.pdf").write_bytes(contract_pdf(dossier, seed, index))
    for number, invoice in enumerate(dossier.invoices, start=1):
        pdf_bytes, _ = render_pdf(invoice)
        (folder / f"invoice_{number:02d}.pdf").write_bytes(pdf_bytes)
        if dossier.repeated_invoice and number == 1:
            (folder / f"invoice_{number:02d}_again.pdf").write_bytes(pdf_bytes)
    for name, other_folder, other_name in dossier.reused:
        shutil.copyfile(out_dir / other_folder / other_name, folder / name)
    name, receipt_bytes = receipt_file(dossier, seed, index)
    (folder / name).write_bytes(receipt_bytes)
    if dossier.statements is not None:
        statement_bytes, _ = statements.render_pdf(dossier.statements)
        (folder / "statements.pdf").write_bytes(statement_bytes)
    expected = {
        "case_id": dossier.manifest["case_id"],
        "description": dossier.description,
        "findings": [e.as_json() for e in dossier.expected],
        "notes": "synthetic dossier from samples/generate_dossiers.py; findings of severity info are listed "
        "only where a document is intentionally absent",
    }
    (folder / "expected_findings.json").write_text(json.dumps(expected, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return folder


def clear_previous(out_dir: Path) -> None:
    """Remove the case folders an earlier run wrote (NN_label), so a changed plan leaves none behind."""
    for path in out_dir.glob("[0-9][0-9]_*"):
        if path.is_dir() and (path / "expected_findings.json").is_file():
            shutil.rmtree(path)


def generate_dossiers(out_dir: Path, seed: int = 23) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    clear_previous(out_dir)
    return [write_dossier(out_dir, dossier, seed, index) for index, dossier in enumerate(build_dossiers(seed))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("samples/cases"), help="output folder")
    parser.add_argument("--seed", type=int, default=23, help="random seed (same seed, same files)")
    args = parser.parse_args(argv)
    total = 0
    folders = generate_dossiers(args.out, args.seed)
    for folder in folders:
        size = sum(p.stat().st_size for p in folder.iterdir())
        total += size
        expected = json.loads((folder / "expected_findings.json").read_text("utf-8"))["findings"]
        codes = ",".join(sorted({e["code"] for e in expected})) or "-"
        print(f"{folder.name:34s} {len(list(folder.iterdir())):2d} files {size / 1024:6.0f} KiB  {codes}")
    print(f"{len(folders)} dossiers, {total / 1024 / 1024:.2f} MiB in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`amount_inconsistent` across documents: invoices, payments and the loan against the contract.

The contract is our purchase order: like accounts-payable three-way matching, totals and unit prices
may differ by a tolerance (default 5%, the AP price tolerance of the domain notes) before a person
must review them, with both values shown.
"""

from __future__ import annotations

from decimal import Decimal

from docintel.case import Case
from docintel.checks.amounts import parse_rate_percent
from docintel.checks.common import decimal_field, money, text_field
from docintel.model import Document, EvidenceItem, Finding, Severity
from docintel.verify.base import (
    NotRun,
    RuleResult,
    Total,
    amount,
    contracts_total,
    field_evidence,
    item_evidence,
    make_finding,
    not_run,
    percent,
    sum_totals,
    tax_included,
    unique_invoices,
    within,
)
from docintel.verify.goods import goods_similarity, split_goods_name
from docintel.verify.scale import canonical_unit
from docintel.verify.settings import Settings

CENT = Decimal("0.01")


def _finding(
    rule: str,
    severity: Severity,
    message: str,
    inputs: dict[str, str | None],
    evidence: list[EvidenceItem],
    threshold: str,
) -> Finding:
    return make_finding("amount_inconsistent", severity, message, rule, inputs, evidence, threshold)


def _threshold(settings: Settings) -> str:
    return f"相差不超过 {percent(settings.amounts.relative_tolerance)}（或 {settings.amounts.rounding} 元）"


def contracts_exclude_tax(case: Case) -> bool:
    """True when every contract that says so prices excluding VAT (不含税); an unstated contract counts as 含税."""
    flags = [tax_included(d) for d in case.documents_of("purchase_contract")]
    return bool(flags) and all(flag is False for flag in flags)


def invoices_total(case: Case, exclude_tax: bool) -> Total | None:
    """Σ 价税合计 (or Σ 合计金额 when the contract is priced without tax), each invoice counted once."""
    field = "total_amount" if exclude_tax else "amount_with_tax"
    parts = [Total(v, [field_evidence(d, field)]) for d in unique_invoices(case) if (v := amount(d, field)) is not None]
    return sum_totals(parts) if parts else None


def receipts_total(case: Case) -> Total | None:
    docs = case.documents_of("bank_receipt")
    parts = [Total(v, [field_evidence(d, "amount")]) for d in docs if (v := amount(d, "amount")) is not None]
    return sum_totals(parts) if parts else None


def check_invoices_vs_contracts(case: Case, settings: Settings) -> RuleResult:
    """Σ invoices vs Σ contracts, both directions: over-invoicing and invoices that fall short."""
    rule = "case.amounts.invoices_vs_contracts"
    contracts = contracts_total(case)
    exclude_tax = contracts_exclude_tax(case)
    invoices = invoices_total(case, exclude_tax)
    if contracts is None or invoices is None:
        return not_run(rule, "合同金额或发票金额未读出，发票与合同金额未比对")
    difference = invoices.value - contracts.value
    tolerance = settings.amounts
    if within(difference, contracts.value, tolerance.relative_tolerance, tolerance.rounding):
        return RuleResult()
    basis = "不含税合计金额" if exclude_tax else "价税合计"
    direction = "超过" if difference > 0 else "少于"
    message = (
        f"发票{basis}之和 {money(invoices.value)} {direction}合同金额合计 {money(contracts.value)}，"
        f"相差 {money(abs(difference))}（{percent(abs(difference) / contracts.value) if contracts.value else '—'}），"
        "请核实发票是否对应本合同的交易。"
    )
    inputs = {
        "invoices_total": str(invoices.value),
        "contracts_total": str(contracts.value),
        "invoice_basis": "total_amount" if exclude_tax else "amount_with_tax",
        "difference": str(difference),
    }
    return RuleResult(
        findings=[
            _finding(
                rule, Severity.MEDIUM, message, inputs, invoices.evidence + contracts.evidence, _threshold(settings)
            )
        ]
    )


def check_payments_vs_contracts(case: Case, settings: Settings) -> RuleResult:
    """Paid more than the contracts are worth (paying less is normal under instalment terms)."""
    rule = "case.amounts.payments_vs_contracts"
    contracts, receipts = contracts_total(case), receipts_total(case)
    if contracts is None or receipts is None:
        return not_run(rule, "合同金额或回单金额未读出，付款与合同金额未比对")
    difference = receipts.value - contracts.value
    if difference <= 0 or within(difference, contracts.value, settings.amounts.relative_tolerance, CENT):
        return RuleResult()
    message = (
        f"银行回单付款合计 {money(receipts.value)} 超过合同金额合计 {money(contracts.value)}，"
        f"多付 {money(difference)}，请核实超出合同部分的资金用途。"
    )
    inputs = {"receipts_total": str(receipts.value), "contracts_total": str(contracts.value)}
    evidence = receipts.evidence + contracts.evidence
    return RuleResult(findings=[_finding(rule, Severity.MEDIUM, message, inputs, evidence, _threshold(settings))])


def check_payments_vs_invoices(case: Case, settings: Settings) -> RuleResult:
    """Paid more than has been invoiced: a prepayment at best, money without goods at worst."""
    rule = "case.amounts.payments_vs_invoices"
    receipts = receipts_total(case)
    invoices = invoices_total(case, exclude_tax=False)
    if receipts is None or invoices is None:
        return not_run(rule, "回单金额或发票金额未读出，付款与发票金额未比对")
    difference = receipts.value - invoices.value
    if difference <= 0 or within(difference, invoices.value, settings.amounts.relative_tolerance, CENT):
        return RuleResult()
    message = (
        f"银行回单付款合计 {money(receipts.value)} 超过发票价税合计 {money(invoices.value)}，"
        f"{money(difference)} 尚无发票对应，请跟踪后续发票或核实是否为预付款。"
    )
    inputs = {"receipts_total": str(receipts.value), "invoices_total": str(invoices.value)}
    evidence = receipts.evidence + invoices.evidence
    return RuleResult(findings=[_finding(rule, Severity.LOW, message, inputs, evidence, _threshold(settings))])


def check_payments_vs_loan(case: Case, settings: Settings) -> RuleResult:
    """Under 受托支付 the receipts should show the loan paid out: less means part of it is unaccounted for."""
    rule = "case.amounts.payments_vs_loan"
    loan = case.manifest.loan_amount if case.manifest else None
    receipts = receipts_total(case)
    if loan is None or receipts is None:
        return not_run(rule, "贷款金额或回单金额缺失，付款与贷款金额未比对")
    difference = loan - receipts.value
    if difference <= 0 or within(difference, loan, settings.amounts.relative_tolerance, CENT):
        return RuleResult()
    message = (
        f"银行回单付款合计 {money(receipts.value)} 少于贷款金额 {money(loan)}，"
        f"{money(difference)} 的贷款资金去向未见凭证，请补充支付凭证或核实资金用途。"
    )
    inputs = {"receipts_total": str(receipts.value), "loan_amount": str(loan)}
    evidence = [*receipts.evidence, case.manifest_evidence("loan_amount", loan)]
    return RuleResult(findings=[_finding(rule, Severity.MEDIUM, message, inputs, evidence, _threshold(settings))])


def check_loan_vs_contracts(case: Case, settings: Settings) -> RuleResult:
    """A loan larger than the purchase it finances leaves money without a stated purpose."""
    rule = "case.amounts.loan_vs_contracts"
    loan = case.manifest.loan_amount if case.manifest else None
    contracts = contracts_total(case)
    if loan is None or contracts is None:
        return not_run(rule, "贷款金额或合同金额缺失，贷款与合同金额未比对")
    difference = loan - contracts.value
    if difference <= 0 or within(difference, contracts.value, settings.amounts.relative_tolerance, CENT):
        return RuleResult()
    message = (
        f"贷款金额 {money(loan)} 超过合同金额合计 {money(contracts.value)}，"
        f"超出的 {money(difference)} 无合同用途支撑，请核实贷款用途。"
    )
    inputs = {"loan_amount": str(loan), "contracts_total": str(contracts.value)}
    evidence = [case.manifest_evidence("loan_amount", loan), *contracts.evidence]
    return RuleResult(findings=[_finding(rule, Severity.MEDIUM, message, inputs, evidence, _threshold(settings))])


def _contract_price_excl_tax(
    price: Decimal, contract: Document, invoice_rate: Decimal | None, settings: Settings
) -> Decimal:
    # VAT invoices print 单价 without tax; a contract unit price is taken as tax-inclusive unless the
    # contract says 不含税 (the usual way Chinese purchase contracts quote).
    if tax_included(contract) is False:
        return price
    rate = invoice_rate if invoice_rate is not None else settings.amounts.default_vat_rate
    return price / (1 + rate)


def check_unit_prices(case: Case, settings: Settings) -> RuleResult:
    """Invoice unit price vs the contract's for the same goods (and the same unit)."""
    rule = "case.amounts.unit_prices"
    contracts = case.documents_of("purchase_contract")
    invoices = unique_invoices(case)
    if not contracts or not invoices:
        return not_run(rule, "缺少合同或发票，单价未比对")
    result = RuleResult()
    tolerance = settings.amounts.unit_price_tolerance
    for invoice in invoices:
        for index, line in enumerate(invoice.items):
            price = decimal_field(line.get("unit_price"))
            name = text_field(line.get("name"))
            if price is None or name is None:
                continue
            match = _best_contract_line(name, contracts, settings)
            if match is None:
                continue  # no corresponding goods: goods_mismatch reports it
            contract, contract_index = match
            contract_line = contract.items[contract_index]
            contract_price = decimal_field(contract_line.get("unit_price"))
            if contract_price is None or contract_price <= 0:
                continue
            units = (
                canonical_unit(text_field(line.get("unit"))),
                canonical_unit(text_field(contract_line.get("unit"))),
            )
            if None not in units and units[0] != units[1]:
                reason = f"{invoice.source.path} 第{index + 1}行单位 {units[0]} 与合同单位 {units[1]} 不同，单价未比对"
                result.not_run.append(NotRun(rule, reason))
                continue
            rate_text = text_field(line.get("tax_rate"))
            rate = parse_rate_percent(rate_text) if rate_text else None
            expected = _contract_price_excl_tax(
                contract_price, contract, None if rate is None else rate / 100, settings
            )
            if within(price - expected, expected, tolerance, CENT):
                continue
            result.findings.append(
                _finding(
                    rule,
                    Severity.MEDIUM,
                    f"发票第{index + 1}行“{name}”单价 {money(price)}（不含税）与合同单价 {money(contract_price)}"
                    f"（折合不含税 {money(expected.quantize(CENT))}）相差 {percent(abs(price - expected) / expected)}，"
                    "请核实价格依据。",
                    {
                        "invoice_unit_price": str(price),
                        "contract_unit_price": str(contract_price),
                        "contract_price_excl_tax": str(expected.quantize(Decimal("0.000001"))),
                        "contract_tax_included": str(tax_included(contract)),
                    },
                    [
                        item_evidence(invoice, index, "unit_price"),
                        item_evidence(contract, contract_index, "unit_price"),
                    ],
                    f"相差不超过 {percent(tolerance)}",
                )
            )
    return result


def _best_contract_line(name: str, contracts: list[Document], settings: Settings) -> tuple[Document, int] | None:
    _, goods = split_goods_name(name)
    scored = [
        (goods_similarity(goods, split_goods_name(str(item["name"].value))[1]), contract, index)
        for contract in contracts
        for index, item in enumerate(contract.items)
        if item.get("name") and item["name"].value
    ]
    if not scored:
        return None
    score, contract, index = max(scored, key=lambda entry: entry[0])
    return (contract, index) if score >= settings.goods.min_similarity else None

"""The one registry of case rules and `verify_case`, which runs them over a dossier.

Add a rule to `CASE_RULES` and nowhere else; the order is the order of the report. Each rule is
`(case, settings) -> RuleResult`; a rule that raises is recorded as not run (with the error) and the
others still run, so one bug cannot hide the rest. The cross-case duplicate check needs the invoice
register as well, so `verify_case` runs it after the registered rules when a register is given.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from pydantic import BaseModel, ConfigDict, Field

from docintel.case import BorrowerInference, Case
from docintel.model import Finding
from docintel.verify import amounts, coverage, duplicates, goods, parties, scale, statements, timeline
from docintel.verify.base import NotRun, RuleResult
from docintel.verify.duplicates import InMemoryKnownInvoices, KnownInvoices, check_duplicates_across_cases
from docintel.verify.settings import Settings, load_settings

log = logging.getLogger(__name__)

CaseRule = Callable[[Case, Settings], RuleResult]

CASE_RULES: tuple[tuple[str, CaseRule], ...] = (
    ("case.coverage.documents", coverage.check_missing_documents),
    (statements.RULE, statements.check_net_profit_across_files),
    ("case.payee.natural_person", parties.check_payee_natural_person),
    ("case.payee.not_seller", parties.check_payee_is_seller),
    ("case.payee.account", parties.check_payee_account),
    ("case.counterparty.invoice_seller", parties.check_invoice_seller),
    ("case.counterparty.buyer", parties.check_buyer_is_borrower),
    ("case.counterparty.payer", parties.check_payer_is_borrower),
    ("case.scale.operating_cost", scale.check_against_operating_cost),
    ("case.scale.total_assets", scale.check_against_total_assets),
    ("case.scale.loan_amount", scale.check_against_loan),
    ("case.quantity.unit_bounds", scale.check_line_quantities),
    ("case.quantity.line_arithmetic", scale.check_contract_line_arithmetic),
    ("case.amounts.invoices_vs_contracts", amounts.check_invoices_vs_contracts),
    ("case.amounts.payments_vs_contracts", amounts.check_payments_vs_contracts),
    ("case.amounts.payments_vs_invoices", amounts.check_payments_vs_invoices),
    ("case.amounts.payments_vs_loan", amounts.check_payments_vs_loan),
    ("case.amounts.loan_vs_contracts", amounts.check_loan_vs_contracts),
    ("case.amounts.unit_prices", amounts.check_unit_prices),
    ("case.goods.invoice_vs_contract", goods.check_invoice_goods),
    ("case.duplicate.within_case", duplicates.check_duplicates_within_case),
    ("case.timeline.invoice_before_contract", timeline.check_invoices_after_signing),
    ("case.timeline.payment_before_contract", timeline.check_payments_after_signing),
    ("case.timeline.invoice_outside_validity", timeline.check_invoices_within_validity),
    ("case.timeline.payment_before_disbursement", timeline.check_payments_after_disbursement),
)


class CaseReport(BaseModel):
    """The verification of one case: case findings, each document's own findings, and what was not run."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    case_id: str
    borrower: BorrowerInference | None
    case_findings: list[Finding] = Field(default_factory=list)
    document_findings: list[Finding] = Field(default_factory=list)
    not_run: list[NotRun] = Field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return [*self.case_findings, *self.document_findings]


def verify_case(
    case: Case, settings: Settings | None = None, known_invoices: KnownInvoices | None = None
) -> CaseReport:
    """Run every registered case rule, gather each document's findings, and check the invoice register."""
    settings = settings or load_settings()
    report = CaseReport(case_id=case.case_id, borrower=case.borrower)
    for rule_id, rule in CASE_RULES:
        report_result(report, rule_id, lambda rule=rule: rule(case, settings))
    if known_invoices is None:
        report.not_run.append(NotRun("case.duplicate.across_cases", "未提供发票登记簿，跨案件重复使用未核对"))
    else:
        register = known_invoices
        report_result(report, "case.duplicate.across_cases", lambda: check_duplicates_across_cases(case, register))
    for doc in case.documents:
        report.document_findings.extend(doc.findings)
    return report


def report_result(report: CaseReport, rule_id: str, run: Callable[[], RuleResult]) -> None:
    try:
        result = run()
    except Exception as exc:  # a bug in one rule must not hide the other rules' findings
        log.exception("case rule %s failed on case %s", rule_id, report.case_id)
        report.not_run.append(NotRun(rule_id, f"规则执行出错：{type(exc).__name__}: {exc}"))
        return
    report.case_findings.extend(result.findings)
    report.not_run.extend(result.not_run)


def verify_cases(cases: Iterable[Case], settings: Settings | None = None) -> list[CaseReport]:
    """Verify several cases against one in-memory invoice register, so reuse across them is found."""
    settings = settings or load_settings()
    register = InMemoryKnownInvoices()
    return [verify_case(case, settings, register) for case in cases]

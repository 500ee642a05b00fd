"""`statement_inconsistent` across files: a 利润表 and a 现金流量表 of the borrower submitted separately.

Statements bundled in one file are already cross-checked when the file is read (the finding is then
among the documents' own findings); here only pairs from different files are compared, so a
mismatch is reported once.
"""

from __future__ import annotations

from docintel.case import Case
from docintel.checks.statement import net_profit_mismatch
from docintel.verify.base import RuleResult, not_run
from docintel.verify.settings import Settings

RULE = "case.statements.net_profit"


def check_net_profit_across_files(case: Case, settings: Settings) -> RuleResult:
    incomes = case.documents_of("income_statement")
    cash_flows = case.documents_of("cash_flow_statement")
    if not incomes or not cash_flows:
        return not_run(RULE, "案件中没有同时提供利润表和现金流量表，净利润未交叉核对")
    result = RuleResult()
    for income in incomes:
        for cash_flow in cash_flows:
            if income.source.sha256 != cash_flow.source.sha256:
                result.findings.extend(net_profit_mismatch(income, cash_flow))
    return result

"""Case rule: 净利润 on a 利润表 and a 现金流量表 submitted as separate files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from docintel.case import Case
from docintel.pipeline import process_file
from docintel.verify import load_settings
from docintel.verify.statements import check_net_profit_across_files

BUNDLE = Path(__file__).resolve().parents[1] / "samples" / "statements" / "st01_general_yuan.pdf"


def _statements() -> tuple:
    docs = process_file(BUNDLE)
    income = next(d for d in docs if d.doc_type == "income_statement")
    cash_flow = next(d for d in docs if d.doc_type == "cash_flow_statement")
    return income, cash_flow


def test_statements_from_separate_files_are_cross_checked() -> None:
    income, cash_flow = _statements()
    cash_flow.source = cash_flow.source.model_copy(update={"sha256": "0" * 64, "path": "现金流量表.pdf"})
    case = Case.from_documents([income, cash_flow], case_id="C1")
    assert check_net_profit_across_files(case, load_settings()).findings == []
    fv = cash_flow.fields["supplementary_net_profit"]
    fv.value = Decimal(str(fv.value)) - Decimal("5000.00")
    (finding,) = check_net_profit_across_files(case, load_settings()).findings
    assert finding.code == "statement_inconsistent"
    assert {e.document for e in finding.evidence} == {str(BUNDLE), "现金流量表.pdf"}


def test_same_file_pairs_are_left_to_the_file_level_check() -> None:
    income, cash_flow = _statements()
    cash_flow.fields["supplementary_net_profit"].value = Decimal("1.00")
    case = Case.from_documents([income, cash_flow], case_id="C2")
    assert check_net_profit_across_files(case, load_settings()).findings == []


def test_not_run_without_both_statements() -> None:
    income, _ = _statements()
    result = check_net_profit_across_files(Case.from_documents([income], case_id="C3"), load_settings())
    assert result.findings == [] and result.not_run

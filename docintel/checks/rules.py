"""The one registry of per-document checks, by document type, and the runner that applies them.

Each document type's checks live in their own module and are listed here; `run_checks` picks the
list for `doc.doc_type`. Types without checks yet simply have none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from docintel.checks.amounts import check_amounts, check_tax_rates
from docintel.checks.invoice_number import check_invoice_number
from docintel.checks.required import check_required_fields
from docintel.checks.tax_id import check_tax_ids
from docintel.model import Document, Finding, ProcessingError

log = logging.getLogger(__name__)

Check = Callable[[Document], list[Finding]]
InvoiceCheck = Check

# Rule name -> check. Add a check here and nowhere else; the order is the order of the report.
INVOICE_CHECKS: tuple[tuple[str, InvoiceCheck], ...] = (
    ("invoice.required", check_required_fields),
    ("invoice.invoice_number", check_invoice_number),
    ("invoice.tax_id", check_tax_ids),
    ("invoice.amounts", check_amounts),
    ("invoice.tax_rate", check_tax_rates),
)


def checks_for(doc_type: str) -> tuple[tuple[str, Check], ...]:
    """The registered checks of a document type (imported lazily: a type's module loads when used)."""
    if doc_type == "vat_invoice":
        return INVOICE_CHECKS
    module = _CHECK_MODULES.get(doc_type)
    if module is None:
        return ()
    from importlib import import_module

    try:
        return import_module(module).CHECKS
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return ()
        raise


# Document type -> module exposing `CHECKS: tuple[tuple[str, Check], ...]`.
_CHECK_MODULES: dict[str, str] = {
    "purchase_contract": "docintel.checks.contract",
    "balance_sheet": "docintel.checks.statement",
    "income_statement": "docintel.checks.statement",
    "cash_flow_statement": "docintel.checks.statement",
    "bank_receipt": "docintel.checks.bank_receipt",
}


def run_checks(doc: Document) -> list[Finding]:
    """Run every check registered for the document's type; see `run_invoice_checks` for the contract."""
    return _run(doc, checks_for(doc.doc_type))


def run_invoice_checks(doc: Document) -> list[Finding]:
    """Run every registered invoice check and return their findings.

    A check that raises is logged and recorded in `doc.errors` (stage "check:<rule>"); the other
    checks still run, so one bug cannot hide the rest. The caller adds the findings to
    `doc.findings`.
    """
    return _run(doc, INVOICE_CHECKS)


def _run(doc: Document, checks: tuple[tuple[str, Check], ...]) -> list[Finding]:
    findings: list[Finding] = []
    for rule, check in checks:
        try:
            findings.extend(check(doc))
        except Exception as exc:  # any bug in one check must not hide the other checks' findings
            log.exception("check %s failed on %s", rule, doc.source.path)
            error = ProcessingError(
                stage=f"check:{rule}", reason="check_failed", message=f"{type(exc).__name__}: {exc}"
            )
            doc.errors.append(error)
    return findings

"""The one registry of per-document invoice checks, and the runner that applies them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from docintel.checks.amounts import check_amounts, check_tax_rates
from docintel.checks.invoice_number import check_invoice_number
from docintel.checks.required import check_required_fields
from docintel.checks.tax_id import check_tax_ids
from docintel.model import Document, Finding, ProcessingError

log = logging.getLogger(__name__)

InvoiceCheck = Callable[[Document], list[Finding]]

# Rule name -> check. Add a check here and nowhere else; the order is the order of the report.
INVOICE_CHECKS: tuple[tuple[str, InvoiceCheck], ...] = (
    ("invoice.required", check_required_fields),
    ("invoice.invoice_number", check_invoice_number),
    ("invoice.tax_id", check_tax_ids),
    ("invoice.amounts", check_amounts),
    ("invoice.tax_rate", check_tax_rates),
)


def run_invoice_checks(doc: Document) -> list[Finding]:
    """Run every registered invoice check and return their findings.

    A check that raises is logged and recorded in `doc.errors` (stage "check:<rule>"); the other
    checks still run, so one bug cannot hide the rest. The caller adds the findings to
    `doc.findings`.
    """
    findings: list[Finding] = []
    for rule, check in INVOICE_CHECKS:
        try:
            findings.extend(check(doc))
        except Exception as exc:  # any bug in one check must not hide the other checks' findings
            log.exception("invoice check %s failed on %s", rule, doc.source.path)
            error = ProcessingError(
                stage=f"check:{rule}", reason="check_failed", message=f"{type(exc).__name__}: {exc}"
            )
            doc.errors.append(error)
    return findings

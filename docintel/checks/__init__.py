"""Per-document checks: pure validators (tax IDs, 大写 amounts, invoice numbers, VAT rates by date)
and the invoice checks over a `Document`, run through `run_invoice_checks`."""

from docintel.checks.amounts import parse_upper_amount, rate_valid_on, upper_amount_matches
from docintel.checks.rules import INVOICE_CHECKS, run_invoice_checks
from docintel.checks.tax_id import (
    TaxIdKind,
    TaxIdVerdict,
    classify_tax_id,
    is_resident_id_number,
    uscc_check_char,
)

__all__ = [
    "INVOICE_CHECKS",
    "TaxIdKind",
    "TaxIdVerdict",
    "classify_tax_id",
    "is_resident_id_number",
    "parse_upper_amount",
    "rate_valid_on",
    "run_invoice_checks",
    "upper_amount_matches",
    "uscc_check_char",
]

"""Case (dossier) verification: rules across a borrower's documents, run by `verify_case`."""

from docintel.verify.base import NotRun, RuleResult
from docintel.verify.duplicates import InMemoryKnownInvoices, InvoiceSighting, KnownInvoices
from docintel.verify.rules import CASE_RULES, CaseReport, verify_case, verify_cases
from docintel.verify.settings import Settings, SettingsError, load_settings

__all__ = [
    "CASE_RULES",
    "CaseReport",
    "InMemoryKnownInvoices",
    "InvoiceSighting",
    "KnownInvoices",
    "NotRun",
    "RuleResult",
    "Settings",
    "SettingsError",
    "load_settings",
    "verify_case",
    "verify_cases",
]

"""One extractor module per document type, found through `extractor_for(doc_type)`.

Each extractor has `doc_type` and `extract(doc: Document) -> None`, filling `doc.fields` and
`doc.items` with evidence-backed values. Imports are lazy so a type's libraries load only when used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol

from docintel.model import Document


class Extractor(Protocol):
    doc_type: str

    def extract(self, doc: Document) -> None: ...


# doc_type -> "module:Class"; the one place a new document type is registered.
EXTRACTORS: dict[str, str] = {
    "vat_invoice": "extractors.invoice:InvoiceExtractor",
    "purchase_contract": "extractors.contract:ContractExtractor",
    "balance_sheet": "extractors.statement:StatementExtractor",
    "income_statement": "extractors.statement:StatementExtractor",
    "cash_flow_statement": "extractors.statement:StatementExtractor",
    "bank_receipt": "extractors.bank_receipt:BankReceiptExtractor",
}


def extractor_for(doc_type: str) -> Extractor | None:
    target = EXTRACTORS.get(doc_type)
    if target is None:
        return None
    module_name, class_name = target.split(":")
    return getattr(import_module(module_name), class_name)()

"""Field-level comparison of extracted values with hand-checked labels (golden tests, benchmarks).

Match rule: exact after normalising whitespace and full/half-width punctuation; amounts compare as
decimals; item names ignore whitespace. A label value of null means "not printed": the extractor
must then also return null.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

KEY_FIELDS = (
    "invoice_number", "issue_date", "buyer_name", "seller_name", "buyer_tax_id", "seller_tax_id",
    "total_amount", "total_tax", "amount_with_tax",
)  # fmt: skip
SCORED_FIELDS = (
    "invoice_kind", "invoice_code", "invoice_number", "issue_date", "check_code",
    "buyer_name", "buyer_tax_id", "seller_name", "seller_tax_id",
    "total_amount", "total_tax", "amount_with_tax", "amount_with_tax_upper",
)  # fmt: skip
ITEM_SCORED = ("name", "amount", "tax_rate", "tax")
CONTRACT_SCORED_FIELDS = (
    "contract_number", "title", "signing_date", "signing_place",
    "buyer_name", "buyer_tax_id", "seller_name", "seller_tax_id",
    "total_amount", "total_amount_upper", "currency", "tax_included",
    "delivery_date", "delivery_place", "payment_terms", "payment_method", "payment_schedule",
    "payee_account_name", "payee_account_number", "payee_bank",
    "validity", "valid_from", "valid_to",
    "buyer_signed", "buyer_sealed", "seller_signed", "seller_sealed",
)  # fmt: skip
CONTRACT_ITEM_SCORED = ("name", "spec", "unit", "quantity", "unit_price", "amount")
# The scan targets: parties, their tax IDs, the total and the receiving account.
CONTRACT_KEY_FIELDS = (
    "buyer_name", "buyer_tax_id", "seller_name", "seller_tax_id", "total_amount",
    "payee_account_name", "payee_account_number", "payee_bank",
)  # fmt: skip


def normalise(value: Any) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value))
    text = "".join(text.split())
    try:
        return str(Decimal(text.replace(",", "").lstrip("¥")).normalize()) if _looks_numeric(text) else text
    except InvalidOperation:
        return text


def _looks_numeric(text: str) -> bool:
    stripped = text.replace(",", "").lstrip("¥").lstrip("-")
    return bool(stripped) and stripped.replace(".", "", 1).isdigit()


@dataclass
class Comparison:
    path: str
    kind: str
    fields: dict[str, tuple[bool, Any, Any]] = field(default_factory=dict)  # name -> (ok, got, want)

    @property
    def wrong(self) -> dict[str, tuple[Any, Any]]:
        return {k: (got, want) for k, (ok, got, want) in self.fields.items() if not ok}


def compare(
    values: dict[str, Any],
    label: dict[str, Any],
    path: str,
    kind: str,
    fields: tuple[str, ...] = SCORED_FIELDS,
    item_fields: tuple[str, ...] = ITEM_SCORED,
) -> Comparison:
    """Field-by-field comparison; `fields`/`item_fields` default to the invoice's scored fields
    (other document types pass their own, e.g. `CONTRACT_SCORED_FIELDS`)."""
    result = Comparison(path=path, kind=kind)
    for name in fields:
        if name not in label:
            continue
        got, want = values.get(name), label[name]
        result.fields[name] = (normalise(got) == normalise(want), got, want)
    want_items = label.get("items") or []
    got_items = values.get("items") or []
    if want_items:
        for i, want in enumerate(want_items):
            got = got_items[i] if i < len(got_items) else {}
            for name in item_fields:
                if name in want:
                    result.fields[f"items[{i}].{name}"] = (
                        normalise(got.get(name)) == normalise(want[name]),
                        got.get(name),
                        want[name],
                    )
        result.fields["items.count"] = (len(got_items) == len(want_items), len(got_items), len(want_items))
    return result


def load_label(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


# ---- any document type: truth files as the sample generators and labels write them ----------------

RECEIPT_KEY_FIELDS = ("payer_name", "payer_account", "payee_name", "payee_account", "amount", "transaction_date")
STATEMENT_KEY_FIELDS = (
    "total_assets", "total_liabilities", "total_equity", "total_liabilities_and_equity", "inventories",
    "operating_revenue", "operating_cost", "net_profit", "net_cash_from_operating", "cash_at_end",
)  # fmt: skip
KEY_FIELDS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "vat_invoice": KEY_FIELDS,
    "purchase_contract": CONTRACT_KEY_FIELDS,
    "bank_receipt": RECEIPT_KEY_FIELDS,
    "balance_sheet": STATEMENT_KEY_FIELDS,
    "income_statement": STATEMENT_KEY_FIELDS,
    "cash_flow_statement": STATEMENT_KEY_FIELDS,
}
_META_KEYS = {"file", "doc_type", "notes", "confidence", "sample", "source", "items", "lines", "pages", "fields"}


def truth_documents(truth: Any) -> list[dict[str, Any]]:
    """The logical documents a truth file describes, each as {"doc_type", "fields", "items"}.

    Accepts the three shapes in use: one flat document (invoices, contracts, real-data labels), a list
    of flat documents (receipts: several per file), and {"documents": [{doc_type, fields, lines}]}
    (statement sets)."""
    if isinstance(truth, dict) and "documents" in truth:
        return [
            {"doc_type": d.get("doc_type"), "fields": dict(d.get("fields") or {}), "items": None}
            for d in truth["documents"]
        ]
    flat = truth if isinstance(truth, list) else [truth]
    return [
        {
            "doc_type": d.get("doc_type"),
            "fields": {k: v for k, v in d.items() if k not in _META_KEYS},
            "items": d.get("items"),
        }
        for d in flat
    ]


def compare_truth(values: dict[str, Any], truth_doc: dict[str, Any], path: str, kind: str) -> Comparison:
    """Compare every field the truth names (and its item lines, field by field)."""
    label = {**truth_doc["fields"], "items": truth_doc.get("items") or []}
    item_fields = tuple(sorted({k for item in label["items"] for k in item})) if label["items"] else ()
    return compare(values, label, path, kind, fields=tuple(truth_doc["fields"]), item_fields=item_fields)

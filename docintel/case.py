"""A case (dossier): the loan's manifest, when there is one, and the documents the borrower submitted.

The manifest (`case.json` or `case.toml` in the case folder) says who borrowed how much, when, and to
whom the bank paid on the borrower's behalf (受托支付). Without one the borrower is inferred from the
documents — the buyer common to the purchase contracts and the invoices — and the inference is kept
(name, tax ID, method, supporting documents) so the report can show why that party was taken.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from docintel.checks.common import evidence_item, text_field
from docintel.entities import PartyRef, match_parties
from docintel.errors import DocintelError
from docintel.model import Document, EvidenceItem

MANIFEST_NAMES = ("case.json", "case.toml")


class CaseManifestError(DocintelError):
    """A case manifest that cannot be read, is ambiguous or does not validate."""

    reason = "invalid_manifest"


class EntrustedPayee(BaseModel):
    """The party the bank pays directly from the loan (受托支付对象)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    account: str | None = None
    bank: str | None = None


class CaseManifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_id: str = Field(min_length=1)
    borrower_name: str = Field(min_length=1)
    borrower_tax_id: str | None = None
    loan_amount: Decimal | None = Field(default=None, gt=0)
    loan_purpose: str | None = None
    disbursement_date: date | None = None
    entrusted_payee: EntrustedPayee | None = None


def load_manifest(folder: str | Path) -> CaseManifest | None:
    """The manifest of a case folder, or None when the folder has none.

    Raises `CaseManifestError` naming the file and each invalid key for a manifest that is not valid
    JSON/TOML or does not validate, and when both case.json and case.toml exist (which one counts
    would be a guess).
    """
    folder = Path(folder)
    present = [folder / name for name in MANIFEST_NAMES if (folder / name).is_file()]
    if not present:
        return None
    if len(present) > 1:
        raise CaseManifestError(f"{folder}: both case.json and case.toml exist; keep one")
    return parse_manifest(present[0])


def parse_manifest(path: Path) -> CaseManifest:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CaseManifestError(f"cannot read {path}: {exc.strerror or exc}") from exc
    data: Any
    try:
        data = tomllib.loads(raw.decode("utf-8")) if path.suffix == ".toml" else json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CaseManifestError(f"{path} is not valid {path.suffix.lstrip('.').upper()}: {exc}") from exc
    if not isinstance(data, dict):
        raise CaseManifestError(f"{path}: the manifest must be an object with case_id, borrower_name, …")
    try:
        return CaseManifest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in exc.errors())
        raise CaseManifestError(f"{path}: invalid manifest: {problems}") from exc


# --------------------------------------------------------------------------- the borrower


class BorrowerMethod(StrEnum):
    MANIFEST = "manifest"  # named in the case manifest
    COMMON_BUYER = "common_buyer"  # the buyer common to contract and invoices
    CONTRACT_BUYER = "contract_buyer"  # only contracts name a buyer
    INVOICE_BUYER = "invoice_buyer"  # only invoices name a buyer
    STATEMENT_COMPANY = "statement_company"  # the company whose statements were submitted


METHOD_DESCRIPTIONS = {
    BorrowerMethod.MANIFEST: "案件清单载明的借款人",
    BorrowerMethod.COMMON_BUYER: "购销合同与增值税发票共同的买方",
    BorrowerMethod.CONTRACT_BUYER: "购销合同的买方（无发票可印证）",
    BorrowerMethod.INVOICE_BUYER: "增值税发票的购买方（无合同可印证）",
    BorrowerMethod.STATEMENT_COMPANY: "财务报表的编制单位",
}


class BorrowerInference(BaseModel):
    """Who the borrower is taken to be and why; `supporting_documents` are the paths that name it."""

    name: str | None
    tax_id: str | None = None
    method: BorrowerMethod
    description: str
    supporting_documents: list[str] = Field(default_factory=list)
    evidence: list[EvidenceItem] = Field(default_factory=list)

    def party(self) -> PartyRef:
        return PartyRef(name=self.name, tax_id=self.tax_id, source=self.description)


@dataclass
class _Candidate:
    ref: PartyRef
    contracts: list[tuple[Document, str]]
    invoices: list[tuple[Document, str]]

    @property
    def documents(self) -> list[tuple[Document, str]]:
        return self.contracts + self.invoices


def infer_borrower(documents: Iterable[Document]) -> BorrowerInference | None:
    """The borrower as the documents show it, or None when no document names a buyer or company.

    The buyer named by both a contract and an invoice wins (the most documents first); without one,
    the buyer of the contracts, then of the invoices, then the company of the statements.
    """
    documents = list(documents)
    candidates: list[_Candidate] = []
    for doc in documents:
        if doc.doc_type not in ("purchase_contract", "vat_invoice"):
            continue
        ref = PartyRef(text_field(doc.fields.get("buyer_name")), text_field(doc.fields.get("buyer_tax_id")))
        if ref.name is None and ref.tax_id is None:
            continue
        candidate = next((c for c in candidates if match_parties(c.ref, ref).same), None)
        if candidate is None:
            candidate = _Candidate(ref, [], [])
            candidates.append(candidate)
        elif candidate.ref.tax_id is None and ref.tax_id is not None:
            candidate.ref = PartyRef(candidate.ref.name or ref.name, ref.tax_id)
        field = "buyer_name" if ref.name else "buyer_tax_id"
        (candidate.contracts if doc.doc_type == "purchase_contract" else candidate.invoices).append((doc, field))
    if candidates:
        common = [c for c in candidates if c.contracts and c.invoices]
        if common:
            best, method = max(common, key=lambda c: len(c.documents)), BorrowerMethod.COMMON_BUYER
        elif any(c.contracts for c in candidates):
            best = max((c for c in candidates if c.contracts), key=lambda c: len(c.contracts))
            method = BorrowerMethod.CONTRACT_BUYER
        else:
            best, method = max(candidates, key=lambda c: len(c.invoices)), BorrowerMethod.INVOICE_BUYER
        return BorrowerInference(
            name=best.ref.name,
            tax_id=best.ref.tax_id,
            method=method,
            description=METHOD_DESCRIPTIONS[method],
            supporting_documents=sorted({doc.source.path for doc, _ in best.documents}),
            evidence=[evidence_item(doc, field, doc.fields.get(field)) for doc, field in best.documents],
        )
    statements = [d for d in documents if d.doc_type.endswith(("_sheet", "_statement")) and d.value("company_name")]
    if statements:
        doc = statements[0]
        return BorrowerInference(
            name=text_field(doc.fields.get("company_name")),
            method=BorrowerMethod.STATEMENT_COMPANY,
            description=METHOD_DESCRIPTIONS[BorrowerMethod.STATEMENT_COMPANY],
            supporting_documents=sorted({d.source.path for d in statements}),
            evidence=[evidence_item(d, "company_name", d.fields.get("company_name")) for d in statements],
        )
    return None


class Case(BaseModel):
    """One dossier: its manifest (or None), its documents and the borrower inferred from them."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    case_id: str
    folder: str | None = None
    manifest: CaseManifest | None = None
    manifest_path: str | None = None
    documents: list[Document] = Field(default_factory=list)
    inferred_borrower: BorrowerInference | None = None

    @classmethod
    def from_documents(
        cls,
        documents: Iterable[Document],
        manifest: CaseManifest | None = None,
        *,
        case_id: str | None = None,
        folder: str | Path | None = None,
        manifest_path: str | Path | None = None,
    ) -> Case:
        """Build a case and infer its borrower. The id comes from the manifest, else `case_id`, else the folder."""
        documents = list(documents)
        resolved_id = (manifest.case_id if manifest else None) or case_id or (Path(folder).name if folder else None)
        if not resolved_id:
            raise ValueError("a case needs an id: a manifest, case_id or a folder")
        return cls(
            case_id=resolved_id,
            folder=None if folder is None else str(folder),
            manifest=manifest,
            manifest_path=None if manifest_path is None else str(manifest_path),
            documents=documents,
            inferred_borrower=infer_borrower(documents),
        )

    @classmethod
    def from_folder(cls, folder: str | Path, documents: Iterable[Document]) -> Case:
        """A case for a folder's documents (read by the caller), with the folder's manifest when it has one."""
        folder = Path(folder)
        manifest = load_manifest(folder)
        manifest_path = next((folder / n for n in MANIFEST_NAMES if (folder / n).is_file()), None) if manifest else None
        return cls.from_documents(documents, manifest, folder=folder, manifest_path=manifest_path)

    def documents_of(self, doc_type: str) -> list[Document]:
        return [d for d in self.documents if d.doc_type == doc_type]

    @property
    def borrower(self) -> BorrowerInference | None:
        """The borrower the rules compare against: the manifest's when there is one, else the inferred one."""
        if self.manifest is None:
            return self.inferred_borrower
        return BorrowerInference(
            name=self.manifest.borrower_name,
            tax_id=self.manifest.borrower_tax_id,
            method=BorrowerMethod.MANIFEST,
            description=METHOD_DESCRIPTIONS[BorrowerMethod.MANIFEST],
            supporting_documents=[self.manifest_source],
            evidence=[self.manifest_evidence("borrower_name", self.manifest.borrower_name)],
        )

    @property
    def manifest_source(self) -> str:
        return self.manifest_path or "案件清单"

    def manifest_evidence(self, field: str, value: object) -> EvidenceItem:
        """Evidence for a value read from the manifest (no page or box: it is typed data)."""
        return EvidenceItem(
            document=self.manifest_source, field=f"manifest.{field}", value=None if value is None else str(value)
        )

"""The one typed document object that flows through every stage.

Reading fills `Document.source` and `Document.pages` (with their text spans); extraction fills
`Document.fields` and `Document.items`; checks append `Document.findings`. Every extracted value
carries `Evidence`: the page, the box in that page's own coordinates, the confidence and where the
text came from, so an officer can always be shown the place a value was read.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_serializer


class Origin(StrEnum):
    """Where a piece of text came from."""

    PDF_TEXT = "pdf-text"
    OCR = "ocr"
    OFD = "ofd"
    XML = "xml"
    QR = "qr"


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


class DocStatus(StrEnum):
    SUCCESS = "success"
    PARTIAL = "partial"  # read, but some required fields are missing
    FAILURE = "failure"  # could not be read at all; `errors` says why


class Box(BaseModel):
    """Axis-aligned box in the page's own coordinate system (see `Page.unit`), origin top-left."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def union(self, other: Box) -> Box:
        return Box(
            x0=min(self.x0, other.x0),
            y0=min(self.y0, other.y0),
            x1=max(self.x1, other.x1),
            y1=max(self.y1, other.y1),
        )

    @classmethod
    def from_points(cls, points: Any) -> Box:
        """Bounding box of a polygon given as [[x, y], ...]."""
        arr = np.asarray(points, dtype=float).reshape(-1, 2)
        return cls(
            x0=float(arr[:, 0].min()),
            y0=float(arr[:, 1].min()),
            x1=float(arr[:, 0].max()),
            y1=float(arr[:, 1].max()),
        )


class TextSpan(BaseModel):
    """A run of text at one place on one page (an OCR line, a PDF word group, an OFD text object)."""

    text: str
    page: int  # 1-based
    box: Box
    confidence: float = 1.0
    origin: Origin


class Page(BaseModel):
    """One page as read. `image` holds the rasterised page (RGB, orientation fixed) when it was OCR'd."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    number: int  # 1-based
    width: float
    height: float
    unit: str = "pt"  # "pt" (PDF), "px" (image), "mm" (OFD)
    rotation: int = 0  # degrees clockwise applied to the original to make it upright
    skew: float = 0.0  # degrees of small skew removed before reading
    dpi: int | None = None  # when rasterised from a vector page
    text_source: Origin | None = None
    spans: list[TextSpan] = Field(default_factory=list)
    image: np.ndarray | None = Field(default=None, exclude=True, repr=False)


class SourceFile(BaseModel):
    path: str
    sha256: str
    size: int
    media_type: str  # sniffed from bytes, e.g. "application/pdf", "image/jpeg", "application/ofd"


class Evidence(BaseModel):
    """Where a value was read: page, box, confidence and origin, plus the raw text behind it."""

    page: int | None = None
    box: Box | None = None
    confidence: float = 1.0
    origin: Origin
    text: str | None = None


class FieldValue(BaseModel):
    """An extracted, normalised value with its evidence. `value` is str, Decimal or None."""

    value: str | Decimal | None
    confidence: float = 0.0
    evidence: list[Evidence] = Field(default_factory=list)
    note: str | None = None  # e.g. why a value is null, or that QR and text disagreed

    @field_serializer("value")
    def _ser_value(self, value: str | Decimal | None) -> str | None:
        return None if value is None else str(value)


class EvidenceItem(BaseModel):
    """One value a finding rests on: which document, field and where it was read."""

    document: str | None = None  # source path or document id
    field: str
    value: str | None
    page: int | None = None
    box: Box | None = None
    origin: Origin | None = None


class Finding(BaseModel):
    """A check's result: stable code, severity, one Chinese sentence and the evidence behind it."""

    code: str
    severity: Severity
    message: str
    rule: str  # the rule that produced it, e.g. "invoice.amount_sum"
    inputs: dict[str, str | None] = Field(default_factory=dict)
    threshold: str | None = None
    evidence: list[EvidenceItem] = Field(default_factory=list)


class ProcessingError(BaseModel):
    stage: str
    reason: str  # a stable short reason, e.g. "encrypted_pdf"
    message: str  # the specific, human-readable detail


class EmbeddedData(BaseModel):
    """Structured data carried inside the file itself (OFD/XML invoice data, the QR payload).

    Field names are the extractor's own (`invoice_number`, `amount_with_tax`, ...), so fusion can
    compare them one to one with what was read from the page text.
    """

    origin: Origin
    description: str  # e.g. "OFD CustomData", "original_invoice.xml", "QR code on page 1"
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    items: list[dict[str, FieldValue]] = Field(default_factory=list)


class Document(BaseModel):
    """The document object that flows through reading, extraction and checks."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    source: SourceFile
    pages: list[Page] = Field(default_factory=list)
    doc_type: str = "unknown"
    doc_type_confidence: float = 0.0
    doc_type_reason: str | None = None  # why this type: the title or key phrases that decided it
    # A file may bundle several logical documents (statements on consecutive pages, a contract and
    # its invoices, several 回单 on one page): `part` numbers them from 1 within the file, `pages`
    # holds only their pages (with the file's own page numbers) and `region` the part of a shared
    # page this document occupies.
    part: int = 1
    region: Box | None = None
    embedded: list[EmbeddedData] = Field(default_factory=list)
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    items: list[dict[str, FieldValue]] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    errors: list[ProcessingError] = Field(default_factory=list)
    status: DocStatus = DocStatus.SUCCESS
    timings: dict[str, float] = Field(default_factory=dict)

    @property
    def page_numbers(self) -> list[int]:
        return [p.number for p in self.pages]

    def page(self, number: int) -> Page | None:
        """The page with the file's page number `number` (pages of a part need not start at 1)."""
        return next((p for p in self.pages if p.number == number), None)

    @property
    def spans(self) -> list[TextSpan]:
        return [s for p in self.pages for s in p.spans]

    def value(self, name: str) -> str | Decimal | None:
        fv = self.fields.get(name)
        return None if fv is None else fv.value

    def values(self) -> dict[str, Any]:
        """Plain field values with the exact JSON names officers and tests rely on."""
        out: dict[str, Any] = {k: (None if v.value is None else str(v.value)) for k, v in self.fields.items()}
        out["items"] = [
            {k: (None if v.value is None else str(v.value)) for k, v in item.items()} for item in self.items
        ]
        return out

    def evidence_of(self, name: str) -> Evidence | None:
        fv = self.fields.get(name)
        return fv.evidence[0] if fv and fv.evidence else None

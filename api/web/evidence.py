"""Where each piece of a finding's evidence can be shown: which stored document and page image, and
the box as fractions of that image, so the page can highlight it at any display size."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from api.schemas import CaseDetail, StoredFinding
from api.web.labels import field_label

RENDERABLE = ("application/pdf", "image/")


@dataclass(frozen=True, slots=True)
class EvidenceView:
    document: str | None  # source path as recorded with the finding
    field: str
    label: str
    value: str | None
    page: int | None
    document_id: int | None = None
    image_url: str | None = None
    box: tuple[float, float, float, float] | None = None  # left, top, width, height as fractions
    note: str | None = None  # why there is no image to show


def evidence_views(
    finding: StoredFinding, case: CaseDetail, pages_meta: dict[int, list[dict[str, Any]]]
) -> list[EvidenceView]:
    files_by_path = {f.path: f for f in case.files}
    pages_of = {d.id: d.page_numbers for d in case.documents}
    out = []
    for item in finding.evidence:
        view = EvidenceView(
            document=item.document,
            field=item.field,
            label=field_label(item.field),
            value=item.value,
            page=item.page,
        )
        file = files_by_path.get(item.document or "")
        if file is None or item.page is None:
            out.append(view)  # manifest values, or evidence with no page
            continue
        doc_id = next((d for d in file.document_ids if item.page in pages_of.get(d, [])), None)
        if doc_id is None and finding.document_id in file.document_ids:
            doc_id = finding.document_id
        if doc_id is None:
            out.append(view)
            continue
        if not file.media_type.startswith(RENDERABLE):
            note = "OFD/XML 电子发票没有页面图像，请以上方数值为准"
            out.append(replace(view, document_id=doc_id, note=note))
            continue
        url = f"/app/documents/{doc_id}/pages/{item.page}.png"
        geometry = next((p for p in pages_meta.get(doc_id, []) if p.get("number") == item.page), None)
        box = None
        if item.box is not None and geometry and geometry.get("width") and geometry.get("height"):
            w, h = float(geometry["width"]), float(geometry["height"])
            box = (item.box.x0 / w, item.box.y0 / h, (item.box.x1 - item.box.x0) / w, (item.box.y1 - item.box.y0) / h)
        out.append(replace(view, document_id=doc_id, image_url=url, box=box))
    return out

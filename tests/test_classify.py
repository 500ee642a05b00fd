"""Classification by page and the split of bundled files into logical documents."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium

from docintel.classify import classify_page
from docintel.model import Box, Origin, Page, TextSpan
from docintel.pipeline import process_bytes

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _page(*lines: str, height: float = 800.0) -> Page:
    spans = [
        TextSpan(text=t, page=1, box=Box(x0=50, y0=40 + 30 * i, x1=400, y1=60 + 30 * i), origin=Origin.PDF_TEXT)
        for i, t in enumerate(lines)
    ]
    return Page(number=1, width=600, height=height, spans=spans)


def test_title_decides_and_is_the_reason() -> None:
    kind = classify_page(_page("资产负债表", "编制单位：某某有限公司", "货币资金", "资产总计"))
    assert kind.doc_type == "balance_sheet" and kind.titled
    assert "资产负债表" in kind.reason and kind.confidence > 0.6


def test_unsure_page_is_other_with_a_reason() -> None:
    kind = classify_page(_page("会议纪要", "参会人员：张三、李四", "付款人"))
    assert kind.doc_type == "other"
    assert kind.reason  # never silent


def test_continued_statement_page_is_not_a_new_document() -> None:
    assert not classify_page(_page("资产负债表（续）", "负债合计", "所有者权益")).titled


def _concatenated(*paths: Path) -> bytes:
    merged = pdfium.PdfDocument.new()
    for path in paths:
        merged.import_pages(pdfium.PdfDocument(path.read_bytes()))
    buffer = io.BytesIO()
    merged.save(buffer)
    return buffer.getvalue()


def test_contract_followed_by_its_invoice_becomes_two_documents() -> None:
    contract = sorted((SAMPLES / "contracts").glob("ct0*_pdf_*.pdf"))[0]
    invoice = SAMPLES / "invoices" / "inv11_legacy_pdf.pdf"
    contract_pages = len(pdfium.PdfDocument(contract.read_bytes()))
    docs = process_bytes("bundle.pdf", _concatenated(contract, invoice))
    assert [d.doc_type for d in docs] == ["purchase_contract", "vat_invoice"]
    assert docs[0].page_numbers == list(range(1, contract_pages + 1))
    assert docs[1].page_numbers == [contract_pages + 1]
    assert [d.part for d in docs] == [1, 2]
    # Each part is extracted on its own pages: the invoice's number comes from its page only.
    assert docs[1].value("invoice_number") and docs[1].evidence_of("invoice_number").page == contract_pages + 1

"""PDFs page by page: the text layer where it is usable, OCR of the rendered page where it is not.

A page is never OCR'd when its text layer is usable (enough characters, few unmapped glyphs), so a
mixed PDF (digital invoice + scanned 清单) costs OCR only for its scanned pages. Boxes are in PDF
points with the origin at the top-left, the same for text-layer and OCR spans.
"""

from __future__ import annotations

import io
import logging
import re
import time

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

from docintel.errors import DocumentTooLargeError, UnreadableDocumentError
from docintel.model import Box, Document, Origin, Page, TextSpan
from docintel.readers import ReadOptions
from docintel.readers.pdf_text import page_words, unmapped_count
from docintel.readers.qr import has_invoice_marker

log = logging.getLogger(__name__)

_MIN_USABLE_CHARS = 20
# Glyphs without a Unicode mapping (pdfium: U+FFFD; pdfminer: "(cid:123)"): beyond 3% of a page's
# glyphs the text layer garbles too many values and OCR reads the page better.
_MAX_UNMAPPED_RATIO = 0.03
_CID = re.compile(r"\(cid:\d+\)")
_QR_RENDER_DPI = 150


# A text page is rendered only when something reads its pixels: the QR code of an invoice or ticket,
# the red seal in a contract's signature block (盖章/签章). Statements (合同资产, 应收票据 are balance
# sheet lines) and bank receipts with a text layer skip the render.
def needs_image(spans: list[TextSpan]) -> bool:
    return has_invoice_marker(spans) or any("章" in span.text for span in spans)


def read(data: bytes, doc: Document, options: ReadOptions) -> None:
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise UnreadableDocumentError("encrypted PDF (password required)", reason="encrypted_pdf") from exc
    except (PdfminerException, PDFSyntaxError) as exc:
        raise _classify_pdf_error(exc, data) from exc
    with pdf:
        try:
            pages = pdf.pages
        except (PdfminerException, PDFSyntaxError, PDFPasswordIncorrect) as exc:
            raise _classify_pdf_error(exc, data) from exc
        if len(pages) > options.max_pages:
            raise DocumentTooLargeError(
                f"PDF has {len(pages)} pages; the limit is {options.max_pages}", reason="too_many_pages"
            )
        rendered = _Renderer(data)
        try:
            for plumber_page in pages:
                doc.pages.append(_read_page(plumber_page, rendered, options))
        finally:
            rendered.close()


def _classify_pdf_error(exc: Exception, data: bytes) -> UnreadableDocumentError:
    text = f"{type(exc).__name__}: {exc}"
    # pdfplumber wraps pdfminer's errors: PdfminerException(PDFPasswordIncorrect()) prints as "".
    cause = exc.args[0] if exc.args else None
    encrypted = isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError))
    if encrypted or "password" in text.lower() or "encrypt" in text.lower():
        return UnreadableDocumentError("encrypted PDF (password required)", reason="encrypted_pdf")
    if b"%%EOF" not in data[-2048:]:
        return UnreadableDocumentError(f"truncated PDF (no end-of-file marker): {text}", reason="truncated_pdf")
    return UnreadableDocumentError(f"corrupt PDF: {text}", reason="corrupt_pdf")


class _Renderer:
    """The document in pdfium, which reads text layers and renders pages; opened on first use."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pdf: pdfium.PdfDocument | None = None
        self._error: pdfium.PdfiumError | None = None

    def document(self) -> pdfium.PdfDocument | None:
        """pdfium's view of the file, or None where pdfium cannot open what pdfminer could."""
        if self._pdf is None and self._error is None:
            try:
                self._pdf = pdfium.PdfDocument(self._data)
            except pdfium.PdfiumError as exc:
                self._error = exc
        return self._pdf

    def render(self, index: int, dpi: int) -> np.ndarray:
        pdf = self.document()
        if pdf is None:
            raise UnreadableDocumentError(f"PDF cannot be rendered: {self._error}", reason="corrupt_pdf")
        bitmap = pdf[index].render(scale=dpi / 72)
        return np.asarray(bitmap.to_pil().convert("RGB"))

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()


def _read_page(plumber_page: pdfplumber.page.Page, renderer: _Renderer, options: ReadOptions) -> Page:
    number = plumber_page.page_number
    page = Page(
        number=number,
        width=float(plumber_page.width),
        height=float(plumber_page.height),
        unit="pt",
        rotation=int(plumber_page.rotation or 0),
    )
    spans = _text_layer_spans(plumber_page, renderer.document())
    if _usable(spans):
        page.text_source = Origin.PDF_TEXT
        page.spans = spans
        if options.decode_qr and needs_image(spans):
            page.image = renderer.render(number - 1, _QR_RENDER_DPI)
            page.dpi = _QR_RENDER_DPI
        return page
    # No usable text layer: a scanned page inside a PDF.
    from docintel.readers.image import line_spans, read_upright
    from models.ocr import get_engine

    started = time.perf_counter()
    engine = get_engine(options.ocr_engine)
    rgb = renderer.render(number - 1, options.render_dpi)
    upright, rotation, skew, lines = read_upright(rgb, engine)
    if rotation in (90, 270):
        page.width, page.height = page.height, page.width
    page.rotation = (page.rotation + rotation) % 360
    page.skew = skew
    page.dpi = options.render_dpi
    page.image = upright
    page.text_source = Origin.OCR
    page.spans = line_spans(lines, number, scale=72 / options.render_dpi)
    log.debug("page %s OCR'd in %.2fs", number, time.perf_counter() - started)
    return page


def _text_layer_spans(plumber_page: pdfplumber.page.Page, pdf: pdfium.PdfDocument | None) -> list[TextSpan]:
    words = None
    if pdf is not None:
        try:
            words = page_words(pdf, plumber_page.page_number - 1, x_tolerance=2, y_tolerance=2)
        except (pdfium.PdfiumError, IndexError, ValueError) as exc:
            log.info("pdfium cannot read page %s, trying pdfminer: %s", plumber_page.page_number, exc)
    if words is None:  # geometry pdfium expresses differently, or pdfium could not read the page
        try:
            words = plumber_page.extract_words(x_tolerance=2, y_tolerance=2, keep_blank_chars=False)
        except Exception as exc:  # pdfminer raises many types on damaged content streams
            log.warning("text layer of page %s unreadable: %s", plumber_page.page_number, exc)
            return []
    return [
        TextSpan(
            text=w["text"],
            page=plumber_page.page_number,
            box=Box(x0=float(w["x0"]), y0=float(w["top"]), x1=float(w["x1"]), y1=float(w["bottom"])),
            confidence=1.0,
            origin=Origin.PDF_TEXT,
        )
        for w in words
        if w["text"].strip()
    ]


def _usable(spans: list[TextSpan]) -> bool:
    text = "".join(s.text for s in spans)
    cids = _CID.findall(text)
    glyphs = len(text) - sum(len(m) for m in cids) + len(cids)
    if glyphs < _MIN_USABLE_CHARS:
        return False
    return (len(cids) + unmapped_count(text)) / glyphs <= _MAX_UNMAPPED_RATIO

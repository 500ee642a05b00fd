"""A PDF page's text layer as words with boxes, read by pdfium.

pdfplumber builds words by running pdfminer's Python content-stream interpreter: ~150 ms per invoice
page, three quarters of a digital page's whole cost. pdfium parses the same page in C in ~2 ms. We take
pdfium's characters, give them pdfminer's geometry conventions (top-left origin, a box per character
from the font's ascent/descent and advance, `upright` from the text matrix) and group them into words
with pdfplumber's own `WordExtractor`, so the words the extractors see are the ones pdfplumber would
have produced. Pages whose geometry the two libraries express differently (rotated pages, a MediaBox
not at the origin, a CropBox smaller than the MediaBox) return None and are read by pdfplumber.
"""

from __future__ import annotations

import ctypes
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.utils.text import WordExtractor

_UNMAPPED = "\ufffd"  # a glyph without a Unicode mapping (pdfminer writes "(cid:N)")


def page_words(
    pdf: pdfium.PdfDocument, index: int, x_tolerance: float, y_tolerance: float
) -> list[dict[str, Any]] | None:
    """pdfplumber-style words of page `index`, or None when pdfplumber must read this page."""
    page = pdf[index]
    try:
        if not _plain_geometry(page):
            return None
        chars = _chars(page)
    finally:
        page.close()
    extractor = WordExtractor(x_tolerance=x_tolerance, y_tolerance=y_tolerance, keep_blank_chars=False)
    return extractor.extract_words(chars)


def _plain_geometry(page: pdfium.PdfPage) -> bool:
    if page.get_rotation() % 360:
        return False
    media = page.get_mediabox()
    crop = page.get_cropbox()
    return media[0] == 0 and media[1] == 0 and all(abs(a - b) < 0.01 for a, b in zip(media, crop, strict=True))


def _chars(page: pdfium.PdfPage) -> list[dict[str, Any]]:
    height = page.get_height()
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        rect = pdfium_c.FS_RECTF()
        matrix = pdfium_c.FS_MATRIX()
        chars: list[dict[str, Any]] = []
        for i in range(pdfium_c.FPDFText_CountChars(raw)):
            if pdfium_c.FPDFText_IsGenerated(raw, i) == 1:
                continue  # spaces and line breaks pdfium infers; pdfminer has no such characters
            if pdfium_c.FPDFText_HasUnicodeMapError(raw, i) == 1:
                text = _UNMAPPED
            else:
                text = chr(pdfium_c.FPDFText_GetUnicode(raw, i))
            if not pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect):
                if not pdfium_c.FPDFText_GetCharBox(raw, i, left, right, bottom, top):
                    continue
                rect.left, rect.right, rect.bottom, rect.top = left.value, right.value, bottom.value, top.value
            upright = True
            if pdfium_c.FPDFText_GetMatrix(raw, i, matrix):
                # pdfminer's LTChar.upright: a*d > 0 and b*c <= 0
                upright = matrix.a * matrix.d > 0 and matrix.b * matrix.c <= 0
            # pdfminer's box runs from the descent up one em; pdfium's loose box from descent to ascent.
            size = pdfium_c.FPDFText_GetFontSize(raw, i) or (rect.top - rect.bottom)
            y_top = height - (rect.bottom + size)
            chars.append(
                {
                    "text": text,
                    "x0": rect.left,
                    "x1": rect.right,
                    "top": y_top,
                    "bottom": height - rect.bottom,
                    "doctop": y_top,
                    "upright": upright,
                }
            )
        return chars
    finally:
        textpage.close()


def unmapped_count(text: str) -> int:
    return text.count(_UNMAPPED)

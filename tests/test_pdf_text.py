"""The pdfium text layer gives the words pdfplumber would, at a fraction of the cost."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest

from docintel.model import Box, Origin, TextSpan
from docintel.readers import pdf as pdf_reader
from docintel.readers.pdf_text import page_words

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "realdata" / "files"
SAMPLES = sorted(
    p
    for folder in ("invoices", "contracts", "receipts", "statements")
    for p in (REPO / "samples" / folder).glob("*_pdf*.pdf")
) + sorted((REPO / "samples" / "statements").glob("st0*.pdf"))


def _plumber_words(data: bytes, index: int) -> list[dict]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return pdf.pages[index].extract_words(x_tolerance=2, y_tolerance=2, keep_blank_chars=False)


@pytest.mark.parametrize("path", sorted(set(SAMPLES)), ids=lambda p: p.name)
def test_words_match_pdfplumber(path: Path) -> None:
    data = path.read_bytes()
    pdf = pdfium.PdfDocument(data)
    try:
        for index in range(len(pdf)):
            ours = page_words(pdf, index, 2, 2)
            assert ours is not None
            theirs = _plumber_words(data, index)
            assert [w["text"] for w in ours] == [w["text"] for w in theirs]
            for a, b in zip(ours, theirs, strict=True):
                # pdfium and pdfminer take a font's descent from different places: within 1.5 pt
                assert max(abs(a[k] - b[k]) for k in ("x0", "x1", "top", "bottom")) < 1.5, a["text"]
    finally:
        pdf.close()


def test_a_rotated_page_is_left_to_pdfplumber() -> None:
    rotated = REAL / "ofdrw__ofdrw" / "ofdrw-converter" / "src" / "test" / "resources" / "xbrl-001.pdf"
    if not rotated.exists():
        pytest.skip("realdata not present")
    pdf = pdfium.PdfDocument(rotated.read_bytes())
    try:
        assert pdf[0].get_rotation() == 90
        assert page_words(pdf, 0, 2, 2) is None
    finally:
        pdf.close()


def _spans(*texts: str) -> list[TextSpan]:
    box = Box(x0=0, y0=0, x1=10, y1=10)
    return [TextSpan(text=t, page=1, box=box, confidence=1.0, origin=Origin.PDF_TEXT) for t in texts]


def test_unmapped_glyphs_make_a_text_layer_unusable() -> None:
    clean = "统一社会信用代码91440106068698695J"
    assert pdf_reader._usable(_spans(clean))
    assert not pdf_reader._usable(_spans(clean + "\ufffd\ufffd"))  # 2 of 31 glyphs: over 3%
    assert not pdf_reader._usable(_spans(clean + "(cid:12)(cid:7)"))  # pdfminer's way of saying the same
    assert pdf_reader._usable(_spans(clean * 2 + "\ufffd"))  # 1 of 59: fine


def test_only_invoice_and_seal_pages_are_rendered() -> None:
    assert pdf_reader.needs_image(_spans("电子发票（普通发票）"))
    assert pdf_reader.needs_image(_spans("甲方（盖章）："))
    # balance-sheet lines that mention 票据 and 合同 carry neither a QR code nor a seal
    assert not pdf_reader.needs_image(_spans("应收票据", "应付票据", "合同资产", "合同负债"))

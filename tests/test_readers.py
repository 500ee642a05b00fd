"""Readers: sniffing, EXIF orientation, multi-page TIFF, mixed PDFs, and specific errors for bad bytes."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from docintel import sniff
from docintel.errors import DocumentTooLargeError, UnreadableDocumentError, UnsupportedDocumentError
from docintel.model import Origin
from docintel.pipeline import process_bytes
from docintel.readers import ReadOptions, new_document, read_into
from docintel.readers.image import load_images

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "invoices"
UPRIGHT_SCAN = SAMPLES / "inv16_sd-normal_photo.jpg"


def test_media_type_comes_from_bytes_not_name(tmp_path: Path) -> None:
    pdf = next(SAMPLES.glob("*.pdf")).read_bytes()
    assert sniff.sniff_media_type(pdf) == sniff.PDF
    assert sniff.sniff_media_type(UPRIGHT_SCAN.read_bytes()) == sniff.JPEG
    assert sniff.sniff_media_type(b"") == sniff.EMPTY
    assert sniff.sniff_media_type(b"hello world") == sniff.UNKNOWN
    doc = new_document(tmp_path / "looks-like.pdf", UPRIGHT_SCAN.read_bytes())
    assert doc.source.media_type == sniff.JPEG


def test_exif_orientation_is_applied() -> None:
    image = Image.new("RGB", (40, 20), "white")
    image.putpixel((0, 0), (255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes(), quality=100)
    (frame,) = load_images(buffer.getvalue(), ReadOptions())
    assert frame.shape[:2] == (40, 20)  # height and width swapped: displayed upright


def test_multi_page_tiff_gives_every_page() -> None:
    frames = [Image.new("L", (30, 30), 255), Image.new("L", (30, 30), 0)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    loaded = load_images(buffer.getvalue(), ReadOptions())
    assert len(loaded) == 2 and loaded[1].mean() == 0


def test_truncated_jpeg_is_a_specific_error() -> None:
    data = UPRIGHT_SCAN.read_bytes()
    with pytest.raises(UnreadableDocumentError) as info:
        load_images(data[: len(data) // 3], ReadOptions())
    assert info.value.reason == "truncated_image"


def test_huge_image_is_refused_before_decoding() -> None:
    buffer = io.BytesIO()
    Image.new("L", (3000, 3000), 255).save(buffer, format="PNG")
    with pytest.raises(DocumentTooLargeError):
        load_images(buffer.getvalue(), ReadOptions(max_pixels=1_000_000))


def test_unsupported_bytes_fail_with_reason() -> None:
    (doc,) = process_bytes("notes.txt", b"just some text, not a document")
    assert doc.status.value == "failure" and doc.errors[0].reason == "unsupported_type"
    with pytest.raises(UnsupportedDocumentError):
        read_into(new_document("empty.pdf", b""), b"")


def _mixed_pdf() -> bytes:
    """Page 1 has a text layer; page 2 is only a picture of an invoice (a scanned page)."""
    canvas_mod = pytest.importorskip("reportlab.pdfgen.canvas")
    from reportlab.lib.utils import ImageReader

    from samples.generate import FONT_NAME, register_font

    register_font()
    buffer = io.BytesIO()
    canvas = canvas_mod.Canvas(buffer, pagesize=(595, 420), invariant=1)
    canvas.setFont(FONT_NAME, 14)
    canvas.drawString(60, 360, "购销合同附件：发票清单 第一页为电子文本，共两页")
    canvas.showPage()
    canvas.drawImage(ImageReader(str(UPRIGHT_SCAN)), 0, 0, width=595, height=420)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.mark.slow
def test_mixed_pdf_is_read_page_by_page() -> None:
    doc = new_document("mixed.pdf", data := _mixed_pdf())
    read_into(doc, data)
    assert [p.text_source for p in doc.pages] == [Origin.PDF_TEXT, Origin.OCR]
    page2 = doc.pages[1]
    assert page2.dpi == 200 and page2.spans
    # OCR boxes are mapped back to PDF points, like the text layer's.
    assert all(0 <= s.box.x1 <= page2.width + 1 and 0 <= s.box.y1 <= page2.height + 1 for s in page2.spans)
    assert np.asarray(page2.image).ndim == 3

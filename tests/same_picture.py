"""Comparing regenerated sample files with the committed ones.

Text-layer files must come back byte for byte. Scans and photos pass through OpenCV/Pillow resampling
and JPEG coding, whose last bits change between library releases, so a raster file (or a PDF that
wraps one) is compared as a picture: same size, mean grey difference under half a level, and for a
PDF the same page count and the same text layer.
"""

from __future__ import annotations

import io

import numpy as np

MAX_MEAN_GREY_DIFFERENCE = 0.5


def same_content(committed: bytes, generated: bytes, suffix: str) -> bool:
    if committed == generated:
        return True
    if suffix in (".jpg", ".jpeg", ".png", ".tif", ".tiff"):
        return _same_picture(_grey(committed), _grey(generated))
    if suffix == ".pdf":
        return _same_pdf(committed, generated)
    return False


def _grey(data: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("L"), dtype=float)


def _same_picture(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and float(np.abs(a - b).mean()) < MAX_MEAN_GREY_DIFFERENCE


def _same_pdf(committed: bytes, generated: bytes) -> bool:
    import pypdfium2 as pdfium

    one, two = pdfium.PdfDocument(committed), pdfium.PdfDocument(generated)
    try:
        if len(one) != len(two):
            return False
        for a, b in zip(one, two, strict=True):
            if a.get_textpage().get_text_range() != b.get_textpage().get_text_range():
                return False
            if not _same_picture(_rendered(a), _rendered(b)):
                return False
        return True
    finally:
        one.close()
        two.close()


def _rendered(page: object) -> np.ndarray:
    bitmap = page.render(scale=100 / 72, grayscale=True)  # type: ignore[attr-defined]
    return np.asarray(bitmap.to_pil().convert("L"), dtype=float)

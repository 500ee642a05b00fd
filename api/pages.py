"""Page images for the officer UI to draw evidence boxes on: rendered from the stored original once,
then served from a disk cache under DOCINTEL_HOME/pages (written atomically, like blobs).

PDF pages are rendered at `dpi` (a PDF evidence box in points × dpi/72 gives pixels); images are served
at their own pixel size, the unit of their evidence boxes. OFD and XML have no renderer here.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docintel import sniff
from docintel.store.blobs import BlobStore
from docintel.store.models import SourceFile

if TYPE_CHECKING:
    from api.settings import ApiSettings


class PageNotRenderable(Exception):
    """The file type has no page images (OFD, XML)."""


class PageNotFound(Exception):
    """The file has no such page."""


def upright_transform(pages_meta: list[dict[str, Any]] | None, page: int) -> tuple[int, float]:
    """(rotation, skew) the reader applied to an OCR'd page before reading it; (0, 0) otherwise."""
    geometry = next((p for p in pages_meta or [] if p.get("number") == page), {})
    if geometry.get("text_source") != "ocr":
        return 0, 0.0
    return int(geometry.get("rotation") or 0), float(geometry.get("skew") or 0.0)


def page_as_read(blobs: BlobStore, settings: ApiSettings, source: SourceFile, pages_meta: Any, page: int) -> Path:
    """The PNG of a stored document's page as it was read: a scan upright and deskewed, as OCR saw it,
    so its evidence boxes fall on the right words."""
    rotation, skew = upright_transform(pages_meta, page)
    return page_png(
        blobs, settings.page_cache, source.sha256, source.media_type, page, settings.page_dpi, rotation, skew
    )


def page_png(
    blobs: BlobStore,
    cache: Path,
    sha256: str,
    media_type: str,
    page: int,
    dpi: int,
    rotation: int = 0,
    skew: float = 0.0,
) -> Path:
    """Path of the cached PNG of `page` (1-based) of blob `sha256`, rendering it first if needed.

    `rotation` (clockwise degrees) and `skew` are what the reader applied to make a scanned page upright
    before OCR: applying them again gives the image its evidence boxes were measured on.
    """
    turned = f"-r{rotation}s{skew:g}" if rotation or skew else ""
    target = cache / sha256[:2] / f"{sha256}-p{page}-{dpi}{turned}.png"
    if target.is_file():
        return target
    if media_type == sniff.PDF:
        image = _render_pdf(blobs.get(sha256), page, dpi)
    elif media_type in sniff.IMAGE_TYPES:
        image = _render_image(blobs.get(sha256), page)
    else:
        raise PageNotRenderable(f"no page images for {media_type}")
    png = _png(_upright(image, rotation, skew))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(png)
        os.replace(tmp, target)  # a concurrent render of the same page writes identical bytes
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return target


# PDFium is not thread-safe, not even across documents, and page images are rendered in the
# server's thread pool: one render at a time (a cached PNG is served without it).
_PDFIUM = threading.Lock()


def _render_pdf(data: bytes, page: int, dpi: int) -> Any:
    with _PDFIUM:
        return _render_pdf_page(data, page, dpi)


def _render_pdf_page(data: bytes, page: int, dpi: int) -> Any:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PageNotRenderable(f"the PDF cannot be opened: {exc}") from exc
    try:
        if not 1 <= page <= len(pdf):
            raise PageNotFound(f"page {page} of {len(pdf)}")
        return pdf[page - 1].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        pdf.close()


def _render_image(data: bytes, page: int) -> Any:
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        frames = getattr(image, "n_frames", 1)
        if not 1 <= page <= frames:
            raise PageNotFound(f"page {page} of {frames}")
        image.seek(page - 1)
        return ImageOps.exif_transpose(image).convert("RGB")


def _upright(image: Any, rotation: int, skew: float) -> Any:
    if not rotation and not skew:
        return image
    import numpy as np
    from PIL import Image

    from docintel.readers.image import rotate_right_angle, rotate_small

    rgb = rotate_right_angle(np.asarray(image), rotation)
    if skew:
        rgb = rotate_small(rgb, skew)
    return Image.fromarray(rgb)


def _png(image: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)  # type: ignore[attr-defined]
    return out.getvalue()

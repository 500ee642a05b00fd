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
from pathlib import Path

from docintel import sniff
from docintel.store.blobs import BlobStore


class PageNotRenderable(Exception):
    """The file type has no page images (OFD, XML)."""


class PageNotFound(Exception):
    """The file has no such page."""


def page_png(blobs: BlobStore, cache: Path, sha256: str, media_type: str, page: int, dpi: int) -> Path:
    """Path of the cached PNG of `page` (1-based) of blob `sha256`, rendering it first if needed."""
    target = cache / sha256[:2] / f"{sha256}-p{page}-{dpi}.png"
    if target.is_file():
        return target
    if media_type == sniff.PDF:
        png = _render_pdf(blobs.get(sha256), page, dpi)
    elif media_type in sniff.IMAGE_TYPES:
        png = _render_image(blobs.get(sha256), page)
    else:
        raise PageNotRenderable(f"no page images for {media_type}")
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


def _render_pdf(data: bytes, page: int, dpi: int) -> bytes:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PageNotRenderable(f"the PDF cannot be opened: {exc}") from exc
    try:
        if not 1 <= page <= len(pdf):
            raise PageNotFound(f"page {page} of {len(pdf)}")
        image = pdf[page - 1].render(scale=dpi / 72).to_pil()
        return _png(image)
    finally:
        pdf.close()


def _render_image(data: bytes, page: int) -> bytes:
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        frames = getattr(image, "n_frames", 1)
        if not 1 <= page <= frames:
            raise PageNotFound(f"page {page} of {frames}")
        image.seek(page - 1)
        return _png(ImageOps.exif_transpose(image).convert("RGB"))


def _png(image: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)  # type: ignore[attr-defined]
    return out.getvalue()

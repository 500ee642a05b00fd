"""Readers turn bytes into pages of positioned text spans, dispatched on the sniffed media type.

Each reader module exposes `read(data: bytes, doc: Document, options: ReadOptions) -> None`, fills
`doc.pages` (and `doc.embedded` where the file carries structured data) and raises a
`DocintelError` subclass with a specific message when the bytes cannot be read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from docintel import sniff
from docintel.errors import UnsupportedDocumentError
from docintel.model import Document, SourceFile


@dataclass(frozen=True, slots=True)
class ReadOptions:
    ocr_engine: str | None = None  # None: DOCINTEL_OCR_ENGINE or "rapidocr"
    render_dpi: int = 200  # for PDF pages without a usable text layer
    max_pages: int = 200
    max_pixels: int = 80_000_000  # per page image; larger is refused, not read
    decode_qr: bool = True


Reader = Callable[[bytes, Document, ReadOptions], None]


def _reader_for(media_type: str) -> Reader:
    # Imports are local so that reading one kind never loads another kind's libraries.
    if media_type == sniff.PDF:
        from docintel.readers import pdf

        return pdf.read
    if media_type in sniff.IMAGE_TYPES:
        from docintel.readers import image

        return image.read
    if media_type == sniff.OFD:
        from docintel.readers import ofd

        return ofd.read
    if media_type == sniff.XML:
        from docintel.readers import xml_invoice

        return xml_invoice.read
    if media_type == sniff.EMPTY:
        raise UnsupportedDocumentError("empty file (0 bytes)", reason="empty_file")
    raise UnsupportedDocumentError(f"not a supported document (sniffed type {media_type})", reason="unsupported_type")


def new_document(path: str | Path, data: bytes) -> Document:
    return Document(
        source=SourceFile(
            path=str(path),
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            media_type=sniff.sniff_media_type(data),
        )
    )


def read_into(doc: Document, data: bytes, options: ReadOptions | None = None) -> None:
    """Fill `doc` from `data` with the reader its sniffed media type selects."""
    _reader_for(doc.source.media_type)(data, doc, options or ReadOptions())

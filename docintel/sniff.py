"""Media type from the bytes, never from the file name."""

from __future__ import annotations

import zipfile
from io import BytesIO

PDF = "application/pdf"
OFD = "application/ofd"
ZIP = "application/zip"
XML = "application/xml"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
BMP = "image/bmp"
WEBP = "image/webp"
GIF = "image/gif"
EMPTY = "application/x-empty"
UNKNOWN = "application/octet-stream"

IMAGE_TYPES = frozenset({PNG, JPEG, TIFF, BMP, WEBP, GIF})


def sniff_media_type(data: bytes) -> str:
    """Return the media type of `data` from its magic bytes (OFD is a zip holding OFD.xml)."""
    if not data:
        return EMPTY
    head = data[:1024]
    # A zip first: a stored (uncompressed) PDF member puts "%PDF-" within a zip's first 1024 bytes.
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if b"%PDF-" in head:
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head.startswith(b"BM"):
        return BMP
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<"):
        return XML
    return UNKNOWN


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            names = {n.lower().lstrip("/") for n in zf.namelist()}
    except zipfile.BadZipFile:
        return ZIP
    return OFD if "ofd.xml" in names else ZIP

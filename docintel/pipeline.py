"""The pipeline: read → extract → fuse embedded data → per-document checks, as an ordered list of stages.

Only this module turns exceptions into recorded `ProcessingError`s and a status, so one bad file
never stops a batch and every failure says which stage failed and why.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from docintel.errors import DocintelError
from docintel.model import DocStatus, Document, ProcessingError
from docintel.readers import ReadOptions, new_document, read_into

log = logging.getLogger(__name__)

Stage = Callable[[Document], None]


def _qr(doc: Document) -> None:
    from docintel.readers.qr import read_page_qr

    read_page_qr(doc)


def _extract(doc: Document) -> None:
    from extractors.invoice import InvoiceExtractor

    InvoiceExtractor().extract(doc)


def _fuse(doc: Document) -> None:
    from extractors.fusion import fuse_embedded

    fuse_embedded(doc)


def _check(doc: Document) -> None:
    from docintel.checks.rules import run_invoice_checks

    doc.findings.extend(run_invoice_checks(doc))


STAGES: list[tuple[str, Stage]] = [("qr", _qr), ("extract", _extract), ("fuse", _fuse), ("check", _check)]


def process_bytes(path: str | Path, data: bytes, options: ReadOptions | None = None) -> Document:
    """Read, extract and check one file's bytes. Never raises for bad input: see `doc.errors`."""
    doc = new_document(path, data)
    started = time.perf_counter()
    try:
        read_into(doc, data, options)
    except DocintelError as exc:
        _fail(doc, "read", exc.reason, str(exc))
        return doc
    except Exception as exc:  # a reader bug must not stop the batch; record it precisely
        log.exception("reading %s failed", path)
        _fail(doc, "read", "reader_error", f"{type(exc).__name__}: {exc}")
        return doc
    doc.timings["read"] = round(time.perf_counter() - started, 3)
    if not doc.spans and not doc.embedded:
        _fail(doc, "read", "no_text", "no text found on any page (blank page or unreadable scan)")
        return doc
    for name, stage in STAGES:
        started = time.perf_counter()
        try:
            stage(doc)
        except Exception as exc:
            log.exception("stage %s failed on %s", name, path)
            doc.errors.append(
                ProcessingError(stage=name, reason="stage_error", message=f"{type(exc).__name__}: {exc}")
            )
            doc.status = DocStatus.PARTIAL
        doc.timings[name] = round(time.perf_counter() - started, 3)
    if doc.status is DocStatus.SUCCESS and any(f.code == "missing_field" for f in doc.findings):
        doc.status = DocStatus.PARTIAL
    return doc


def process_file(path: str | Path, options: ReadOptions | None = None) -> Document:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        doc = new_document(path, b"")
        _fail(doc, "open", "unreadable_file", f"cannot read file: {exc.strerror or exc}")
        return doc
    return process_bytes(path, data, options)


def _fail(doc: Document, stage: str, reason: str, message: str) -> None:
    doc.errors.append(ProcessingError(stage=stage, reason=reason, message=message))
    doc.status = DocStatus.FAILURE

"""The pipeline: read → QR → split into logical documents → per document: extract → fuse → check.

Each step is a small function in an ordered list. Only this module turns exceptions into recorded
`ProcessingError`s and a status, so one bad file never stops a batch and every failure says which
stage failed and why.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from docintel.classify import split_documents
from docintel.errors import DocintelError
from docintel.model import DocStatus, Document, ProcessingError
from docintel.readers import ReadOptions, new_document, read_into

log = logging.getLogger(__name__)

Stage = Callable[[Document], None]


def _extract(doc: Document) -> None:
    from extractors import extractor_for

    extractor = extractor_for(doc.doc_type)
    if extractor is not None:
        extractor.extract(doc)


def _fuse(doc: Document) -> None:
    if doc.doc_type == "vat_invoice":
        from extractors.fusion import fuse_embedded

        fuse_embedded(doc)


def _check(doc: Document) -> None:
    from docintel.checks.rules import run_checks

    doc.findings.extend(run_checks(doc))


DOCUMENT_STAGES: list[tuple[str, Stage]] = [("extract", _extract), ("fuse", _fuse), ("check", _check)]


def process_bytes(path: str | Path, data: bytes, options: ReadOptions | None = None) -> list[Document]:
    """Read one file's bytes and return its logical documents, each extracted and checked.

    Never raises for bad input: a file that cannot be read comes back as one document with status
    FAILURE and a specific error.
    """
    options = options or ReadOptions()
    whole = new_document(path, data)
    started = time.perf_counter()
    try:
        read_into(whole, data, options)
    except DocintelError as exc:
        return [_fail(whole, "read", exc.reason, str(exc))]
    except Exception as exc:  # a reader bug must not stop the batch; record it precisely
        log.exception("reading %s failed", path)
        return [_fail(whole, "read", "reader_error", f"{type(exc).__name__}: {exc}")]
    whole.timings["read"] = round(time.perf_counter() - started, 3)
    if not whole.spans and not whole.embedded:
        return [_fail(whole, "read", "no_text", "no text found on any page (blank page or unreadable scan)")]
    if options.decode_qr:
        _run(whole, "qr", _qr)
    documents = split_documents(whole)
    for doc in documents:
        for name, stage in DOCUMENT_STAGES:
            _run(doc, name, stage)
    if len(documents) > 1:
        _run(documents[0], "cross_check", lambda _: cross_document_checks(documents))
    for doc in documents:
        if doc.status is DocStatus.SUCCESS and any(f.code == "missing_field" for f in doc.findings):
            doc.status = DocStatus.PARTIAL
    return documents


def cross_document_checks(documents: list[Document]) -> None:
    """Checks between the logical documents of one file: a statement set's 利润表 净利润 against its
    现金流量表 补充资料 净利润 (the finding goes on the cash-flow statement, with both values)."""
    from docintel.checks.statement import net_profit_mismatch

    incomes = [d for d in documents if d.doc_type == "income_statement"]
    cash_flows = [d for d in documents if d.doc_type == "cash_flow_statement"]
    for income in incomes:
        for cash_flow in cash_flows:
            cash_flow.findings.extend(net_profit_mismatch(income, cash_flow))


def process_file(path: str | Path, options: ReadOptions | None = None) -> list[Document]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        doc = new_document(path, b"")
        return [_fail(doc, "open", "unreadable_file", f"cannot read file: {exc.strerror or exc}")]
    return process_bytes(path, data, options)


def _qr(doc: Document) -> None:
    from docintel.readers.qr import read_page_qr

    read_page_qr(doc)


def _run(doc: Document, name: str, stage: Stage) -> None:
    started = time.perf_counter()
    try:
        stage(doc)
    except Exception as exc:
        log.exception("stage %s failed on %s", name, doc.source.path)
        doc.errors.append(ProcessingError(stage=name, reason="stage_error", message=f"{type(exc).__name__}: {exc}"))
        doc.status = DocStatus.PARTIAL
    doc.timings[name] = round(time.perf_counter() - started, 3)


def _fail(doc: Document, stage: str, reason: str, message: str) -> Document:
    doc.errors.append(ProcessingError(stage=stage, reason=reason, message=message))
    doc.status = DocStatus.FAILURE
    return doc

"""Command line: `docintel extract` reads files into fields, `docintel run-samples` runs the bundled samples.

stdout carries only results (a Rich report or one JSON array); progress, logs and usage errors go to
stderr, so `docintel extract --json ... > out.json` always yields valid JSON. Per-file problems are
results, not failures: they appear in the document's `errors` and the exit code stays 0. Exit code 2
is kept for usage errors (a missing path, an unknown engine), detected before anything is processed.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table
from rich.text import Text

from docintel.evaluation import KEY_FIELDS_BY_TYPE, Comparison, compare_truth, load_label, truth_documents
from docintel.model import DocStatus, Document, Severity
from docintel.pipeline import process_file
from docintel.readers import ReadOptions

app = typer.Typer(
    name="docintel",
    help="Read Chinese VAT invoices (PDF, OFD, XML, scans, photos) into evidence-backed fields.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

out_console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False)

# Libraries that log routine chatter (pdfminer warns about every odd font) -> level kept for them.
_NOISY_LOGGERS = {
    "pdfminer": logging.ERROR,
    "pdfplumber": logging.WARNING,
    "pypdfium2": logging.WARNING,
    "PIL": logging.WARNING,
    "RapidOCR": logging.WARNING,
}

SEVERITY_STYLE = {
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
STATUS_STYLE = {DocStatus.SUCCESS: "green", DocStatus.PARTIAL: "yellow", DocStatus.FAILURE: "bold red"}
SUMMARY_FIELDS = ("doc_type", "number", "date", "counterparty", "amount")
# Per document type: which field fills each summary column (number, date, counterparty, amount).
_SUMMARY_SOURCES: dict[str, tuple[str, str, str, str]] = {
    "vat_invoice": ("invoice_number", "issue_date", "seller_name", "amount_with_tax"),
    "purchase_contract": ("contract_number", "signing_date", "seller_name", "total_amount"),
    "bank_receipt": ("serial_number", "transaction_date", "payee_name", "amount"),
    "balance_sheet": ("", "statement_date", "company_name", "total_assets"),
    "income_statement": ("", "statement_date", "company_name", "net_profit"),
    "cash_flow_statement": ("", "statement_date", "company_name", "net_cash_from_operating"),
}


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log at DEBUG level (stderr).")] = False,
) -> None:
    configure_logging(verbose)


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(name)s: %(message)s",
        handlers=[RichHandler(console=err_console, show_path=False)],
        force=True,
    )
    for name, level in _NOISY_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


# ---------------------------------------------------------------- input discovery


def is_truth_file(path: Path) -> bool:
    """A `.json` beside a sample with the same stem is that sample's label, not a document to read."""
    if path.suffix.lower() != ".json":
        return False
    return any(p != path and p.suffix.lower() != ".json" for p in path.parent.glob(f"{path.stem}.*"))


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files named directly, plus every non-hidden file under named directories (recursive, sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and not hidden and not is_truth_file(child):
                    found.append(child)
        else:
            found.append(path)
    # A file reached twice (named and inside a named directory) is read once.
    return list(dict.fromkeys(found))


def _check_paths(paths: list[Path]) -> None:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise typer.BadParameter(f"no such file or directory: {', '.join(missing)}", param_hint="FILE_OR_DIR")


def _read_options(engine: str | None) -> ReadOptions:
    from models.ocr import ENGINE_KINDS

    if engine is not None and engine.lower() not in ENGINE_KINDS:
        raise typer.BadParameter(
            f"unknown OCR engine {engine!r}; known engines: {', '.join(ENGINE_KINDS)}", param_hint="--engine"
        )
    return ReadOptions(ocr_engine=engine.lower() if engine else None)


def process_all(files: list[Path], options: ReadOptions, show_progress: bool) -> list[tuple[Path, Document]]:
    """Every logical document of every file, with the file it came from (a file may hold several)."""
    if not show_progress:
        return [(f, doc) for f in files for doc in process_file(f, options)]
    pairs: list[tuple[Path, Document]] = []
    with err_console.status("") as status:
        for i, path in enumerate(files, 1):
            status.update(f"[{i}/{len(files)}] {path}")
            pairs.extend((path, doc) for doc in process_file(path, options))
    return pairs


# ---------------------------------------------------------------- JSON form


def document_json(doc: Document) -> dict[str, Any]:
    """The stable per-document JSON: plain string values plus the evidence behind each."""
    values = doc.values()
    items = values.pop("items")
    evidence: dict[str, list[dict[str, Any]]] = {
        name: [e.model_dump(mode="json") for e in fv.evidence] for name, fv in doc.fields.items()
    }
    for i, item in enumerate(doc.items):
        for name, fv in item.items():
            evidence[f"items[{i}].{name}"] = [e.model_dump(mode="json") for e in fv.evidence]
    return {
        "source": doc.source.model_dump(mode="json"),
        "doc_type": doc.doc_type,
        "doc_type_confidence": doc.doc_type_confidence,
        "doc_type_reason": doc.doc_type_reason,
        "part": doc.part,
        "page_numbers": doc.page_numbers,
        "region": doc.region.model_dump(mode="json") if doc.region else None,
        "status": doc.status.value,
        "pages": len(doc.pages),
        "fields": values,
        "items": items,
        "evidence": evidence,
        "notes": {name: fv.note for name, fv in doc.fields.items() if fv.note},
        "findings": [f.model_dump(mode="json") for f in doc.findings],
        "errors": [e.model_dump(mode="json") for e in doc.errors],
        "timings": doc.timings,
    }


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


# ---------------------------------------------------------------- Rich report


def _origin(fv_evidence: list[Any]) -> str:
    if not fv_evidence:
        return ""
    ev = fv_evidence[0]
    return f"{ev.origin.value} p{ev.page}" if ev.page else ev.origin.value


def _header(doc: Document) -> Text:
    header = Text()
    header.append(doc.source.path, style="bold")
    header.append(f"  {doc.source.media_type}  {doc.doc_type}  ")
    header.append(doc.status.value, style=STATUS_STYLE[doc.status])
    numbers = doc.page_numbers
    pages = "no pages" if not numbers else f"p{numbers[0]}" + (f"-{numbers[-1]}" if len(numbers) > 1 else "")
    part = f"  part {doc.part}" if doc.part > 1 or doc.region is not None else ""
    header.append(f"  {pages}{part}  {sum(doc.timings.values()):.2f}s")
    # Classification is shown with its reason so a wrong type is visible, never silent.
    header.append(f"\n  类型依据 {doc.doc_type_confidence:.0%}: {doc.doc_type_reason or '—'}", style="dim")
    return header


def _table() -> Table:
    # Columns use overflow="fold": an ellipsis would hide exactly the digits an officer must check.
    return Table(show_edge=False, pad_edge=False, box=None, header_style="bold")


def _fields_table(doc: Document) -> Table:
    table = _table()
    for column in ("field", "value", "conf", "origin"):
        table.add_column(column, justify="right" if column == "conf" else "left", overflow="fold")
    for name, fv in doc.fields.items():
        value = Text("—", style="dim") if fv.value is None else Text(str(fv.value))
        table.add_row(name, value, f"{fv.confidence:.0%}", _origin(fv.evidence))
    return table


def _items_table(doc: Document) -> Table:
    columns = list(dict.fromkeys(k for item in doc.items for k in item))
    table = _table()
    table.add_column("#", justify="right")
    for column in columns:
        table.add_column(column, overflow="fold")
    for i, item in enumerate(doc.items, 1):
        cells = [str(item[c].value) if c in item and item[c].value is not None else "" for c in columns]
        table.add_row(str(i), *cells)
    return table


def _findings_table(doc: Document) -> Table:
    table = _table()
    for column in ("finding", "severity", "message"):
        table.add_column(column, overflow="fold")
    for f in doc.findings:
        table.add_row(f.code, Text(f.severity.value, style=SEVERITY_STYLE[f.severity]), f.message)
    return table


def _errors_table(doc: Document) -> Table:
    table = _table()
    for column in ("stage", "error", "message"):
        table.add_column(column, style="red" if column == "error" else None, overflow="fold")
    for e in doc.errors:
        table.add_row(e.stage, e.reason, e.message)
    return table


def print_document(doc: Document, console: Console) -> None:
    console.rule(style="dim")
    console.print(_header(doc))
    if doc.fields:
        console.print(_fields_table(doc))
    if doc.items:
        console.print(Text("items", style="bold underline"))
        console.print(_items_table(doc))
    if doc.findings:
        console.print(_findings_table(doc))
    if doc.errors:
        console.print(_errors_table(doc))


# ---------------------------------------------------------------- commands


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(metavar="FILE_OR_DIR", help="Files or directories.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array to stdout.")] = False,
    engine: Annotated[str | None, typer.Option(help="OCR engine: rapidocr or paddle.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the JSON array to this file.")] = None,
) -> None:
    """Read, extract and check each document; per-file failures are reported, not fatal."""
    _check_paths(paths)
    options = _read_options(engine)
    files = expand_paths(paths)
    docs = [doc for _, doc in process_all(files, options, show_progress=len(files) > 1 and not as_json)]
    payload = [document_json(d) for d in docs]
    if as_json:
        # print() rather than Rich: Rich would wrap long lines and break the JSON.
        typer.echo(_dump(payload))
    else:
        for doc in docs:
            print_document(doc, out_console)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_dump(payload) + "\n", encoding="utf-8")


def _default_samples() -> Path:
    import samples

    # __path__ rather than __file__: an editable install made before samples/ had an __init__.py
    # maps it as a namespace package, whose __file__ is None.
    return next(Path(p) for p in samples.__path__ if Path(p).is_dir())


def _truth_of(path: Path) -> Path | None:
    truth = path.with_suffix(".json")
    return truth if truth.exists() and truth != path else None


def _finding_counts(doc: Document) -> str:
    counts = Counter(f.code for f in doc.findings)
    return ", ".join(f"{code}×{n}" if n > 1 else code for code, n in sorted(counts.items()))


def _key_score(comparison: Comparison, doc_type: str) -> tuple[int, int]:
    keys = [ok for name, (ok, _, _) in comparison.fields.items() if name in KEY_FIELDS_BY_TYPE.get(doc_type, ())]
    return sum(keys), len(keys)


def _summary_values(doc: Document, values: dict[str, Any]) -> dict[str, Any]:
    sources = _SUMMARY_SOURCES.get(doc.doc_type, ("", "", "", ""))
    picked = [values.get(name) if name else None for name in sources]
    return dict(zip(SUMMARY_FIELDS, [doc.doc_type, *picked], strict=True))


def _sample_row(path: Path, root: Path, doc: Document) -> dict[str, Any]:
    truth_path = _truth_of(path)
    truth = load_label(truth_path) if truth_path else None
    meta = (truth[0] if isinstance(truth, list) and truth else truth or {}).get("sample") or {}
    kind = meta.get("source_kind") or doc.source.media_type
    # A file may hold several documents; the truth lists them in the same order as their parts.
    truth_docs = truth_documents(truth) if truth is not None else []
    truth_doc = truth_docs[doc.part - 1] if doc.part <= len(truth_docs) else None
    values = doc.values()
    suffix = f"#{doc.part}" if doc.part > 1 or len(truth_docs) > 1 else ""
    row: dict[str, Any] = {
        "file": str(path.relative_to(root)) + suffix,
        "kind": kind,
        "status": doc.status.value,
        **_summary_values(doc, values),
        "findings": dict(sorted(Counter(f.code for f in doc.findings).items())),
        "errors": [e.reason for e in doc.errors],
        "seconds": round(sum(doc.timings.values()), 3),
    }
    if truth_doc is not None:
        comparison = compare_truth(values, truth_doc, row["file"], kind)
        row["fields_right"] = sum(ok for ok, _, _ in comparison.fields.values())
        row["fields_total"] = len(comparison.fields)
        row["key_right"], row["key_total"] = _key_score(comparison, truth_doc["doc_type"] or doc.doc_type)
        row["wrong"] = {k: {"got": g, "want": w} for k, (g, w) in comparison.wrong.items()}
    return row


def _summary_table(rows: list[dict[str, Any]], docs: list[Document]) -> Table:
    table = Table(header_style="bold", title="samples", title_justify="left")
    for column in ("file", "kind", "status", *SUMMARY_FIELDS, "findings", "fields"):
        justify = "right" if column in {"amount", "fields"} else "left"
        table.add_column(column, justify=justify, overflow="fold")
    for row, doc in zip(rows, docs, strict=True):
        status = Text(row["status"], style=STATUS_STYLE[doc.status])
        score = f"{row['fields_right']}/{row['fields_total']}" if "fields_total" in row else ""
        values = [row[name] or "" for name in SUMMARY_FIELDS]
        findings = _finding_counts(doc) or ", ".join(row["errors"])
        table.add_row(row["file"], row["kind"], status, *values, findings, score)
    return table


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    scored = [r for r in rows if "fields_total" in r]
    right, total = sum(r["fields_right"] for r in scored), sum(r["fields_total"] for r in scored)
    key_right, key_total = sum(r["key_right"] for r in scored), sum(r["key_total"] for r in scored)
    return {
        "documents": len(rows),
        "with_truth": len(scored),
        "status": dict(sorted(Counter(r["status"] for r in rows).items())),
        "fields_right": right,
        "fields_total": total,
        "field_accuracy": round(right / total, 4) if total else None,
        "key_fields_right": key_right,
        "key_fields_total": key_total,
        "key_field_accuracy": round(key_right / key_total, 4) if key_total else None,
    }


def _accuracy_line(totals: dict[str, Any]) -> str:
    line = f"{totals['documents']} documents, status {totals['status']}"
    if totals["fields_total"]:
        line += (
            f"; all fields {totals['fields_right']}/{totals['fields_total']} ({totals['field_accuracy']:.1%})"
            f", key fields {totals['key_fields_right']}/{totals['key_fields_total']}"
            f" ({totals['key_field_accuracy']:.1%})"
        )
    return line


@app.command("run-samples")
def run_samples(
    samples_dir: Annotated[Path | None, typer.Option("--samples", help="Samples directory.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Directory for per-document JSON and summary.json.")] = Path(
        "docintel-output"
    ),
    engine: Annotated[str | None, typer.Option(help="OCR engine: rapidocr or paddle.")] = None,
) -> None:
    """Extract and verify every bundled sample; compare with its truth JSON where one exists."""
    root = samples_dir or _default_samples()
    _check_paths([root])
    options = _read_options(engine)
    cases = cli_verify.case_folders(root / "cases") if (root / "cases").is_dir() else []
    # A case folder's documents are read with their case below, not as loose samples.
    files = [
        f
        for f in expand_paths([root])
        if f.suffix != ".py" and "__pycache__" not in f.parts and not any(f.is_relative_to(c) for c in cases)
    ]
    started = time.perf_counter()
    pairs = process_all(files, options, show_progress=True)
    docs = [doc for _, doc in pairs]
    rows = [_sample_row(path, root, doc) for path, doc in pairs]
    out.mkdir(parents=True, exist_ok=True)
    for path, doc in pairs:
        suffix = f".part{doc.part}" if doc.part > 1 else ""
        target = out / f"{path.relative_to(root)}{suffix}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_dump(document_json(doc)) + "\n", encoding="utf-8")
    totals = _totals(rows) | {"seconds": round(time.perf_counter() - started, 2)}
    (out / "summary.json").write_text(_dump({"totals": totals, "documents": rows}) + "\n", encoding="utf-8")
    out_console.print(_summary_table(rows, docs))
    out_console.print(_accuracy_line(totals))
    if cases:
        case_rows = cli_verify.summarise_cases(cases, out_console)
        (out / "cases.json").write_text(_dump(case_rows) + "\n", encoding="utf-8")
    out_console.print(f"JSON written to {out}/")


from docintel import cli_store  # noqa: E402  (registers ingest/cases/case/findings/export/worker)

cli_store.register(app)

from docintel import cli_api  # noqa: E402  (registers serve and users)

cli_api.register(app)

from docintel import cli_verify  # noqa: E402  (registers verify)

cli_verify.register(app)

if __name__ == "__main__":
    app()

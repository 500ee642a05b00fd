"""Field accuracy and seconds per page, per document type and source kind, on real and sample documents.

    python benchmarks/extraction_accuracy.py [--types vat_invoice,bank_receipt,...] [--fields] [--markdown]
                                              [--json OUT] [--realdata DIR] [--engine rapidocr|paddle]

Real documents: every labelled file of realdata (labels/ there, plus our own labels in tests/data/labels),
its source kind from MANIFEST.tsv. Samples: every file under samples/{invoices,contracts,receipts,statements}
with a truth JSON beside it, its source kind from the truth's `sample.source_kind`. Each logical document
`process_file` returns is compared, in order, with the truth's documents (`docintel.evaluation`): exact
after normalising whitespace and full/half-width punctuation, amounts as decimals. Prints a summary per
(type, source kind), optionally per-field accuracy, and every wrong value so regressions have names.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from docintel.evaluation import KEY_FIELDS_BY_TYPE, compare_truth, truth_documents
from docintel.model import Document, Origin
from docintel.pipeline import process_file
from docintel.readers import ReadOptions
from models.ocr import get_engine

REPO = Path(__file__).resolve().parents[1]
DEFAULT_REALDATA = Path(os.environ.get("DOCINTEL_REALDATA", REPO.parent / "shared" / "realdata"))
SAMPLE_DIRS = ("invoices", "contracts", "receipts", "statements")
OWN_LABELS = REPO / "tests" / "data" / "labels"


@dataclass
class Case:
    path: Path
    truth: Any
    origin: str  # "real" | "sample"
    kind: str  # source kind: digital_pdf, ofd, scan, photo, screenshot, ...


@dataclass
class Tally:
    documents: int = 0
    right: int = 0
    total: int = 0
    key_right: int = 0
    key_total: int = 0
    ocr_seconds: list[float] = field(default_factory=list)
    digital_seconds: list[float] = field(default_factory=list)
    per_field: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))


def real_cases(realdata: Path) -> list[Case]:
    manifest = realdata / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as fh:
        rows = {r["file"]: r for r in csv.DictReader(fh, delimiter="\t")}
    cases = []
    for name, row in sorted(rows.items()):
        label = next(
            (d / f"{name}.json" for d in (realdata / "labels", OWN_LABELS) if (d / f"{name}.json").exists()), None
        )
        if label is None:
            continue
        suffix = Path(name).suffix.lower()
        kind = "ofd" if suffix == ".ofd" else "pdf" if suffix == ".pdf" else f"image-{row['digital_or_scanned']}"
        cases.append(Case(realdata / "files" / name, json.loads(label.read_text("utf-8")), "real", kind))
    return cases


def sample_cases() -> list[Case]:
    cases = []
    for folder in SAMPLE_DIRS:
        for truth_path in sorted((REPO / "samples" / folder).glob("*.json")):
            sources = [p for p in truth_path.parent.glob(f"{truth_path.stem}.*") if p.suffix != ".json"]
            if not sources:
                continue
            truth = json.loads(truth_path.read_text("utf-8"))
            meta = truth[0]["sample"] if isinstance(truth, list) else truth.get("sample", {})
            cases.append(Case(sources[0], truth, "sample", meta.get("source_kind", "unknown")))
    return cases


def score(case: Case, docs: list[Document], tallies: dict[tuple[str, str], Tally], wrong: list[tuple]) -> None:
    truths = truth_documents(case.truth)
    for index, truth_doc in enumerate(truths):
        doc_type = truth_doc["doc_type"] or "vat_invoice"
        tally = tallies[(doc_type, f"{case.origin}/{case.kind}")]
        tally.documents += 1
        doc = docs[index] if index < len(docs) else None
        values = doc.values() if doc is not None else {}
        comparison = compare_truth(values, truth_doc, str(case.path), case.kind)
        keys = KEY_FIELDS_BY_TYPE.get(doc_type, ())
        for name, (ok, got, want) in comparison.fields.items():
            tally.total += 1
            tally.right += ok
            base = name.split("].", 1)[-1] if name.startswith("items[") else name
            tally.per_field[f"items.{base}" if name.startswith("items[") else base][0] += ok
            tally.per_field[f"items.{base}" if name.startswith("items[") else base][1] += 1
            if name in keys:
                tally.key_total += 1
                tally.key_right += ok
            if not ok:
                wrong.append((case.path.name, doc_type, name, got, want))
        if doc is not None:
            seconds = sum(v for k, v in doc.timings.items() if k in ("read", "qr", "extract", "fuse", "check"))
            pages = max(len(doc.pages), 1)
            target = tally.ocr_seconds if any(p.text_source is Origin.OCR for p in doc.pages) else tally.digital_seconds
            target.append(seconds / pages)


def mean(values: list[float]) -> str:
    return f"{sum(values) / len(values):.3f}" if values else "—"


def pct(right: int, total: int) -> str:
    return f"{100 * right / total:.1f}% ({right}/{total})" if total else "—"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA)
    parser.add_argument("--types", default="", help="comma-separated document types to include (default: all)")
    parser.add_argument("--engine", default=None)
    parser.add_argument("--fields", action="store_true", help="also print per-field accuracy")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    console = Console(width=220 if not sys.stdout.isatty() else None)
    get_engine(args.engine)  # load once, outside the timings
    options = ReadOptions(ocr_engine=args.engine)
    wanted = {t for t in args.types.split(",") if t}
    tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
    wrong: list[tuple] = []
    for case in real_cases(args.realdata) + sample_cases():
        types = {d["doc_type"] or "vat_invoice" for d in truth_documents(case.truth)}
        if wanted and not types & wanted:
            continue
        score(case, process_file(case.path, options), tallies, wrong)
    rows = [
        (
            t,
            k,
            x.documents,
            pct(x.right, x.total),
            pct(x.key_right, x.key_total),
            mean(x.ocr_seconds),
            mean(x.digital_seconds),
        )
        for (t, k), x in sorted(tallies.items())
    ]
    header = ("type", "source", "docs", "all fields", "key fields", "s/page OCR", "s/page digital")
    if args.markdown:
        print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(str(c) for c in row) + " |")
    else:
        table = Table(*header, title="extraction accuracy")
        for row in rows:
            table.add_row(*(str(c) for c in row))
        console.print(table)
    if args.fields:
        table = Table("type", "field", "accuracy", title="per field")
        for (doc_type, _), tally in sorted(tallies.items()):
            for name, (right, total) in sorted(tally.per_field.items()):
                table.add_row(doc_type, name, pct(right, total))
        console.print(table)
    table = Table("file", "type", "field", "got", "want", title=f"{len(wrong)} wrong values")
    for row in wrong:
        table.add_row(*(str(c) for c in row))
    console.print(table)
    if args.json:
        args.json.write_text(
            json.dumps(
                {"summary": [dict(zip(header, r, strict=True)) for r in rows], "wrong": wrong},
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )


if __name__ == "__main__":
    main()

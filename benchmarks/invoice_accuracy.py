"""Field accuracy and speed of invoice extraction on labelled real documents and generated samples.

    python benchmarks/invoice_accuracy.py [--realdata DIR] [--samples DIR] [--engine rapidocr]
                                          [--json OUT] [--markdown]

Real documents come from realdata/MANIFEST.tsv (those with a label in realdata/labels), their source
kind from the manifest's `digital_or_scanned` column and the file type; generated samples are the
files under samples/ with a truth JSON beside them, their kind from the truth's `sample.source_kind`.
Each document is compared with `docintel.evaluation.compare`. Prints per-field accuracy by source
kind, a per-kind summary (accuracy, key-field accuracy, seconds per OCR'd and per digital page) and
every wrong value, so a regression shows as a named line, not just a lower percentage.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from docintel.evaluation import ITEM_SCORED, KEY_FIELDS, SCORED_FIELDS, Comparison, compare, load_label
from docintel.model import Document, Origin
from docintel.pipeline import process_file
from docintel.readers import ReadOptions

REPO = Path(__file__).resolve().parents[1]
DEFAULT_REALDATA = Path(os.environ.get("DOCINTEL_REALDATA", REPO.parent / "shared" / "realdata"))
DEFAULT_SAMPLES = REPO / "samples" / "invoices"
ROW_FIELDS = (*SCORED_FIELDS, *(f"items.{name}" for name in ITEM_SCORED), "items.count")
_ITEM_INDEX = re.compile(r"^items\[\d+\]\.")


@dataclass(frozen=True)
class Case:
    """One labelled document: where it is, its truth and the source kind it is scored under."""

    path: Path
    name: str  # shown in tables: path relative to realdata/files or to the samples dir
    kind: str
    label: dict[str, Any]


@dataclass
class Result:
    case: Case
    comparison: Comparison
    status: str
    seconds: float
    ocr_pages: int
    digital_pages: int
    errors: list[str]


# ---------------------------------------------------------------- collecting cases


def _real_kind(row: dict[str, str]) -> str:
    """Manifest's digital/scanned/photo/screenshot plus the file type: real/pdf, real/ofd, real/image-photo..."""
    suffix = Path(row["file"]).suffix.lower().lstrip(".")
    if row["digital_or_scanned"] == "digital" and suffix in {"pdf", "ofd", "xml"}:
        return f"real/{suffix}"
    return f"real/image-{row['digital_or_scanned']}"


def real_cases(realdata: Path) -> list[Case]:
    manifest = realdata / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    cases = []
    for row in rows:
        label = realdata / "labels" / f"{row['file']}.json"
        if label.exists():
            cases.append(Case(realdata / "files" / row["file"], row["file"], _real_kind(row), load_label(label)))
    return cases


def sample_cases(samples: Path) -> list[Case]:
    cases = []
    for truth in sorted(samples.rglob("*.json")):
        sources = sorted(p for p in truth.parent.glob(f"{truth.stem}.*") if p.suffix.lower() != ".json")
        if not sources:
            continue
        label = load_label(truth)
        kind = (label.get("sample") or {}).get("source_kind", sources[0].suffix.lstrip("."))
        cases.append(Case(sources[0], str(sources[0].relative_to(samples)), f"sample/{kind}", label))
    return cases


# ---------------------------------------------------------------- running


def _page_counts(doc: Document) -> tuple[int, int]:
    ocr = sum(1 for p in doc.pages if p.text_source is Origin.OCR)
    return ocr, len(doc.pages) - ocr


def run_case(case: Case, options: ReadOptions) -> Result:
    doc = process_file(case.path, options)[0]  # each labelled file holds one invoice
    ocr_pages, digital_pages = _page_counts(doc)
    return Result(
        case=case,
        comparison=compare(doc.values(), case.label, case.name, case.kind),
        status=doc.status.value,
        seconds=sum(doc.timings.values()),  # the pipeline's own stage timings
        ocr_pages=ocr_pages,
        digital_pages=digital_pages,
        errors=[f"{e.stage}:{e.reason}" for e in doc.errors],
    )


def warm_up(engine: str | None) -> None:
    # Loading the ONNX sessions takes about a second; charge it to nobody's page time.
    from models.ocr import get_engine

    get_engine(engine)


# ---------------------------------------------------------------- aggregating


def _row_name(field: str) -> str:
    return _ITEM_INDEX.sub("items.", field)


def _pct(right: int, total: int) -> str:
    return f"{right / total:.1%} ({right}/{total})" if total else "—"


def field_accuracy(results: list[Result], kinds: list[str]) -> tuple[list[str], list[list[str]]]:
    """Rows: scored fields (items.* pooled over item positions); columns: each kind, then all."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        for field, (ok, _, _) in r.comparison.fields.items():
            for column in (r.case.kind, "all"):
                cell = counts[(_row_name(field), column)]
                cell[0] += ok
                cell[1] += 1
    columns = [*kinds, "all"]
    rows = [[field, *(_pct(*counts.get((field, c), [0, 0])) for c in columns)] for field in ROW_FIELDS]
    return ["field", *columns], rows


def _seconds_per_page(results: list[Result], ocr: bool) -> str:
    # A document's time is split over its pages; pages are pooled by how their text was obtained.
    seconds = pages = 0.0
    for r in results:
        total_pages = r.ocr_pages + r.digital_pages
        these = r.ocr_pages if ocr else r.digital_pages
        if total_pages and these:
            seconds += r.seconds * these / total_pages
            pages += these
    return f"{seconds / pages:.3f}" if pages else "—"


def _score(results: list[Result], keys_only: bool) -> tuple[int, int]:
    right = total = 0
    for r in results:
        for field, (ok, _, _) in r.comparison.fields.items():
            if not keys_only or field in KEY_FIELDS:
                right += ok
                total += 1
    return right, total


def kind_summary(results: list[Result], kinds: list[str]) -> tuple[list[str], list[list[str]]]:
    header = ["source kind", "docs", "failed", "all fields", "key fields", "s/page OCR", "s/page digital"]
    rows = []
    for kind in [*kinds, "all"]:
        group = [r for r in results if kind in {"all", r.case.kind}]
        rows.append(
            [
                kind,
                str(len(group)),
                str(sum(r.status == "failure" for r in group)),
                _pct(*_score(group, keys_only=False)),
                _pct(*_score(group, keys_only=True)),
                _seconds_per_page(group, ocr=True),
                _seconds_per_page(group, ocr=False),
            ]
        )
    return header, rows


def wrong_values(results: list[Result]) -> list[list[str]]:
    return [
        [r.case.name, field, "null" if got is None else str(got), "null" if want is None else str(want)]
        for r in results
        for field, (got, want) in r.comparison.wrong.items()
    ]


# ---------------------------------------------------------------- output


def rich_table(title: str, header: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for i, column in enumerate(header):
        table.add_column(column, justify="left" if i == 0 else "right", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def to_json(results: list[Result], summary: tuple[list[str], list[list[str]]]) -> dict[str, Any]:
    header, rows = summary
    return {
        "summary": [dict(zip(header, row, strict=True)) for row in rows],
        "documents": [
            {
                "file": r.case.name,
                "kind": r.case.kind,
                "status": r.status,
                "seconds": round(r.seconds, 3),
                "ocr_pages": r.ocr_pages,
                "digital_pages": r.digital_pages,
                "errors": r.errors,
                "fields": {
                    k: {"ok": ok, "got": got, "want": want} for k, (ok, got, want) in r.comparison.fields.items()
                },
            }
            for r in results
        ],
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA)
    parser.add_argument("--samples", type=Path, default=DEFAULT_SAMPLES)
    parser.add_argument("--engine", default=None, help="OCR engine (default: DOCINTEL_OCR_ENGINE or rapidocr)")
    parser.add_argument("--json", type=Path, default=None, dest="json_out", help="write per-document results here")
    parser.add_argument("--markdown", action="store_true", help="also print the summary tables as Markdown")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Redirected output gets Rich's 80-column default, which folds the ten-column table into noise.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 220)
    cases = sorted(real_cases(args.realdata) + sample_cases(args.samples), key=lambda c: (c.kind, c.name))
    if not cases:
        console.print(f"no labelled documents under {args.realdata} or {args.samples}")
        return 0
    options = ReadOptions(ocr_engine=args.engine)
    warm_up(args.engine)
    results = []
    with Console(stderr=True).status("") as status:
        for i, case in enumerate(cases, 1):
            status.update(f"[{i}/{len(cases)}] {case.name}")
            results.append(run_case(case, options))

    kinds = sorted({c.kind for c in cases})
    fields = field_accuracy(results, kinds)
    summary = kind_summary(results, kinds)
    console.print(rich_table("Field accuracy by source kind", *fields))
    console.print(rich_table("Summary by source kind", *summary))
    wrong = wrong_values(results)
    console.print(rich_table(f"Wrong values ({len(wrong)})", ["file", "field", "got", "want"], wrong))
    failed = [[r.case.name, ", ".join(r.errors)] for r in results if r.errors]
    if failed:
        console.print(rich_table("Processing errors", ["file", "errors"], failed))
    if args.markdown:
        print("\n" + markdown_table(*summary) + "\n\n" + markdown_table(*fields))
    if args.json_out:
        args.json_out.write_text(json.dumps(to_json(results, summary), ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

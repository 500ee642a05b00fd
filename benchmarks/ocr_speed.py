"""Seconds per page by OCR engine, and per digital page, on the same documents.

    python benchmarks/ocr_speed.py [--engine rapidocr|paddle ...] [--repeat 2] [--realdata DIR]

Scanned pages: the real invoice photos/scans (labelled, not the screenshots) and the generated scans
in samples/invoices; digital pages: the real text-layer PDF and the generated PDFs. Each document
goes through the whole pipeline (`process_file`); the first document of each engine is a warm-up
(engine loading is a once-per-worker cost, reported separately). Threads follow
DOCINTEL_OCR_THREADS (default: all cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from docintel.pipeline import process_file
from docintel.readers import ReadOptions
from models.ocr import get_engine

REPO = Path(__file__).resolve().parents[1]
REALDATA = Path(os.environ.get("DOCINTEL_REALDATA", REPO.parent / "shared" / "realdata"))
SAMPLES = REPO / "samples" / "invoices"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}


def scanned_files() -> list[Path]:
    real = sorted(
        p for p in (REALDATA / "files").rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and "-test." not in p.name
    )
    real = [p for p in real if "invoice" in str(p)]
    return real + sorted(p for p in SAMPLES.glob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def digital_files() -> list[Path]:
    real = sorted((REALDATA / "files").rglob("*.pdf"))
    return real + sorted(SAMPLES.glob("*.pdf"))


def seconds_per_page(files: list[Path], options: ReadOptions, repeat: int) -> tuple[float, float, int]:
    """Median and mean seconds per page over `repeat` passes, and the page count of one pass."""
    per_page: list[float] = []
    pages = 0
    for _ in range(repeat):
        pages = 0
        for path in files:
            started = time.perf_counter()
            docs = process_file(path, options)
            elapsed = time.perf_counter() - started
            count = len({(d.source.sha256, p.number) for d in docs for p in d.pages}) or 1
            pages += count
            per_page.extend([elapsed / count] * count)
    return statistics.median(per_page), statistics.fmean(per_page), pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", action="append", default=None, help="rapidocr (default) and/or paddle")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    console = Console(width=160)
    table = Table(
        title=f"seconds per page ({os.cpu_count()} cores, threads={os.environ.get('DOCINTEL_OCR_THREADS', 'all')})"
    )
    for column in ("engine", "pages", "kind", "load s", "median s/page", "mean s/page", "pages/s"):
        table.add_column(column, justify="left" if column in ("engine", "kind") else "right")
    scanned = scanned_files()
    for engine in args.engine or ["rapidocr"]:
        started = time.perf_counter()
        get_engine(engine)
        load = time.perf_counter() - started
        options = ReadOptions(ocr_engine=engine)
        process_file(scanned[0], options)  # warm-up: first inference allocates the arenas
        median, mean, pages = seconds_per_page(scanned, options, args.repeat)
        table.add_row(engine, str(pages), "scanned", f"{load:.2f}", f"{median:.2f}", f"{mean:.2f}", f"{1 / mean:.2f}")
    digital = digital_files()
    process_file(digital[0])
    median, mean, pages = seconds_per_page(digital, ReadOptions(), args.repeat)
    table.add_row(
        "(none)", str(pages), "digital (text layer + QR)", "", f"{median:.3f}", f"{mean:.3f}", f"{1 / mean:.1f}"
    )
    median, mean, pages = seconds_per_page(digital, ReadOptions(decode_qr=False), args.repeat)
    table.add_row(
        "(none)", str(pages), "digital (text layer only)", "", f"{median:.3f}", f"{mean:.3f}", f"{1 / mean:.1f}"
    )
    console.print(table)


if __name__ == "__main__":
    main()

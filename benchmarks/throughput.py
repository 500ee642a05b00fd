"""Pages per second through docintel, 1 and 2 workers, against the stock RapidOCR call, in one run.

    python benchmarks/throughput.py [--quick] [--markdown] [--realdata DIR]

Page sets (the labelled documents of benchmarks/extraction_accuracy.py, so accuracy can be scored):
- scanned: every labelled image and scanned PDF — real invoice photos and scans (not the screenshots),
  generated scans and photos of invoices, contracts, statements and receipts;
- digital: every labelled text-layer PDF, real and generated.

Rows:
1. docintel, digital / scanned, 1 and 2 workers: the whole pipeline (read, QR, classify, extract, checks)
   on a process pool configured as `docintel ingest` configures it (spawn; ONNX threads = cores ÷
   workers; one engine per worker). Engine loading and a first inference happen before the clock starts
   (printed separately); pages/s = pages ÷ wall time of the whole set.
2. stock RapidOCR call: `RapidOCR()(path)` with the package defaults (its own detection size, the
   angle classifier on, all cores) on the same scanned files, one process, reading text only. It reads
   the first frame of a multi-page TIFF, so its pages are counted that way.
3. field accuracy on the scanned set, both ways: our pipeline as configured, and our same extractors fed
   by the stock call (an engine that runs `RapidOCR()` with defaults on each page) — "equal accuracy".
Paddle's stock pipeline is reported as not installed unless `paddleocr` imports.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction_accuracy import DEFAULT_REALDATA, Case, Tally, real_cases, sample_cases, score

from docintel.pipeline import process_file
from models.ocr.base import OcrEngine, OcrLine

SCANNED_KINDS = {"scan", "photo", "image-scanned", "image-photo"}
DIGITAL_KINDS = {"digital_pdf", "pdf"}


def page_sets(realdata: Path, quick: bool) -> tuple[list[Case], list[Case]]:
    cases = real_cases(realdata) + sample_cases()
    scanned = [c for c in cases if c.kind in SCANNED_KINDS]
    digital = [c for c in cases if c.kind in DIGITAL_KINDS]
    if quick:
        scanned, digital = scanned[::3], digital[::3]
    return scanned, digital


# --------------------------------------------------------------------------- docintel on a process pool


def _init_worker(threads: int) -> None:
    os.environ["DOCINTEL_OCR_THREADS"] = str(threads)


def _warm_up(_: int) -> float:
    from models.ocr import get_engine

    started = time.perf_counter()
    engine = get_engine()
    engine.read(np.full((64, 256, 3), 255, dtype=np.uint8))  # first inference allocates the arenas
    time.sleep(0.5)  # hold this worker so each warm-up lands on a different one
    return time.perf_counter() - started - 0.5


def _process(path: str) -> int:
    documents = process_file(path)
    return len({n for d in documents for n in d.page_numbers}) or 1


def pool_run(files: list[Path], workers: int) -> tuple[int, float, float]:
    """(pages, wall seconds, engine load seconds) for the whole set on a pool of `workers`."""
    cores = os.cpu_count() or 1
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_init_worker,
        initargs=(max(1, cores // workers),),
    ) as pool:
        loads = [f.result() for f in [pool.submit(_warm_up, i) for i in range(workers)]]
        started = time.perf_counter()
        futures = [pool.submit(_process, str(p)) for p in files]
        wait(futures)
        wall = time.perf_counter() - started
    return sum(f.result() for f in futures), wall, max(loads)


# --------------------------------------------------------------------------- the stock call


def stock_inputs(files: list[Path]) -> list[str | np.ndarray]:
    """What the stock call is given: image paths as they are; scanned PDFs rendered at the 200 dpi our
    reader renders them at (the stock call reads images only; rendering is not timed)."""
    import pypdfium2 as pdfium

    inputs: list[str | np.ndarray] = []
    for path in files:
        if path.suffix.lower() != ".pdf":
            inputs.append(str(path))
            continue
        pdf = pdfium.PdfDocument(path.read_bytes())
        try:
            for page in pdf:
                rgb = np.asarray(page.render(scale=200 / 72).to_pil().convert("RGB"))
                inputs.append(np.ascontiguousarray(rgb[:, :, ::-1]))
        finally:
            pdf.close()
    return inputs


def stock_run(files: list[Path]) -> tuple[int, float]:
    from rapidocr import RapidOCR

    engine = RapidOCR(params={"Global.log_level": "warning"})
    engine(np.full((64, 256, 3), 255, dtype=np.uint8))
    inputs = stock_inputs(files)
    started = time.perf_counter()
    for item in inputs:
        engine(item)
    return len(inputs), time.perf_counter() - started


class StockRapidOcr(OcrEngine):
    """Our extractors fed by the stock call: RapidOCR with its defaults reads each page in one call."""

    kind = "rapidocr-stock"

    def __init__(self) -> None:
        from rapidocr import RapidOCR

        self._ocr = RapidOCR(params={"Global.log_level": "warning"})

    def read(self, image: np.ndarray) -> list[OcrLine]:
        # rapidocr keeps per-call flags as state: name all three, or a detect() call leaves rec off.
        result = self._ocr(image[:, :, ::-1].copy(), use_det=True, use_cls=True, use_rec=True)
        if getattr(result, "txts", None) is None or result.boxes is None:
            return []
        lines = zip(result.boxes, result.txts, result.scores, strict=False)
        return [OcrLine(np.asarray(b, dtype=float), str(t), float(s)) for b, t, s in lines]

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        result = self._ocr(image[:, :, ::-1].copy(), use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(result, "boxes", None)
        return [] if boxes is None else [np.asarray(b, dtype=float) for b in boxes]

    def upside_down_votes(self, image: np.ndarray, polygons: list[np.ndarray]) -> tuple[int, int]:
        return 0, 0  # the stock call's own per-line classifier turns upside-down lines


def accuracy(cases: list[Case], engine: OcrEngine | None = None) -> tuple[int, int, int, int]:
    """(right, total, key right, key total) over the cases, with `engine` in place of the default."""
    import models.ocr as ocr

    saved = dict(ocr._engines)
    if engine is not None:
        ocr._engines["rapidocr"] = engine
    try:
        tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
        for case in cases:
            score(case, process_file(case.path), tallies, [])
    finally:
        ocr._engines.clear()
        ocr._engines.update(saved)
    return (
        sum(t.right for t in tallies.values()),
        sum(t.total for t in tallies.values()),
        sum(t.key_right for t in tallies.values()),
        sum(t.key_total for t in tallies.values()),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA)
    parser.add_argument("--quick", action="store_true", help="a third of each set")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--digital-only", action="store_true", help="only the digital rows")
    parser.add_argument("--accuracy-only", action="store_true", help="only the accuracy comparison")
    args = parser.parse_args()
    scanned, digital = page_sets(args.realdata, args.quick)
    cores = os.cpu_count() or 1
    rows: list[tuple[str, str, str, str, str, str]] = []
    per_page: dict[str, float] = {}
    if args.accuracy_only:
        for name, engine in (("docintel", None), ("stock call", StockRapidOcr())):
            right, total, key_right, key_total = accuracy(scanned, engine)
            print(f"{name}: {right}/{total} ({100 * right / total:.1f}%), key {key_right}/{key_total}")
        return
    if args.digital_only:
        for workers in (1, 2):
            pages, wall, _ = pool_run([c.path for c in digital], workers)
            print(f"digital, {workers} worker(s): {pages} pages, {pages / wall:.2f} pages/s, {wall / pages:.3f} s/page")
        return
    for label, cases in (("digital", digital), ("scanned", scanned)):
        for workers in (1, 2):
            pages, wall, load = pool_run([c.path for c in cases], workers)
            per_page[f"{label}-{workers}"] = wall / pages
            rows.append(
                (f"docintel, {label}", str(workers), str(pages), f"{pages / wall:.2f}", f"{wall / pages:.3f}",
                 f"engine load {load:.1f} s; {pages / wall / workers:.1f} pages/s per worker")
            )  # fmt: skip
            print(" | ".join(rows[-1]), file=sys.stderr, flush=True)  # progress: a long run keeps what it has
    stock_pages, stock_wall = stock_run([c.path for c in scanned])
    per_page["stock"] = stock_wall / stock_pages
    rows.append(
        ("stock RapidOCR()(path)", "1 (all cores)", str(stock_pages), f"{stock_pages / stock_wall:.2f}",
         f"{stock_wall / stock_pages:.3f}", "text only: no extraction")
    )  # fmt: skip
    try:
        import paddleocr  # noqa: F401

        rows.append(("stock PaddleOCR", "—", "—", "—", "—", "installed but not measured here"))
    except ImportError:
        rows.append(("stock PaddleOCR", "—", "—", "—", "—", "not installed (extra `paddle`)"))
    ours = accuracy(scanned)
    stock = accuracy(scanned, StockRapidOcr())
    best = min(per_page["scanned-1"], per_page["scanned-2"])
    summary = [
        f"cores: {cores}; scanned files {len(scanned)}, digital files {len(digital)}",
        f"scanned: {per_page['stock'] / best:.2f}× the stock call's pages/s (best docintel row vs stock)",
        f"digital: {1 / per_page['digital-1']:.1f} pages/s per core with 1 worker (text pages use one core), "
        f"{1 / per_page['digital-2'] / 2:.1f} per core with 2 workers",
        f"field accuracy on the scanned set — docintel: {ours[0]}/{ours[1]} ({100 * ours[0] / ours[1]:.1f}%), "
        f"key {ours[2]}/{ours[3]}; stock call through our extractors: {stock[0]}/{stock[1]} "
        f"({100 * stock[0] / stock[1]:.1f}%), key {stock[2]}/{stock[3]}",
    ]
    header = ("pipeline", "workers", "pages", "pages/s", "s/page", "notes")
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
        print()
        for line in summary:
            print(f"- {line}")
        return
    table = Table(title="throughput", title_justify="left")
    for column in header:
        table.add_column(column, justify="right" if column in ("pages", "pages/s", "s/page") else "left")
    for row in rows:
        table.add_row(*row)
    console = Console()
    console.print(table)
    for line in summary:
        console.print(line)


if __name__ == "__main__":
    main()

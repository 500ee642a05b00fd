"""Case verification against the generated dossiers: per-code precision/recall and seconds per case.

    python benchmarks/verify_accuracy.py [--cases samples/cases] [--markdown] [--json OUT]

Every case folder (one with `expected_findings.json`, from `python -m samples.generate_dossiers`) is
read and extracted (`process_file` on each document), then all are verified together with one shared
invoice register, as `docintel verify` does, so an invoice reused across cases is caught. Findings are
compared with the expected ones as (code, rule) pairs per case (`docintel.verify.scoring`): findings of
severity info count only where the case expects that code. Prints precision and recall per code, each
case's misses and surprises, the findings on clean cases (expected: none) and the time per case
(reading, extraction and verification; the case verification itself is a few milliseconds).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from docintel.case import load_manifest
from docintel.cli_verify import case_folders, read_case
from docintel.verify import load_settings, verify_cases
from docintel.verify.scoring import CaseScore, CodeScore, load_expected, per_code, score_case

REPO = Path(__file__).resolve().parents[1]


def run(cases_root: Path) -> tuple[list[CaseScore], list[float], list[Path], float]:
    """Scores per case, seconds per case (read + extract), the folders, and seconds of verification."""
    folders = [f for f in case_folders(cases_root) if load_expected(f) is not None]
    cases, seconds = [], []
    for folder in folders:
        started = time.perf_counter()
        cases.append(read_case(folder, load_manifest(folder)))
        seconds.append(time.perf_counter() - started)
    started = time.perf_counter()
    reports = verify_cases(cases, load_settings())
    verify_seconds = time.perf_counter() - started
    scores = [score_case(r, load_expected(f) or []) for r, f in zip(reports, folders, strict=True)]
    return scores, seconds, folders, verify_seconds


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def code_rows(codes: dict[str, CodeScore]) -> list[list[str]]:
    return [
        [
            code,
            str(s.expected),
            str(s.true_positives + s.false_positives),
            _ratio(s.precision),
            f"{_ratio(s.recall)} ({s.expected_met}/{s.expected})" if s.expected else "—",
        ]
        for code, s in codes.items()
    ]


def totals(scores: list[CaseScore]) -> CodeScore:
    total = CodeScore()
    for tally in per_code(scores).values():
        total.true_positives += tally.true_positives
        total.false_positives += tally.false_positives
        total.expected += tally.expected
        total.expected_met += tally.expected_met
    return total


def clean_findings(scores: list[CaseScore]) -> list[tuple[str, str]]:
    """(case, code (rule)) of every counted finding on a case that expects none."""
    return [(s.case_id, f"{code} ({rule})") for s in scores if not s.expected for code, rule in s.actual]


def print_markdown(scores: list[CaseScore], seconds: list[float], verify_seconds: float) -> None:
    header = ["code", "expected", "raised", "precision", "recall"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in code_rows(per_code(scores)):
        print("| `" + row[0] + "` | " + " | ".join(row[1:]) + " |")
    total = totals(scores)
    print(
        f"| **all** | {total.expected} | {total.true_positives + total.false_positives} | "
        f"{_ratio(total.precision)} | {_ratio(total.recall)} ({total.expected_met}/{total.expected}) |"
    )
    clean = [s for s in scores if not s.expected]
    print()
    print(
        f"{len(scores)} dossiers ({len(clean)} clean), findings on clean dossiers: {len(clean_findings(scores))}; "
        f"{sum(seconds) / len(seconds):.2f} s per case to read and extract (median "
        f"{sorted(seconds)[len(seconds) // 2]:.2f} s, slowest {max(seconds):.2f} s), "
        f"{verify_seconds / len(scores) * 1000:.1f} ms per case to verify."
    )


def print_tables(scores: list[CaseScore], seconds: list[float], folders: list[Path], verify_seconds: float) -> None:
    console = Console(highlight=False)
    table = Table(title="per code", title_justify="left", header_style="bold")
    for column in ("code", "expected", "raised", "precision", "recall"):
        table.add_column(column, justify="left" if column == "code" else "right")
    for row in code_rows(per_code(scores)):
        table.add_row(*row)
    console.print(table)
    cases = Table(title="per case", title_justify="left", header_style="bold")
    for column in ("case", "seconds", "expected", "raised", "missed", "unexpected"):
        cases.add_column(column, overflow="fold")
    for score, spent, folder in zip(scores, seconds, folders, strict=True):
        cases.add_row(
            f"{folder.name} ({score.case_id})",
            f"{spent:.2f}",
            ", ".join(e.code for e in score.expected) or "—",
            ", ".join(f"{c} ({r})" for c, r in score.actual) or "—",
            ", ".join(f"{e.code} ({e.rule or 'any rule'})" for e in score.missed) or "",
            ", ".join(f"{c} ({r})" for c, r in score.unexpected) or "",
        )
    console.print(cases)
    total = totals(scores)
    clean = clean_findings(scores)
    console.print(
        f"all codes: precision {_ratio(total.precision)}, recall {_ratio(total.recall)} "
        f"({total.expected_met}/{total.expected}); findings on clean dossiers: {len(clean)}"
        + "".join(f"\n  {case}: {finding}" for case, finding in clean)
    )
    console.print(
        f"{sum(seconds) / len(seconds):.2f} s per case to read and extract (slowest {max(seconds):.2f} s); "
        f"{verify_seconds / len(scores) * 1000:.1f} ms per case to verify"
    )


def as_json(scores: list[CaseScore], seconds: list[float], folders: list[Path]) -> dict[str, Any]:
    return {
        "per_code": {
            code: {
                "expected": s.expected,
                "expected_met": s.expected_met,
                "true_positives": s.true_positives,
                "false_positives": s.false_positives,
                "precision": s.precision,
                "recall": s.recall,
            }
            for code, s in per_code(scores).items()
        },
        "cases": [
            {
                "folder": folder.name,
                "case_id": score.case_id,
                "seconds": round(spent, 3),
                "actual": [list(a) for a in score.actual],
                "missed": [{"code": e.code, "rule": e.rule} for e in score.missed],
                "unexpected": [list(u) for u in score.unexpected],
            }
            for score, spent, folder in zip(scores, seconds, folders, strict=True)
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=Path, default=REPO / "samples" / "cases", help="folder of case folders")
    parser.add_argument("--markdown", action="store_true", help="print the README table")
    parser.add_argument("--json", type=Path, help="write the scores as JSON")
    args = parser.parse_args(argv)
    scores, seconds, folders, verify_seconds = run(args.cases)
    if not scores:
        print(f"no case folder with expected_findings.json under {args.cases}", file=sys.stderr)
        return 2
    if args.markdown:
        print_markdown(scores, seconds, verify_seconds)
    else:
        print_tables(scores, seconds, folders, verify_seconds)
    if args.json:
        args.json.write_text(json.dumps(as_json(scores, seconds, folders), ensure_ascii=False, indent=2) + "\n")
    total = totals(scores)
    # Exit 1 below the target, so CI or a script can use the benchmark as a gate.
    on_target = total.recall == 1.0 and (total.precision or 0) >= 0.95 and not clean_findings(scores)
    return 0 if on_target else 1


if __name__ == "__main__":
    sys.exit(main())

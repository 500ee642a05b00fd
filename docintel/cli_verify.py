"""`docintel verify CASE_DIR...`: read, extract and verify each case folder across its documents."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from docintel.case import Case, CaseManifest, CaseManifestError, load_manifest
from docintel.model import Finding, Severity
from docintel.pipeline import process_file
from docintel.verify import CaseReport, SettingsError, load_settings, verify_cases
from docintel.verify.scoring import EXPECTED_NAME, CaseScore, load_expected, score_case

_SEVERITY_STYLE = {Severity.HIGH: "bold red", Severity.MEDIUM: "yellow", Severity.LOW: "cyan", Severity.INFO: "dim"}
_ORDER = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2, Severity.INFO: 3}
_NOT_DOCUMENTS = {"case.json", "case.toml", "expected_findings.json"}


def case_files(folder: Path) -> list[Path]:
    """The documents of a case folder: every file below it but the manifest and hidden files."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name not in _NOT_DOCUMENTS and not any(part.startswith(".") for part in p.parts)
    )


def verify(
    case_dirs: Annotated[list[Path], typer.Argument(help="Case folders (one loan each; case.json optional).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON on stdout.")] = False,
    settings_file: Annotated[Path | None, typer.Option("--settings", help="TOML overriding the thresholds.")] = None,
) -> None:
    """Read, extract and verify each case folder; cases verified together share one invoice register."""
    missing = [str(p) for p in case_dirs if not p.is_dir()]
    if missing:
        raise typer.BadParameter(f"not a folder: {', '.join(missing)}", param_hint="CASE_DIR")
    try:
        settings = load_settings(settings_file)
        manifests = {folder: load_manifest(folder) for folder in case_dirs}
    except (SettingsError, CaseManifestError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    cases = [read_case(folder, manifests[folder]) for folder in case_dirs]
    reports = verify_cases(cases, settings)
    if as_json:
        typer.echo(
            json.dumps([report_json(c, r) for c, r in zip(cases, reports, strict=True)], ensure_ascii=False, indent=2)
        )
        return
    console = Console()
    for case, report in zip(cases, reports, strict=True):
        print_report(console, case, report)


def read_case(folder: Path, manifest: CaseManifest | None) -> Case:
    """Read and extract every document of a case folder (the manifest is loaded by the caller)."""
    documents = [doc for path in case_files(folder) for doc in process_file(path)]
    return Case.from_documents(documents, manifest, folder=folder)


def report_json(case: Case, report: CaseReport) -> dict[str, Any]:
    return {
        "case_id": report.case_id,
        "folder": case.folder,
        "borrower": report.borrower.model_dump(mode="json") if report.borrower else None,
        "documents": [
            {"path": d.source.path, "part": d.part, "doc_type": d.doc_type, "status": d.status.value}
            for d in case.documents
        ],
        "case_findings": [f.model_dump(mode="json") for f in report.case_findings],
        "document_findings": [f.model_dump(mode="json") for f in report.document_findings],
        "not_run": [{"rule": n.rule, "reason": n.reason} for n in report.not_run],
    }


def print_report(console: Console, case: Case, report: CaseReport) -> None:
    console.rule(f"[bold]案件 {report.case_id}")
    borrower = report.borrower
    who = f"{borrower.name or '—'}（{borrower.tax_id or '无税号'}）— {borrower.description}" if borrower else "未能确定"
    console.print(Text(f"借款人：{who}"))
    counts = Counter(d.doc_type for d in case.documents)
    console.print(Text("文件：" + "，".join(f"{t} × {n}" for t, n in sorted(counts.items()))))
    table = Table(header_style="bold")
    for column in ("severity", "code", "说明", "依据"):
        # Fold, never cut: the explanation and both values are what an officer acts on.
        table.add_column(column, overflow="fold")
    for finding in sorted(report.findings, key=lambda f: _ORDER[f.severity]):
        table.add_row(
            Text(finding.severity.value, style=_SEVERITY_STYLE[finding.severity]),
            finding.code,
            finding.message,
            _evidence_text(finding),
        )
    console.print(table if report.findings else Text("无发现", style="green"))
    for not_run in report.not_run:
        console.print(Text(f"未核对 {not_run.rule}：{not_run.reason}", style="dim"))


def _evidence_text(finding: Finding) -> str:
    parts = []
    for item in finding.evidence[:3]:
        where = f" p{item.page}" if item.page else ""
        name = Path(item.document).name if item.document else ""
        parts.append(f"{name}{where} {item.field}={item.value}")
    return "\n".join(parts)


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)


# ---------------------------------------------------------------- the sample dossiers (run-samples)


def case_folders(root: Path) -> list[Path]:
    """The sub-folders of `root` that are case folders: those with a manifest or expected findings."""
    markers = ("case.json", "case.toml", EXPECTED_NAME)
    return sorted(p for p in root.iterdir() if p.is_dir() and any((p / m).is_file() for m in markers))


def _severity_counts(report: CaseReport) -> str:
    counts = Counter(f.severity for f in report.findings)
    return " · ".join(f"{s.value} {counts[s]}" for s in sorted(counts, key=_ORDER.__getitem__)) or "—"


def _expected_cell(score: CaseScore | None) -> Text:
    if score is None:
        return Text("—", style="dim")
    if score.ok:
        return Text(f"✓ {len(score.expected)}", style="green")
    parts = [f"missed {e.code}" + (f" ({e.rule})" if e.rule else "") for e in score.missed]
    parts += [f"unexpected {code} ({rule})" for code, rule in score.unexpected]
    return Text("; ".join(parts), style="bold red")


def summarise_cases(folders: list[Path], console: Console) -> list[dict[str, Any]]:
    """Read and verify the case folders together (one invoice register), print one row per case and
    compare each with its `expected_findings.json` where there is one. Returns the rows as JSON data."""
    settings = load_settings()
    cases, seconds = [], []
    for folder in folders:
        started = time.perf_counter()
        try:
            cases.append(read_case(folder, load_manifest(folder)))
        except CaseManifestError as exc:  # one bad manifest must not hide the other cases
            console.print(Text(f"{folder}: {exc}", style="bold red"))
            continue
        seconds.append(time.perf_counter() - started)
    reports = verify_cases(cases, settings)
    table = Table(header_style="bold", title="cases", title_justify="left")
    for column in ("case", "borrower", "documents", "findings", "codes", "expected"):
        table.add_column(column, overflow="fold")
    rows = []
    for case, report, spent in zip(cases, reports, seconds, strict=True):
        expected = load_expected(case.folder) if case.folder else None
        score = score_case(report, expected) if expected is not None else None
        borrower = report.borrower
        who = f"{borrower.name}（{borrower.method.value}）" if borrower else "未能确定"
        documents = Counter(d.doc_type for d in case.documents)
        codes = sorted({f.code for f in report.findings})
        table.add_row(
            f"{Path(case.folder or case.case_id).name}\n{case.case_id}",
            who,
            ", ".join(f"{t}×{n}" for t, n in sorted(documents.items())),
            _severity_counts(report),
            ", ".join(codes) or "—",
            _expected_cell(score),
        )
        rows.append(
            {
                "folder": case.folder,
                "seconds": round(spent, 2),
                **report_json(case, report),
                "expected_ok": None if score is None else score.ok,
                "missed": [] if score is None else [e.code for e in score.missed],
                "unexpected": [] if score is None else [list(u) for u in score.unexpected],
            }
        )
    console.print(table)
    if rows:
        scored = [r for r in rows if r["expected_ok"] is not None]
        line = f"{len(rows)} cases, {sum(seconds) / len(seconds):.1f} s per case (read, extract, verify)"
        if scored:
            line += f"; {sum(r['expected_ok'] for r in scored)}/{len(scored)} exactly as their expected_findings.json"
        console.print(line)
    return rows

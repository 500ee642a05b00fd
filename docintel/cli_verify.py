"""`docintel verify CASE_DIR...`: read, extract and verify each case folder across its documents."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from docintel.case import Case, CaseManifestError, load_manifest
from docintel.model import Finding, Severity
from docintel.pipeline import process_file
from docintel.verify import CaseReport, SettingsError, load_settings, verify_cases

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
    cases = []
    for folder in case_dirs:
        documents = [doc for path in case_files(folder) for doc in process_file(path)]
        cases.append(Case.from_documents(documents, manifests[folder], folder=folder))
    reports = verify_cases(cases, settings)
    if as_json:
        typer.echo(
            json.dumps([report_json(c, r) for c, r in zip(cases, reports, strict=True)], ensure_ascii=False, indent=2)
        )
        return
    console = Console()
    for case, report in zip(cases, reports, strict=True):
        print_report(console, case, report)


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

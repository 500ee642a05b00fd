"""Store commands: `ingest` an archive, browse `cases` / `case ID` / `findings`, `export` for officers, `worker`.

Registered onto the main Typer app by `docintel.cli`. As there: results on stdout, progress on stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from docintel.store import queries
from docintel.store.blobs import BlobStore
from docintel.store.db import get_engine

out_console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False)

SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold", justify="right" if column in {"count", "files", "docs"} else "left")
    return table


def print_report(report: dict[str, Any], console: Console) -> None:
    counts = _table("ingest", "what", "count")
    for key in ("files_found", "new", "new_versions", "resumed", "unchanged", "new_paths_known_content"):
        counts.add_row(key.replace("_", " "), str(report[key]))
    for key in ("processed", "pages_processed", "failed", "rejected"):
        counts.add_row(key.replace("_", " "), str(report[key]))
    counts.add_row("cases", str(len(report["cases"])))
    console.print(counts)
    if report["documents_by_type"]:
        types = _table("documents by type", "type", "count")
        for doc_type, n in report["documents_by_type"].items():
            types.add_row(doc_type, str(n))
        console.print(types)
    if report["findings"]:
        findings = _table("findings", "code", "severity", "count")
        for f in report["findings"]:
            findings.add_row(
                f["code"], Text(f["severity"], style=SEVERITY_STYLE.get(f["severity"], "")), str(f["count"])
            )
        console.print(findings)
    if report.get("case_summaries"):
        console.print(case_table(report["case_summaries"]))
    if report["errors_by_reason"]:
        errors = _table("errors by reason", "reason", "count")
        for reason, n in report["errors_by_reason"].items():
            errors.add_row(Text(reason, style="red"), str(n))
        console.print(errors)
    console.print(f"{report['new']} new, {report['unchanged']} unchanged, run {report['run_id']} {report['state']}")


def case_table(summaries: list[dict[str, Any]]) -> Table:
    table = _table("cases", "case", "docs", "findings", "case findings", "verified")
    for row in summaries:
        severities = Text()
        for severity, n in row["findings_by_severity"].items():
            severities.append(f"{severity} {n}  ", style=SEVERITY_STYLE.get(severity, ""))
        codes = ", ".join(f"{code}×{n}" if n > 1 else code for code, n in row["case_findings"].items())
        if row["verification_skipped"]:
            verified = "not a dossier"
        elif row["verified_in_this_run"]:
            verified = "now"
        else:
            verified = "earlier" if row["verified_at"] else "pending"
        table.add_row(row["case"], str(row["documents"]), severities, codes or "—", verified)
    return table


def ingest(
    archive: Annotated[Path, typer.Argument(help="Folder, zip archive or file to ingest.")],
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: all cores).")] = None,
    case_pattern: Annotated[
        str | None, typer.Option(help="Regex on the path with a named group 'case' (default: one case per folder).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run report as JSON on stdout.")] = False,
    celery: Annotated[
        bool, typer.Option("--celery", help="Enqueue on Celery workers instead of a local pool.")
    ] = False,
    branch: Annotated[
        str | None, typer.Option(help="File new cases under this branch (its officers see them; admins see all).")
    ] = None,
    settings_file: Annotated[
        Path | None, typer.Option("--settings", help="TOML overriding the case-verification thresholds.")
    ] = None,
) -> None:
    """Store, read, extract and check every file under ARCHIVE; unchanged files are not redone."""
    from docintel.ingest.progress import IngestProgress
    from docintel.ingest.report import build_report
    from docintel.ingest.runner import IngestOptions, celery_dispatch
    from docintel.ingest.runner import ingest as run_ingest

    if not archive.exists():
        raise typer.BadParameter(f"no such file or directory: {archive}", param_hint="ARCHIVE")
    if workers is not None and workers < 1:
        raise typer.BadParameter("must be at least 1", param_hint="--workers")
    from docintel.verify import SettingsError, load_settings

    try:
        settings = load_settings(settings_file)
    except SettingsError as exc:
        raise typer.BadParameter(str(exc), param_hint="--settings") from exc
    options = IngestOptions(workers=workers, case_pattern=case_pattern, settings=settings, branch=branch)
    try:
        from docintel.ingest.cases import CaseAssigner

        CaseAssigner(archive, case_pattern)
    except Exception as exc:  # re.error or a pattern without the 'case' group
        raise typer.BadParameter(str(exc), param_hint="--case-pattern") from exc
    engine = get_engine()
    dispatch = celery_dispatch(engine) if celery else None
    with IngestProgress(err_console, enabled=err_console.is_terminal) as progress:
        run_id = run_ingest(archive, engine, BlobStore(), options, progress, dispatch)
    report = build_report(engine, run_id)
    if as_json:
        typer.echo(_dump(report))
    else:
        print_report(report, out_console)


def cases(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the stored cases with their files, documents and findings."""
    rows = queries.case_summaries(get_engine())
    if as_json:
        typer.echo(_dump(rows))
        return
    table = _table("cases", "id", "key", "files", "docs", "findings")
    for r in rows:
        sev = ", ".join(f"{k} {v}" for k, v in r["findings_by_severity"].items())
        table.add_row(str(r["id"]), r["key"], str(r["files"]), str(r["documents"]), sev)
    out_console.print(table)


def case(
    case_ref: Annotated[str, typer.Argument(metavar="ID", help="Case id or key.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One case: its files, documents with key fields, and findings."""
    detail = queries.case_detail(get_engine(), case_ref)
    if detail is None:
        err_console.print(f"[red]no case {case_ref!r}[/red]")
        raise typer.Exit(1)
    if as_json:
        typer.echo(_dump(detail))
        return
    out_console.print(Text(f"case {detail['id']}  {detail['key']}", style="bold"))
    if detail["manifest"]:
        out_console.print(_dump(detail["manifest"]))
    docs = _table("documents", "id", "path", "type", "status", "invoice", "amount")
    for d in detail["documents"]:
        fields = d["fields"]
        number = fields.get("invoice_number") or ""
        docs.add_row(str(d["id"]), d["path"], d["doc_type"], d["status"], number, fields.get("amount_with_tax") or "")
    out_console.print(docs)
    _print_findings(detail["findings"])


def _print_findings(rows: list[dict[str, Any]]) -> None:
    table = _table("findings", "code", "severity", "document", "message")
    for f in rows:
        sev = Text(f["severity"], style=SEVERITY_STYLE.get(f["severity"], ""))
        table.add_row(f["code"], sev, f["path"] or f"case {f['case_key']}", f["message"])
    out_console.print(table)


def findings(
    code: Annotated[list[str] | None, typer.Option("--code", help="Only these codes (repeatable).")] = None,
    severity: Annotated[list[str] | None, typer.Option("--severity", help="Only these severities.")] = None,
    case_ref: Annotated[str | None, typer.Option("--case", help="Only this case (id or key).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Stored findings with their evidence, filtered by code, severity or case."""
    rows = queries.findings(get_engine(), codes=code, severities=severity, case_ref=case_ref)
    if as_json:
        typer.echo(_dump(rows))
    else:
        _print_findings(rows)


def export(
    fmt: Annotated[str, typer.Option("--format", help="xlsx, csv or json.")] = "xlsx",
    out: Annotated[Path | None, typer.Option("--out", help="Output file (default: findings.FORMAT).")] = None,
    code: Annotated[list[str] | None, typer.Option("--code")] = None,
    severity: Annotated[list[str] | None, typer.Option("--severity")] = None,
) -> None:
    """Write findings with their evidence for officers."""
    from docintel.store.export import EXPORTERS

    if fmt not in EXPORTERS:
        raise typer.BadParameter(f"unknown format {fmt!r}; use {', '.join(EXPORTERS)}", param_hint="--format")
    rows = queries.findings(get_engine(), codes=code, severities=severity)
    target = out or Path(f"findings.{fmt}")
    target.parent.mkdir(parents=True, exist_ok=True)
    EXPORTERS[fmt](rows, target)
    err_console.print(f"{len(rows)} findings written to {target}")


def worker(
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", help="Worker processes.")] = 1,
    pool: Annotated[str, typer.Option(help="Celery pool: prefork or solo.")] = "prefork",
    loglevel: Annotated[str, typer.Option()] = "INFO",
) -> None:
    """Run a Celery worker for `docintel ingest --celery` (DOCINTEL_BROKER_URL, shared store and blobs)."""
    from docintel.ingest.celery_app import QUEUE, app

    get_engine()  # migrate once here rather than racing in the first tasks
    app.worker_main(["worker", f"--concurrency={concurrency}", f"--pool={pool}", f"--loglevel={loglevel}", "-Q", QUEUE])
    sys.exit(0)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(cases)
    app.command()(case)
    app.command()(findings)
    app.command()(export)
    app.command()(worker)

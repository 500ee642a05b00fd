"""Findings with their evidence as files officers open: xlsx (openpyxl), csv (Excel-friendly) or json."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

COLUMNS = ("case_key", "path", "part", "doc_type", "code", "severity", "message", "rule", "threshold", "inputs")
EVIDENCE_COLUMN = "evidence"


def evidence_text(evidence: list[dict[str, Any]]) -> str:
    """One line per evidence item: field = value (page, box, origin), readable without tools."""
    lines = []
    for e in evidence:
        where = []
        if e.get("page") is not None:
            where.append(f"p{e['page']}")
        box = e.get("box")
        if box:
            where.append(f"[{box['x0']:.0f},{box['y0']:.0f},{box['x1']:.0f},{box['y1']:.0f}]")
        if e.get("origin"):
            where.append(str(e["origin"]))
        doc = f"{e['document']}: " if e.get("document") else ""
        lines.append(f"{doc}{e.get('field')} = {e.get('value')}" + (f" ({' '.join(where)})" if where else ""))
    return "\n".join(lines)


def _cells(row: dict[str, Any]) -> list[Any]:
    cells: list[Any] = []
    for column in COLUMNS:
        value = row.get(column)
        cells.append(json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value)
    return [*cells, evidence_text(row.get("evidence") or [])]


def write_xlsx(rows: list[dict[str, Any]], target: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "findings"
    sheet.append([*COLUMNS, EVIDENCE_COLUMN])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(_cells(row))
    wrap = Alignment(wrap_text=True, vertical="top")
    for column_cells in sheet.iter_cols(min_row=2):
        for cell in column_cells:
            cell.alignment = wrap
    widths = {"case_key": 24, "path": 50, "message": 60, "inputs": 40, EVIDENCE_COLUMN: 70}
    for index, name in enumerate([*COLUMNS, EVIDENCE_COLUMN], 1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = widths.get(name, 14)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    workbook.save(target)


def write_csv(rows: list[dict[str, Any]], target: Path) -> None:
    # utf-8-sig: Excel on Chinese Windows opens a BOM-less UTF-8 CSV as GBK and garbles it.
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*COLUMNS, EVIDENCE_COLUMN])
        writer.writerows(_cells(row) for row in rows)


def write_json(rows: list[dict[str, Any]], target: Path) -> None:
    target.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


EXPORTERS: dict[str, Callable[[list[dict[str, Any]], Path], None]] = {
    "xlsx": write_xlsx,
    "csv": write_csv,
    "json": write_json,
}

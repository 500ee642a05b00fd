"""Officer-ready case reports: a summary, the findings most severe first with their review state, and
the evidence snippets behind each (field = value, page, box), as xlsx (openpyxl) or PDF (reportlab).

Both are built from `CaseDetail`, the same object GET /cases/{id} returns, so a report never says
something the API does not.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from api.schemas import CaseDetail, StoredFinding
from docintel.store.export import evidence_text

CJK_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
SEVERITY_LABEL = {"high": "高", "medium": "中", "low": "低", "info": "提示"}
REVIEW_LABEL = {"unreviewed": "未复核", "confirmed": "确认", "dismissed": "排除", "needs_info": "需补充材料"}


def summary_rows(detail: CaseDetail) -> list[tuple[str, str]]:
    manifest = detail.manifest or {}
    payee = manifest.get("entrusted_payee") or {}
    rows = [
        ("案件编号", detail.key),
        ("借款人", str(manifest.get("borrower_name") or "")),
        ("借款人税号", str(manifest.get("borrower_tax_id") or "")),
        ("贷款金额", str(manifest.get("loan_amount") or "")),
        ("贷款用途", str(manifest.get("loan_purpose") or "")),
        ("放款日期", str(manifest.get("disbursement_date") or "")),
        ("受托支付对象", str(payee.get("name") or "") if isinstance(payee, dict) else ""),
        ("分行", detail.branch or ""),
        ("风险等级", detail.risk.value),
        ("处理状态", detail.status.value),
        ("文件 / 已读 / 失败", f"{detail.progress.files} / {detail.progress.done} / {detail.progress.failed}"),
        ("文档数", str(detail.progress.documents)),
        ("发现问题数", str(len(_unique(detail.findings)))),
        ("生成时间", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
    ]
    return rows


def _unique(findings: list[StoredFinding]) -> list[StoredFinding]:
    return list({f.id: f for f in findings}.values())


def _evidence(f: StoredFinding) -> str:
    return evidence_text([e.model_dump(mode="json") for e in f.evidence])


FINDING_COLUMNS = ("严重程度", "代码", "说明", "文件", "规则", "复核", "证据")


def _finding_cells(f: StoredFinding) -> list[str]:
    return [
        SEVERITY_LABEL.get(f.severity.value, f.severity.value),
        f.code,
        f.message,
        f.path or "(案件)",
        f.rule,
        REVIEW_LABEL.get(f.review.value, f.review.value),
        _evidence(f),
    ]


def xlsx_report(detail: CaseDetail) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    summary = workbook.active
    summary.title = "摘要"
    for label, value in summary_rows(detail):
        summary.append([label, value])
    summary.column_dimensions["A"].width, summary.column_dimensions["B"].width = 20, 60
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")

    findings = workbook.create_sheet("发现问题")
    findings.append(list(FINDING_COLUMNS))
    for f in _unique(detail.findings):
        findings.append(_finding_cells(f))
    documents = workbook.create_sheet("文档")
    documents.append(["id", "文件", "类型", "状态", "页", "字段"])
    path_of = {sha: f.path for f in detail.files for sha in [f.sha256]}
    for d in detail.documents:
        documents.append(
            [
                d.id,
                path_of.get(d.sha256, d.sha256),
                d.doc_type,
                d.status,
                ",".join(map(str, d.page_numbers)),
                json.dumps({k: v for k, v in d.values.items() if k != "items"}, ensure_ascii=False),
            ]
        )
    widths = {"发现问题": [8, 24, 60, 40, 24, 10, 70], "文档": [8, 50, 20, 10, 8, 80]}
    for sheet in (findings, documents):
        for cell in sheet[1]:
            cell.font = bold
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = wrap
        for index, width in enumerate(widths[sheet.title], 1):
            sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@cache
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("WQYMicroHei", CJK_FONT_PATH, subfontIndex=0))
    return "WQYMicroHei"


def pdf_report(detail: CaseDetail) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=10)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, spaceAfter=6)
    heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)

    def p(text: Any, style: ParagraphStyle = body) -> Paragraph:
        escaped = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
        return Paragraph(escaped, style)

    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ]
    )
    story: list[Any] = [p(f"贷后检查报告 · {detail.key}", title)]
    summary = Table([[p(k), p(v)] for k, v in summary_rows(detail)], colWidths=[35 * mm, 140 * mm])
    summary.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [summary, Spacer(1, 6), p("发现问题", heading)]
    findings = _unique(detail.findings)
    if findings:
        rows = [[p(h) for h in ("严重程度", "代码 / 说明", "文件", "复核", "证据")]]
        for f in findings:
            cells = _finding_cells(f)
            rows.append(
                [p(cells[0]), p(f"{cells[1]}\n{cells[2]}"), p(cells[3], small), p(cells[5]), p(cells[6], small)]
            )
        table = Table(rows, colWidths=[14 * mm, 62 * mm, 38 * mm, 16 * mm, 50 * mm], repeatRows=1)
        table.setStyle(grid)
        story.append(table)
    else:
        story.append(p("未发现问题。"))
    story.append(p("文档", heading))
    doc_rows = [[p(h) for h in ("id", "类型", "状态", "页")]]
    doc_rows += [[p(d.id), p(d.doc_type), p(d.status), p(",".join(map(str, d.page_numbers)))] for d in detail.documents]
    documents = Table(doc_rows, colWidths=[15 * mm, 70 * mm, 30 * mm, 30 * mm], repeatRows=1)
    documents.setStyle(grid)
    story.append(documents)
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{detail.key} report",
    ).build(story)
    return out.getvalue()

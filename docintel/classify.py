"""Document type per page, and the split of a file into logical documents.

A page's type comes from its title (the printed heading near the top, weighted most) and key phrases
elsewhere; the cues that decided are kept as the reason. A file becomes several documents where a
new titled page starts (statements on consecutive pages, a contract followed by its invoices) and
where one page carries several bank receipts. Unsure pages are `other`, with the reason, never
silently forced into a type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docintel.layout import norm
from docintel.model import Box, Document, EmbeddedData, Page

VAT_INVOICE = "vat_invoice"
PURCHASE_CONTRACT = "purchase_contract"
BALANCE_SHEET = "balance_sheet"
INCOME_STATEMENT = "income_statement"
CASH_FLOW_STATEMENT = "cash_flow_statement"
BANK_RECEIPT = "bank_receipt"
OTHER = "other"
DOC_TYPES = (VAT_INVOICE, PURCHASE_CONTRACT, BALANCE_SHEET, INCOME_STATEMENT, CASH_FLOW_STATEMENT, BANK_RECEIPT, OTHER)

# Titles: printed headings that name the type outright.
_TITLES: dict[str, re.Pattern[str]] = {
    VAT_INVOICE: re.compile(r"发票(\(|$|联)|发票\s*\(|增值税.{0,6}发票|销售货物或者?提供应税劳务.{0,4}清单|销货清单"),
    PURCHASE_CONTRACT: re.compile(r"(购销|采购|买卖|供货|购货|销售|订货)(合同|协议)|合同书$"),
    BALANCE_SHEET: re.compile(r"资产负债表"),
    INCOME_STATEMENT: re.compile(r"利润表|损益表|利润及利润分配表"),
    CASH_FLOW_STATEMENT: re.compile(r"现金流量表"),
    BANK_RECEIPT: re.compile(r"回单|回执|转账凭证|付款凭证|汇款凭证|结算业务申请书|汇兑.{0,4}凭证|进账单"),
}
# Key phrases anywhere on the page; each adds a little evidence.
_PHRASES: dict[str, tuple[str, ...]] = {
    VAT_INVOICE: ("发票代码", "发票号码", "开票日期", "价税合计", "校验码", "纳税人识别号", "开票人", "税额"),
    PURCHASE_CONTRACT: ("甲方", "乙方", "供方", "需方", "出卖人", "买受人", "违约责任", "签订", "本合同", "交货"),
    BALANCE_SHEET: ("资产总计", "负债合计", "所有者权益", "流动资产", "货币资金", "负债和所有者权益"),
    INCOME_STATEMENT: ("营业收入", "营业成本", "营业利润", "利润总额", "净利润", "所得税费用"),
    CASH_FLOW_STATEMENT: ("经营活动", "投资活动", "筹资活动", "现金流入小计", "现金流出小计", "现金及现金等价物"),
    BANK_RECEIPT: (
        "付款人",
        "收款人",
        "付款账号",
        "收款账号",
        "交易流水号",
        "用途",
        "摘要",
        "开户行",
        "交易日期",
        "大写",
    ),
}
_TITLE_WEIGHT = 4.0
_MIN_SCORE = 3.0


@dataclass(frozen=True, slots=True)
class PageType:
    doc_type: str
    confidence: float
    reason: str
    titled: bool  # a heading named the type: this page starts a new document


def classify_page(page: Page) -> PageType:
    texts = [norm(s.text).replace(" ", "") for s in page.spans]
    if not texts:
        return PageType(OTHER, 0.0, "页面无文字", False)
    top_limit = page.height * 0.3 if page.height else float("inf")
    top_texts = [norm(s.text).replace(" ", "") for s in page.spans if s.box.y0 <= top_limit]
    joined = "".join(texts)
    scores: dict[str, float] = {}
    reasons: dict[str, list[str]] = {}
    titled: dict[str, bool] = {}
    for doc_type, pattern in _TITLES.items():
        title = next((t for t in top_texts if pattern.search(t) and len(t) <= 30), None)
        if title:
            scores[doc_type] = _TITLE_WEIGHT
            reasons[doc_type] = [f"标题“{title}”"]
            # "资产负债表（续）" names the type but continues the previous page's document.
            titled[doc_type] = not re.search(r"[(（]\s*续\s*[)）]|续表", title)
        hits = [p for p in _PHRASES[doc_type] if p in joined]
        if hits:
            scores[doc_type] = scores.get(doc_type, 0.0) + len(hits)
            reasons.setdefault(doc_type, []).append("关键词：" + "、".join(hits))
    if not scores:
        return PageType(OTHER, 0.0, "未找到任何类型的标题或关键词", False)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if score < _MIN_SCORE:
        return PageType(OTHER, round(score / (score + 3), 2), f"证据不足（{'；'.join(reasons[best])}）", False)
    confidence = round(min(0.99, score / (score + runner_up + 1)), 2)
    return PageType(best, confidence, "；".join(reasons[best]), titled.get(best, False))


def split_documents(whole: Document) -> list[Document]:
    """Cut a read file into logical documents, each classified. A single-document file comes back as
    one document (the same object) with its type set."""
    if not whole.pages:
        return [whole]
    if whole.source.media_type in ("application/ofd", "application/xml") and whole.embedded:
        _set_type(whole, PageType(VAT_INVOICE, 0.99, "文件内嵌电子发票数据", True))
        return [whole]
    page_types = [classify_page(p) for p in whole.pages]
    groups: list[tuple[PageType, list[Page]]] = []
    for page, kind in zip(whole.pages, page_types, strict=True):
        if groups and _continues(groups[-1][0], kind):
            groups[-1][1].append(page)
        else:
            groups.append((kind, [page]))
    parts: list[Document] = []
    for kind, pages in groups:
        if kind.doc_type == BANK_RECEIPT and len(pages) == 1:
            parts.extend(_receipt_regions(whole, pages[0], kind))
        else:
            parts.append(_part(whole, pages, kind))
    if len(parts) == 1:
        only = parts[0]
        _set_type(whole, PageType(only.doc_type, only.doc_type_confidence, only.doc_type_reason or "", True))
        whole.region = only.region
        if only.region is not None:
            whole.pages = only.pages
        return [whole]
    for number, part in enumerate(parts, start=1):
        part.part = number
    return parts


def _continues(previous: PageType, page: PageType) -> bool:
    if page.doc_type == OTHER:
        return previous.doc_type != OTHER  # an untitled page with no cues: the previous one goes on
    if page.doc_type != previous.doc_type:
        return False
    if page.doc_type == VAT_INVOICE:
        return not page.titled or "清单" in page.reason  # a 销货清单 continues its invoice
    return not page.titled


def _set_type(doc: Document, kind: PageType) -> None:
    doc.doc_type = kind.doc_type
    doc.doc_type_confidence = kind.confidence
    doc.doc_type_reason = kind.reason


def _part(whole: Document, pages: list[Page], kind: PageType, region: Box | None = None) -> Document:
    numbers = {p.number for p in pages}
    part = Document(
        source=whole.source,
        pages=pages,
        embedded=[e for e in whole.embedded if _embedded_pages(e) <= numbers],
        # Reading cost is shared out by pages, so per-page timings of a bundle are not counted twice.
        timings={k: round(v * len(pages) / len(whole.pages), 3) for k, v in whole.timings.items()},
        region=region,
    )
    _set_type(part, kind)
    return part


def _embedded_pages(data: EmbeddedData) -> set[int]:
    return {ev.page for fv in data.fields.values() for ev in fv.evidence if ev.page is not None}


_RECEIPT_TITLE = _TITLES[BANK_RECEIPT]
# Lines that name a 回单 without being its title: its number (电子回单号码：…), the bank's seal
# (电子回单专用章) and footnotes (本回单可通过…验证，重复打印无效). Counting them as titles would cut
# one receipt into several.
_NOT_A_RECEIPT_TITLE = re.compile(r"[:：,，。\d]|号|专用章")


def _is_receipt_title(text: str) -> bool:
    compact = norm(text).replace(" ", "")
    return len(compact) <= 30 and bool(_RECEIPT_TITLE.search(compact)) and not _NOT_A_RECEIPT_TITLE.search(compact)


def _receipt_regions(whole: Document, page: Page, kind: PageType) -> list[Document]:
    """Several 回单 printed on one page (common in bank exports): one document per title, the
    region running from its title to the next one."""
    titles = sorted(
        (s for s in page.spans if _is_receipt_title(s.text)),
        key=lambda s: s.box.y0,
    )
    starts = _distinct_rows([s.box.y0 for s in titles])
    if len(starts) < 2:
        return [_part(whole, [page], kind)]
    parts = []
    for index, top in enumerate(starts):
        # Start a little above the title: bank names and logos sit on the title's row.
        y0 = top - 2
        y1 = starts[index + 1] - 2 if index + 1 < len(starts) else page.height
        region = Box(x0=0.0, y0=max(0.0, y0), x1=page.width, y1=y1)
        sub = page.model_copy(update={"spans": [s for s in page.spans if y0 <= s.box.cy < y1]})
        parts.append(_part(whole, [sub], kind, region=region))
    return parts


def _distinct_rows(ys: list[float], min_gap: float = 20.0) -> list[float]:
    rows: list[float] = []
    for y in ys:
        if not rows or y - rows[-1] > min_gap:
            rows.append(y)
    return rows

"""VAT invoices (专票/普票, paper and electronic, 数电票) from positioned text, with no per-issuer template.

Fields are read next to their printed labels; buyer and seller blocks are told apart by the nearest
购买方/销售方 marker (top/bottom on legacy invoices, left/right on 数电票); the goods table is cut into
columns by the x position of its header words. Structured data carried by the file (OFD/XML, the QR
code) is fused in `extractors.fusion`.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal, InvalidOperation

from docintel.layout import (
    Located,
    Row,
    chars_of,
    evidence_for,
    find_label,
    group_rows,
    nearest_marker,
    norm,
    text_after_label,
    vertical_overlap,
)
from docintel.model import Document, Evidence, FieldValue, TextSpan

# Any printed label: a value read after one label stops where the next begins.
_ANY_LABEL = re.compile(
    r"名\s*称|纳税人识别号|统一社会信用代码|地\s*址[、,]?\s*电\s*话|开户行及账号|开户银行|银行账号|"
    r"发票代码|发票号码|开票日期|校验码|机器编号|收款人|复\s*核|开票人|销售方|购买方|密码区|备\s*注|"
    r"^密码?$|^[备注区]$|^(Body|Cookies|Headers)\b"  # single-character box titles beside the value
)
_NAME = re.compile(r"^\s*((购买方|销售方)\s*)?名\s*称\s*:?|^称\s*:|^名$")
_TAX_ID_LABEL = re.compile(r"(统一社会信用代码\s*/\s*)?纳税人识别号\s*:?|统一社会信用代码\s*:?")
_ADDRESS_LABEL = re.compile(r"地\s*址[、,]?\s*电\s*话\s*:?")
_BANK_LABEL = re.compile(r"开户行及账号\s*:?")
_CIPHER = re.compile(r"^(?=.*[<>/*+])[0-9<>/*+\-]{12,}$")  # 密码区 lines
_TAX_ID = re.compile(r"[0-9A-Z]{15,20}")
_CODE_LABEL = re.compile(r"发票代码\s*:?")
_NUMBER_LABEL = re.compile(r"发票号码\s*:?|^No\.?\s*")
_DATE_LABEL = re.compile(r"(开票|填开)日期\s*:?")  # 填开日期: 航空运输电子客票行程单
_CHECK_LABEL = re.compile(r"校\s*验\s*码\s*:?")
_DATE = re.compile(r"(20\d{2}|19\d{2})\s*[年\-./ ]\s*(\d{1,2})\s*[月\-./ ]\s*(\d{1,2})")
_MONEY = re.compile(r"-?\d[\d,]*\.\d{2}(?!\d)")
_UPPER_CHARS = re.compile(r"[负零壹贰叁肆伍陆柒捌玖拾佰仟万亿圆元角分整正]+")
_TITLE = re.compile(r"[\u4e00-\u9fff]{0,14}发票(\s*[(（][\u4e00-\u9fff]+[)）])?")
_PERSON_LABELS = {
    "payee": re.compile(r"收款人\s*:?"),
    "reviewer": re.compile(r"复\s*核(人)?\s*:?"),
    "issuer": re.compile(r"开票人\s*:?"),
}

_COLUMNS: dict[str, re.Pattern[str]] = {
    "index": re.compile(r"序\s*号"),
    "name": re.compile(r"货物或应税劳务|服务名称|项目名称|货物名称"),
    "spec": re.compile(r"规格型号"),
    "unit": re.compile(r"单\s*位"),
    "quantity": re.compile(r"数\s*量"),
    "unit_price": re.compile(r"单\s*价"),
    "amount": re.compile(r"金\s*额"),
    "tax_rate": re.compile(r"税率|征收率"),
    "tax": re.compile(r"税\s*额"),
}

_BUYER_MARKER = re.compile(r"^(购(买方|货单位|方)?(信息)?|买方?)$")
_SELLER_MARKER = re.compile(r"^(销(售方|货单位|貨单位|方)?(信息)?|售方?)$")

AMOUNT_FIELDS = ("total_amount", "total_tax", "amount_with_tax")
ITEM_FIELDS = ("name", "spec", "unit", "quantity", "unit_price", "amount", "tax_rate", "tax")
FIELD_NAMES = (
    "invoice_kind", "invoice_code", "invoice_number", "issue_date", "check_code",
    "buyer_name", "buyer_tax_id", "seller_name", "seller_tax_id",
    "buyer_address_phone", "buyer_bank_account", "seller_address_phone", "seller_bank_account",
    "total_amount", "total_tax", "amount_with_tax", "amount_with_tax_upper",
    "remarks", "issuer", "payee", "reviewer",
)  # fmt: skip


class InvoiceExtractor:
    """Fills `doc.fields` and `doc.items` from the page spans (fusion with embedded data comes after)."""

    doc_type = "vat_invoice"

    def extract(self, doc: Document) -> None:
        doc.doc_type = self.doc_type
        found: dict[str, FieldValue] = {}
        first = [s for s in doc.pages[0].spans] if doc.pages else []
        found.update(_header_fields(first, doc.pages[0].height if doc.pages else 0.0))
        found.update(_party_fields(first))
        found.update(_person_fields(first))
        remarks = _remarks(first)
        if remarks:
            found["remarks"] = remarks
        totals, items = _table(doc)
        found.update(totals)
        for name, value in _header_over_values(first).items():
            found.setdefault(name, value)
        if "seller_name" not in found or found["seller_name"].value is None:
            # Itineraries (航空运输电子客票行程单) name the issuer 填开单位 instead of a 销售方 block.
            issuer = _after(first, re.compile(r"填开单位\s*:?"))
            if issuer and _clean_name(issuer[0].text):
                found["seller_name"] = _fv(_clean_name(issuer[0].text), issuer[0])
        for name in FIELD_NAMES:
            doc.fields[name] = found.get(name) or FieldValue(value=None, note="未在票面上找到该栏目")
        doc.items = items


def _fv(value: str | Decimal | None, located: Located | None, *, confidence: float | None = None) -> FieldValue:
    if located is None:
        return FieldValue(value=value, confidence=0.0)
    conf = located.confidence if confidence is None else confidence
    return FieldValue(value=value, confidence=round(conf, 4), evidence=located.evidence)


def _after(spans: list[TextSpan], label: re.Pattern[str]) -> list[Located]:
    return [
        located
        for span, match in find_label(spans, label)
        if (located := text_after_label(span, match, spans, stop=_ANY_LABEL)) is not None
    ]


# ---- header: kind, code, number, date, check code -------------------------------------------


def _header_fields(spans: list[TextSpan], page_height: float) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    title = _title(spans, page_height)
    if title:
        out["invoice_kind"] = title
    code = _digits_after(spans, _CODE_LABEL, (10, 12))
    # 8 or 20 digits are the valid forms; any other printed length is still read (as printed) so that
    # the number check can report it instead of the field going missing.
    number = _digits_after(spans, _NUMBER_LABEL, (8, 20)) or _digits_after(spans, _NUMBER_LABEL, tuple(range(9, 20)))
    top = [s for s in spans if s.box.cy < page_height * 0.3] if page_height else spans
    if code is None:
        code = _standalone_digits(top, (10, 12))
    if number is None:
        number = _standalone_digits(top, (20, 8), exclude=code.value if code else None)
    if code:
        out["invoice_code"] = code
    if number:
        out["invoice_number"] = number
    for located in _after(spans, _DATE_LABEL) + _date_rows(spans, _DATE_LABEL):
        match = _DATE.search(norm(located.text))
        if match:
            y, m, d = (int(g) for g in match.groups())
            if 1 <= m <= 12 and 1 <= d <= 31:
                out["issue_date"] = _fv(f"{y:04d}-{m:02d}-{d:02d}", located)
                break
    for located in _after(spans, _CHECK_LABEL):
        digits = re.sub(r"\D", "", located.text)
        if len(digits) >= 20:
            out["check_code"] = _fv(digits[:20], located)
            break
    return out


def _date_rows(spans: list[TextSpan], label: re.Pattern[str]) -> list[Located]:
    """The whole row after a date label, ignoring other labels (OCR splits '2019 年 05 月 08 日')."""
    out = []
    for span, match in find_label(spans, label):
        located = text_after_label(span, match, spans, stop=None, max_gap_factor=4)
        if located:
            out.append(located)
    return out


def _title(spans: list[TextSpan], page_height: float) -> FieldValue | None:
    candidates = []
    for span in spans:
        text = norm(span.text)
        if any(word in text for word in ("代码", "号码", "专用章", "联", "监制", "税务局")):
            continue
        match = _TITLE.search(span.text.replace(" ", ""))
        if match and len(match.group(0)) >= 4:
            candidates.append((span.box.height, span, match))
    if not candidates:
        return None
    _, span, match = max(candidates, key=lambda c: c[0])
    title, evidence = match.group(0), [evidence_for(span)]
    if not title.endswith((")", "）")):
        # OCR may split "电子发票" from "（增值税专用发票）": take the bracketed part beside it.
        beside = [
            s
            for s in spans
            if s is not span
            and s.box.x0 >= span.box.x1 - span.box.height
            and vertical_overlap(s.box, span.box) >= 0.5
            and s.box.x0 - span.box.x1 < 4 * span.box.height
        ]
        for other in sorted(beside, key=lambda s: s.box.x0)[:1]:
            part = re.match(r"^\s*[(（]?([\u4e00-\u9fff]*发票)[)）]", other.text)
            if part:
                # The printed title is "电子发票（…发票）"; OCR sometimes drops the opening bracket.
                title, evidence = (
                    f"{title}（{part.group(1)}）",
                    [*evidence, evidence_for(other, 0, part.end())],
                )
    if title.endswith("发票") and not title.startswith("电子发票"):
        # …or keep the larger bracketed part and leave "电子发票" as its own span to the left.
        left = [
            s
            for s in spans
            if s is not span
            and s.box.x1 <= span.box.x0 + span.box.height
            and vertical_overlap(s.box, span.box) >= 0.5
            and span.box.x0 - s.box.x1 < 4 * span.box.height
            and re.fullmatch(r"电子发票[(（]?", norm(s.text).replace(" ", "").replace("(", "（"))
        ]
        if left:
            title, evidence = f"电子发票（{title}）", [evidence_for(left[0]), *evidence]
    return _fv(title, Located(text=title, evidence=evidence))


def _digits_after(spans: list[TextSpan], label: re.Pattern[str], lengths: tuple[int, ...]) -> FieldValue | None:
    for located in _after(spans, label):
        for run in re.findall(r"\d+", located.text):
            if len(run) in lengths:
                return _fv(run, located)
    return None


def _standalone_digits(
    spans: list[TextSpan], lengths: tuple[int, ...], exclude: str | None = None
) -> FieldValue | None:
    for length in lengths:
        for span in spans:
            for run in re.findall(r"(?<!\d)\d+(?!\d)", norm(span.text).replace(" ", "")):
                if len(run) == length and run != exclude:
                    return _fv(run, Located(text=run, evidence=[evidence_for(span)]))
    return None


# ---- parties ----------------------------------------------------------------------------------


def _party_fields(spans: list[TextSpan]) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    markers = [(s, "buyer") for s in spans if _BUYER_MARKER.match(norm(s.text).replace(" ", ""))]
    markers += [(s, "seller") for s in spans if _SELLER_MARKER.match(norm(s.text).replace(" ", ""))]
    for field, label, clean in (
        ("name", _NAME, _clean_name),
        ("tax_id", _TAX_ID_LABEL, _clean_tax_id),
        ("address_phone", _ADDRESS_LABEL, _clean_text),
        ("bank_account", _BANK_LABEL, _clean_text),
    ):
        hits = [(span, m) for span, m in find_label(spans, label) if not _is_signature_line(span)]
        hits.sort(key=lambda h: (h[0].box.cy, h[0].box.x0))
        for index, (span, match) in enumerate(hits):
            party = nearest_marker(span, markers) or ("buyer" if index == 0 else "seller")
            key = f"{party}_{field}"
            if key in out:
                continue
            located = text_after_label(span, match, spans, stop=_ANY_LABEL)
            located = _drop_cipher(located)
            value = clean(located.text) if located else None
            out[key] = _fv(value, located) if value else FieldValue(value=None, note="标签后无内容")
    for party in ("buyer", "seller"):
        if markers and (f"{party}_name" not in out or out[f"{party}_name"].value is None):
            fallback = _org_fallback(spans, markers, party)
            if fallback:
                out[f"{party}_name"] = fallback
    return out


def _is_signature_line(span: TextSpan) -> bool:
    return "章" in span.text


def _drop_cipher(located: Located | None) -> Located | None:
    if located is None:
        return None
    kept = [e for e in located.evidence if not _CIPHER.match((e.text or "").replace(" ", ""))]
    if not kept:
        return None
    return Located(text=" ".join((e.text or "").strip() for e in kept), evidence=kept)


_ORG_END = re.compile(r"^(.+?(有限责任公司|股份有限公司|有限公司|公司|厂|店|中心|合作社|商行|经营部))\s")


def _clean_name(text: str) -> str | None:
    text = re.sub(r"^称\s*[:：]", "", text.strip()).strip(" :：")
    # A name ends at its organisation suffix: what follows a gap is seal or margin text.
    match = _ORG_END.match(text)
    return (match.group(1) if match else text) or None


def _clean_tax_id(text: str) -> str | None:
    compact = norm(text).replace(" ", "").upper()
    # Real numbers are 15-20 characters; shorter runs are kept (as printed) so the tax-ID check
    # can report them as malformed instead of the field silently going missing.
    match = _TAX_ID.search(compact) or re.search(r"[0-9A-Z]{6,}", compact)
    return match.group(0) if match else None


def _clean_text(text: str) -> str | None:
    text = re.sub(r"\s+", " ", text).strip(" :：")
    return text or None


def _remarks(spans: list[TextSpan]) -> FieldValue | None:
    """Text in the 备注 box: right of its 备/注 (or 备注) title, between the title's top and bottom."""
    titles = [s for s in spans if norm(s.text).replace(" ", "") in ("备", "注", "备注", "备注信息")]
    if not titles:
        return None
    top = min(s.box.y0 for s in titles)
    bottom = max(s.box.y1 for s in titles)
    left = max(s.box.x1 for s in titles)
    height = max(min(s.box.height for s in titles), 1.0)
    inside = [
        s
        for s in spans
        if s not in titles
        and s.box.x0 >= left - 1
        # The box's text may start above its vertically centred 备/注 title.
        and s.box.cy >= top - 2.5 * height
        and s.box.cy <= bottom + 2.5 * height
        and not _CIPHER.match(s.text.replace(" ", ""))
        and not _ANY_LABEL.match(norm(s.text))
        and "章" not in s.text
    ]
    if not inside:
        return None
    inside.sort(key=lambda s: (round(s.box.cy / height), s.box.x0))
    located = Located(text=" ".join(s.text for s in inside), evidence=[evidence_for(s) for s in inside])
    return _fv(located.text, located)


def _org_fallback(spans: list[TextSpan], markers: list[tuple[TextSpan, str]], party: str) -> FieldValue | None:
    """When no 名称 label was readable, take the first organisation the spaCy rules find in the party's block."""
    from models.nlp import find_entities

    block = [s for s in spans if nearest_marker(s, markers) == party and s.box.x0 > 0]
    for span in sorted(block, key=lambda s: (s.box.cy, s.box.x0)):
        for entity in find_entities(span.text):
            if entity.label == "ORG":
                located = Located(entity.text, [evidence_for(span, entity.start, entity.end)])
                return _fv(entity.text, located, confidence=min(span.confidence, 0.8))
    return None


def _person_fields(spans: list[TextSpan]) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    for field, label in _PERSON_LABELS.items():
        for located in _after(spans, label):
            name = _clean_name(located.text)
            if name:
                out[field] = _fv(name, located)
                break
    return out


# ---- goods table and totals -------------------------------------------------------------------


def _table(doc: Document) -> tuple[dict[str, FieldValue], list[dict[str, FieldValue]]]:
    totals: dict[str, FieldValue] = {}
    items: list[dict[str, FieldValue]] = []
    list_items: list[dict[str, FieldValue]] = []
    for page in doc.pages:
        rows = group_rows(_horizontal(page.spans))
        header_index, columns = _header(rows)
        if header_index is None:
            continue
        end = _totals_row_index(rows, header_index)
        page_items = _items(rows[header_index + 1 : end], columns)
        if page.number == 1:
            items = page_items
            totals.update(_totals(rows, end, columns))
        else:
            list_items.extend(page_items)
            if not totals:
                totals.update(_totals(rows, end, columns))
    if list_items and (not items or all("清单" in str(i["name"].value) for i in items)):
        items = list_items  # the 销货清单 pages carry the real lines
    return totals, items


def _header_over_values(spans: list[TextSpan]) -> dict[str, FieldValue]:
    """A row of headings over a row of as many values (the fare line of an air-ticket itinerary:
    票价 … 增值税税额 … 合计 over CNY amounts): values are paired with headings by order."""
    rows = group_rows(spans)
    out: dict[str, FieldValue] = {}
    for header, below in itertools.pairwise(rows):
        names = [norm(s.text).replace(" ", "") for s in header.spans]
        if "合计" not in names or not any(n.endswith("税额") for n in names):
            continue
        values = [s for s in below.spans if re.fullmatch(r"-?[\d,]+(\.\d+)?%?", norm(s.text).replace(" ", ""))]
        if len(values) != len(names):
            continue
        for name, span in zip(names, values, strict=True):
            field = "amount_with_tax" if name == "合计" else "total_tax" if name.endswith("税额") else None
            if field:
                value = _decimal(norm(span.text))
                out[field] = _fv(value, Located(span.text, [evidence_for(span)]))
    return out


def _horizontal(spans: list[TextSpan]) -> list[TextSpan]:
    """Drop vertical print (margin notes, 第二联 labels, 购买方 markers) and arced seal text, which
    would otherwise join several table rows into one."""
    if not spans:
        return spans
    heights = sorted(s.box.height for s in spans)
    typical = heights[len(heights) // 2]
    return [s for s in spans if s.box.height <= 2.5 * typical]


def _header(rows: list[Row]) -> tuple[int | None, dict[str, tuple[float, float]]]:
    for index, row in enumerate(rows):
        text = norm(row.text).replace(" ", "")
        if not (("金额" in text or "金 额" in row.text) and ("单价" in text or "数量" in text)):
            continue
        chars = chars_of(row.spans)
        joined = "".join(c.char for c in chars)
        columns: dict[str, tuple[float, float]] = {}
        for key, pattern in _COLUMNS.items():
            match = pattern.search(norm(joined))
            if match:
                columns[key] = (chars[match.start()].x0, chars[match.end() - 1].x1)
        if {"amount", "tax"} <= columns.keys() or {"amount", "quantity"} <= columns.keys():
            columns.setdefault("name", (rows[index].box.x0, rows[index].box.x0 + 1))
            return index, columns
    return None, {}


def _totals_row_index(rows: list[Row], header_index: int) -> int:
    for index in range(header_index + 1, len(rows)):
        text = norm(rows[index].text).replace(" ", "")
        first = norm(rows[index].spans[0].text).replace(" ", "")
        # OCR often loses one of 合/计; a ¥-prefixed amount marks the totals row just as well.
        if first in ("合", "计") or first.startswith("合计") or "价税合计" in text:
            return index
        if re.search(r"¥\s*-?\d", text):
            return index
        if "小计" in text or "总计" in text:
            return index
    return len(rows)


def _column_of(x: float, columns: dict[str, tuple[float, float]]) -> str:
    centres = sorted(((lo + hi) / 2, key) for key, (lo, hi) in columns.items())
    # Name text is left-aligned and long: anything left of the gap between the name and spec
    # headers is name.
    if "spec" in columns and x < (columns["name"][1] + columns["spec"][0]) / 2:
        return "name"
    return min(centres, key=lambda c: abs(c[0] - x))[1]


_RATE = re.compile(r"^-?\d{1,2}(\.\d+)?%$|^(免税|不征税|\*{3})$")
_NUMBER = re.compile(r"^-?\d[\d,]*(\.\d+)?$")


def _row_cells(row: Row, columns: dict[str, tuple[float, float]]) -> dict[str, list[tuple[str, Evidence]]]:
    """Cells of one table row. Numbers are right-aligned and columns are uneven, so numeric tokens
    are placed by type and order (… amount, rate, tax from the right), text tokens by header position."""
    tokens: list[tuple[str, Evidence, float]] = []
    for span in row.spans:
        # A span may hold several cells ("1456.31 1456.31"): split on whitespace, keep offsets.
        step = span.box.width / max(len(span.text), 1)
        for token in re.finditer(r"\S+", span.text):
            centre = span.box.x0 + (token.start() + token.end()) / 2 * step
            tokens.append((token.group(0), evidence_for(span, token.start(), token.end()), centre))
    tokens.sort(key=lambda t: t[2])
    cells: dict[str, list[tuple[str, Evidence]]] = {}
    numeric = [t for t in tokens if _is_cell_number(t[0]) and _column_of(t[2], columns) not in ("name", "spec")]
    text_tokens = [t for t in tokens if t not in numeric]
    rates = [i for i, t in enumerate(numeric) if _RATE.match(norm(t[0]))]
    rate_index = rates[-1] if rates else None  # the rate column is right of any "99.2%" in a spec
    if rate_index is not None:
        right = numeric[rate_index + 1 :]
        left = numeric[:rate_index]
        cells["tax_rate"] = [numeric[rate_index][:2]]
        money = [t for t in right if _MONEY.search(norm(t[0]).replace(",", ""))]
        if money:
            cells["tax"] = [money[0][:2]]
        elif right:
            cells["tax"] = [right[0][:2]]  # "***" on exempt lines
    else:
        left = numeric
        if "tax" in columns and len(left) >= 2 and _column_of(left[-1][2], columns) == "tax":
            cells["tax"] = [left.pop()[:2]]
    if left:
        cells["amount"] = [left.pop()[:2]]
    if len(left) >= 2:
        cells["quantity"], cells["unit_price"] = [left[-2][:2]], [left[-1][:2]]
    elif left:
        key = "unit_price" if _column_of(left[0][2], columns) == "unit_price" else "quantity"
        cells[key] = [left[0][:2]]
    for text, evidence, centre in text_tokens:
        key = _column_of(centre, columns)
        if key == "index" or (key == "name" and "index" in columns and not cells.get("name")):
            text = re.sub(r"^\d+(?=\*)", "", text)  # 序号 printed against the name on 销货清单
            if key == "index" or not text:
                continue
        if key not in ("name", "spec", "unit"):
            key = "unit" if len(text) <= 2 and "unit" in columns else "spec"
        cells.setdefault(key, []).append((text, evidence))
    return cells


def _is_cell_number(text: str) -> bool:
    text = norm(text).replace("¥", "")
    return bool(_NUMBER.match(text) or _RATE.match(text))


def _items(rows: list[Row], columns: dict[str, tuple[float, float]]) -> list[dict[str, FieldValue]]:
    items: list[dict[str, FieldValue]] = []
    pending_name: list[tuple[str, Evidence]] = []
    for row in rows:
        cells = _row_cells(row, columns)
        has_money = any(_MONEY.search(t) for t, _ in cells.get("amount", []))
        name_parts = cells.get("name", [])
        if not has_money:
            starts_new = bool(name_parts) and name_parts[0][0].startswith("*")
            if items and not starts_new and not pending_name:
                # A wrapped line: its name and spec text continue the previous line's cells.
                for key in ("name", "spec"):
                    if cells.get(key):
                        _append_cell(items[-1], key, cells[key])
            else:
                pending_name.extend(name_parts)
            continue
        item = {key: _cell_value(key, cells.get(key, [])) for key in ITEM_FIELDS if key != "name"}
        item["name"] = _join_cell(pending_name + name_parts)
        if isinstance(item["name"].value, str):
            # A 销货清单 prints its 序号 right against the name: "3*黑色金属*…" is line 3, not a name.
            item["name"].value = re.sub(r"^\d{1,3}\s*(?=\*)", "", item["name"].value)
        pending_name = []
        items.append({key: item[key] for key in ITEM_FIELDS})
    return items


def _append_cell(item: dict[str, FieldValue], key: str, parts: list[tuple[str, Evidence]]) -> None:
    current = item[key]
    text = (str(current.value) if current.value is not None else "") + _join_texts(parts)
    confidences = [e.confidence for _, e in parts] + ([current.confidence] if current.evidence else [])
    item[key] = FieldValue(value=text, confidence=min(confidences), evidence=current.evidence + [e for _, e in parts])


def _join_cell(parts: list[tuple[str, Evidence]]) -> FieldValue:
    if not parts:
        return FieldValue(value=None)
    return FieldValue(
        value=_join_texts(parts),
        confidence=min(e.confidence for _, e in parts),
        evidence=[e for _, e in parts],
    )


def _join_texts(parts: list[tuple[str, Evidence]]) -> str:
    """Words side by side on one line keep their space ("Q355B 12*2000"); a cell wrapped onto the
    next line joins without one, as Chinese text and part numbers wrap mid-word."""
    out = ""
    previous: Evidence | None = None
    for text, evidence in parts:
        same_line = (
            previous is not None
            and previous.box is not None
            and evidence.box is not None
            and vertical_overlap(previous.box, evidence.box) >= 0.5
        )
        out += (" " if same_line else "") + text
        previous = evidence
    return out


def _cell_value(key: str, parts: list[tuple[str, Evidence]]) -> FieldValue:
    cell = _join_cell(parts)
    if cell.value is None:
        return cell
    text = norm(str(cell.value)).replace(" ", "").replace("¥", "")
    if key in ("amount", "tax"):
        match = _MONEY.search(text.replace(",", ""))
        if match:
            cell.value = _decimal(match.group(0))
        elif "*" in text:
            cell.value, cell.note = None, "税额印为 ***（免税或不征税）"
        else:
            cell.value = None
    elif key in ("quantity", "unit_price"):
        match = re.search(r"-?\d+(\.\d+)?", text)
        cell.value = match.group(0) if match else None
    elif key == "tax_rate":
        cell.value = text
    return cell


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _totals(rows: list[Row], index: int, columns: dict[str, tuple[float, float]]) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    for row in rows[index : index + 3]:
        text = norm(row.text).replace(" ", "")
        if "价税合计" in text or "小写" in text:
            out.update(_amount_with_tax(row))
            continue
        if "total_amount" in out:
            continue
        amounts = [(span, m) for span in row.spans for m in _MONEY.finditer(norm(span.text).replace(",", ""))]
        for span, match in amounts:
            value = _decimal(match.group(0))
            located = Located(match.group(0), [evidence_for(span, match.start(), match.end())])
            key = _column_of((span.box.x0 + span.box.x1) / 2, columns)
            field = "total_tax" if key == "tax" else "total_amount"
            out.setdefault(field, _fv(value, located))
        if "total_amount" in out and "total_tax" not in out and "*" in text:
            out["total_tax"] = FieldValue(value=None, note="合计税额印为 ***")
    return out


def _amount_with_tax(row: Row) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    for span in row.spans:
        text = norm(span.text)
        if "小写" in text or "¥" in text:
            match = _MONEY.search(text.replace(",", "").replace(" ", ""))
            if match and "amount_with_tax" not in out:
                located = Located(match.group(0), [evidence_for(span)])
                out["amount_with_tax"] = _fv(_decimal(match.group(0)), located)
        upper_text = span.text.replace("价税合计", "").replace("大写", "")
        upper = _UPPER_CHARS.findall(upper_text)
        upper = [u for u in upper if len(u) >= 2]
        if upper and "amount_with_tax_upper" not in out:
            value = max(upper, key=len)
            start = span.text.find(value)
            out["amount_with_tax_upper"] = _fv(value, Located(value, [evidence_for(span, start, start + len(value))]))
    return out


__all__ = ["AMOUNT_FIELDS", "FIELD_NAMES", "ITEM_FIELDS", "InvoiceExtractor", "vertical_overlap"]

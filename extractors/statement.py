"""Financial statements (资产负债表, 利润表, 现金流量表) from positioned text, one extractor for the three.

The table is found by its header row: the amount-column headings (期末余额/年初余额, 本期金额/上期金额,
本年累计金额/本月金额 …) give the x position of the current and prior columns, 行次 the row-number
column. A balance sheet printing assets left and liabilities right has two such pairs on the header
row: every row is cut into two halves there, each read as its own line. Each printed line becomes
an item (key, label as printed, 行次, current, prior) with evidence; names are mapped to canonical
keys by `extractors.statement_lines` (unknown names are kept with key null). Amounts are stored in
yuan (printed value × the printed unit) and the printed text stays in the evidence.
"""

from __future__ import annotations

import calendar
import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from rapidfuzz import fuzz, process

from docintel.layout import Located, Row, chars_of, evidence_for, find_label, group_rows, norm, text_after_label
from docintel.model import Document, Evidence, FieldValue, Origin, TextSpan
from extractors.statement_lines import (
    FINANCING,
    GENERAL,
    GENERAL_ONLY_NAMES,
    INVESTING,
    NAMES_BY_TYPE,
    OPERATING,
    SMALL_ENTERPRISE,
    SMALL_ONLY_NAMES,
    SUPPLEMENTARY,
    LineMatch,
    is_section_header,
    line_name,
    match_line,
)

ITEM_KEYS = ("key", "label", "current", "prior", "row")
UNIT_MULTIPLIERS = {"元": 1, "千元": 1000, "万元": 10000, "百万元": 1000000, "亿元": 100000000}

_AMOUNT_HEADER = re.compile(
    r"(上年年末|本年累计|上年同期|期末|年初|期初|年末|本期|上期|本年|上年|本月|上月)(余额|金额|发生额|累计数|累计|数|同期)?"
)
_ROW_NO_HEADER = re.compile(r"行\s*次|行号")
_RIGHT_LABEL_HEADER = re.compile(r"负债|权益")
_FOOTER = re.compile(r"负责人|法定代表人|制表|复核人|审核人|填表")
_COMPANY_LABEL = re.compile(r"(编制单位|编报单位|单位名称|企业名称|纳税人名称)\s*[:：]?")
_COMPANY_STOP = re.compile(r"\d{4}\s*年|(金额)?单位\s*[:：]|会(小)?企\s*0")
_UNIT = re.compile(r"(?<!编制)(?<!编报)(?:金额)?单位\s*[:：]\s*((?:人民币)?\s*(?:百万元|千元|万元|亿元|元))")
_UNIT_ANYWHERE = re.compile(r"(?:单位|币种)\s*[:：]?\s*((?:人民币)?\s*(?:百万元|千元|万元|亿元|元))")
_FULL_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?!\d)")
_MONTH_RANGE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月?\s*[-－—~至到]\s*(\d{1,2})\s*月")
_ANNUAL = re.compile(r"(\d{4})\s*年\s*度")
_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月")
_NUMERIC = re.compile(r"^[(（]?[-−－]?[\d,，.]*\d[\d,，.]*[)）]?$")
_DASH = re.compile(r"^[-−－—–一_]+$")
_LABEL_THEN_NUMBER = re.compile(r"^(?P<text>.*[\u4e00-\u9fff)）])(?P<num>[(（]?[-−－]?\d[\d,，.]*[)）]?)$")
_MONEY_RUN = re.compile(r"[(（]?[-−－]?\d{1,3}(?:[,，]\d{3})*\.\d{2}[)）]?")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_FUZZY_CUTOFF = 85.0
_FUZZY_MIN_LENGTH = 6  # short names differ by one character (应收账款/应付账款): exact only


# ---- geometry -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Half:
    """One half of the table: x range, label end, 行次 and amount column centres."""

    x0: float
    x1: float
    row_x: float | None
    current_x: float
    prior_x: float
    current_header: str
    prior_header: str

    @property
    def amounts_start(self) -> float:
        """Left edge of the amount area: numbers are right-aligned, so they never start left of it."""
        return self.current_x - (self.prior_x - self.current_x) / 2

    def column_of(self, x: float) -> str:
        if self.row_x is not None and abs(x - self.row_x) < abs(x - self.current_x) and x < self.current_x:
            return "row"
        if x < self.amounts_start:
            return "label"
        return "current" if x < (self.current_x + self.prior_x) / 2 else "prior"


@dataclass(slots=True)
class Token:
    text: str
    span: TextSpan
    start: int
    end: int
    x0: float
    x1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def evidence(self) -> Evidence:
        return evidence_for(self.span, self.start, self.end)


def _tokens(spans: list[TextSpan]) -> list[Token]:
    """Whitespace-separated pieces with their x range; a label run together with its number
    (OCR: "货币资金1", "2,757,243.611,217,144.45") is cut into its parts."""
    out: list[Token] = []
    for span in spans:
        step = span.box.width / max(len(span.text), 1)
        for piece in re.finditer(r"\S+", span.text):
            for start, end in _split_piece(piece.group(0)):
                s, e = piece.start() + start, piece.start() + end
                out.append(Token(span.text[s:e], span, s, e, span.box.x0 + s * step, span.box.x0 + e * step))
    out.sort(key=lambda t: t.x0)
    return out


def _split_piece(text: str) -> list[tuple[int, int]]:
    plain = norm(text)
    if _NUMERIC.match(plain) and plain.count(".") >= 2:
        runs = list(_MONEY_RUN.finditer(plain))
        if len(runs) >= 2 and runs[0].start() == 0 and runs[-1].end() == len(plain):
            return [(m.start(), m.end()) for m in runs]
    match = _LABEL_THEN_NUMBER.match(plain)
    if match and _CJK.search(match.group("text")):
        cut = match.start("num")
        return [(0, cut), (cut, len(text))]
    return [(0, len(text))]


def _header(rows: list[Row]) -> tuple[int, list[Half]] | None:
    for index, row in enumerate(rows):
        halves = _halves_of(row, rows[index + 1 : index + 40])
        if halves:
            return index, halves
    return None


def _halves_of(row: Row, below: list[Row]) -> list[Half]:
    chars = chars_of(row.spans)
    joined = norm("".join(c.char for c in chars))
    if _MONEY_RUN.search(joined):
        return []
    headers = [m for m in _AMOUNT_HEADER.finditer(joined) if m.group(2) or m.group(1) in ("本年累计", "上年同期")]
    if len(headers) < 2:
        return []
    spots = [(chars[m.start()].x0, chars[m.end() - 1].x1, m.group(0)) for m in headers]
    row_nos = [(chars[m.start()].x0 + chars[m.end() - 1].x1) / 2 for m in _ROW_NO_HEADER.finditer(joined)]
    pairs = [spots[i : i + 2] for i in range(0, len(spots) - 1, 2)]
    bounds = [float("-inf")]
    for left_pair, right_pair in itertools.pairwise(pairs):
        bounds.append(_split_x(chars, joined, left_pair[1][1], right_pair[0][0], below))
    bounds.append(float("inf"))
    halves = []
    for number, pair in enumerate(pairs):
        (c0, c1, current), (p0, p1, prior) = pair
        x0, x1 = bounds[number], bounds[number + 1]
        row_x = next((x for x in row_nos if x0 <= x < c0), None)
        halves.append(Half(x0, x1, row_x, (c0 + c1) / 2, (p0 + p1) / 2, current, prior))
    return halves


def _split_x(chars: list, joined: str, left_end: float, right_start: float, below: list[Row]) -> float:
    """Where the right half begins: at its label heading (负债和所有者权益…), else at the leftmost text
    printed between the two halves' amount columns in the rows below."""
    for match in _RIGHT_LABEL_HEADER.finditer(joined):
        x = chars[match.start()].x0
        if left_end < x < right_start:
            # The heading is centred in its column: labels start further left, up to the 行次/amounts.
            starts = [
                s.box.x0
                for r in below
                for s in r.spans
                if left_end + 2 < s.box.x0 < x and _CJK.search(s.text) and not _NUMERIC.match(norm(s.text))
            ]
            return min([x, *starts]) - 2
    starts = [s.box.x0 for r in below for s in r.spans if left_end < s.box.x0 < right_start and _CJK.search(s.text)]
    return (min(starts) if starts else (left_end + right_start) / 2) - 2


# ---- lines -------------------------------------------------------------------------------------


@dataclass(slots=True)
class RawLine:
    label: list[Token] = field(default_factory=list)
    row: list[Token] = field(default_factory=list)
    current: list[Token] = field(default_factory=list)
    prior: list[Token] = field(default_factory=list)
    stray: list[Token] = field(default_factory=list)  # text in an amount column (seal text, OCR noise)

    @property
    def label_text(self) -> str:
        return "".join(t.text for t in self.label).strip()

    @property
    def has_amounts(self) -> bool:
        return bool(self.current or self.prior)


def _read_line(tokens: list[Token], half: Half) -> RawLine:
    line = RawLine()
    for token in tokens:
        plain = norm(token.text).replace(" ", "")
        numeric = bool(_NUMERIC.match(plain)) or bool(_DASH.match(plain))
        column = half.column_of(token.cx)
        if not numeric:
            if column in ("label", "row"):
                line.label.append(token)
            else:
                line.stray.append(token)
        elif column == "label":
            # A bare small integer left of the amounts is a 行次 even without a 行次 heading.
            (line.row if re.fullmatch(r"\d{1,3}", plain) and line.label else line.label).append(token)
        else:
            getattr(line, column).append(token)
    return line


@dataclass(slots=True)
class Amount:
    value: Decimal | None
    blank: bool  # certainly blank (printed "-", or empty on a text-layer page)
    evidence: list[Evidence]
    confidence: float


def parse_amount(text: str) -> Decimal | None:
    """A printed amount: 1,234.00, -1,234.00, (1,234.00); None for blank or '-'."""
    plain = norm(text).replace(" ", "").replace("，", ",").replace("−", "-").replace("－", "-")
    if not plain or _DASH.match(plain):
        return None
    negative = plain.startswith("-") or (plain.startswith("(") and plain.endswith(")"))
    digits = plain.strip("()-")
    if digits.count(".") > 1:  # OCR reads a thousands comma as a dot: only the last dot is decimal
        head, _, tail = digits.rpartition(".")
        digits = head.replace(".", "") + "." + tail
    digits = digits.replace(",", "")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    return -value if negative else value


def _amount(tokens: list[Token], text_layer: bool, other_read: bool) -> Amount:
    if not tokens:
        # An empty cell on a text-layer page is printed blank; on a scan it is blank for sure only
        # when the whole line carries no amount (OCR rarely loses both cells of one line).
        return Amount(None, text_layer or not other_read, [], 1.0 if text_layer else 0.5)
    text = "".join(t.text for t in tokens)
    evidence = [t.evidence for t in tokens]
    confidence = min(e.confidence for e in evidence)
    plain = norm(text).replace(" ", "")
    if _DASH.match(plain):
        return Amount(None, True, evidence, confidence)
    return Amount(parse_amount(text), False, evidence, confidence)


# ---- the extractor -----------------------------------------------------------------------------


class StatementExtractor:
    """Fills `doc.fields` and `doc.items` of a balance sheet, income statement or cash-flow statement
    (the type is the classifier's, in `doc.doc_type`)."""

    doc_type = "balance_sheet"  # one of the three; `extract` reads the document's own type

    def extract(self, doc: Document) -> None:
        statement = doc.doc_type
        header_fields: dict[str, FieldValue] = {}
        halves: list[Half] = []
        raw: list[tuple[RawLine, bool]] = []  # (line, read from a text layer)
        for page in doc.pages:
            rows = group_rows(_horizontal(page.spans))
            found = _header(rows)
            start = 0
            if found is not None:
                start, halves = found[0] + 1, found[1]
                if not header_fields:
                    header_fields = _header_fields(rows[: found[0] + 1], page.spans)
            if not halves:
                continue
            text_layer = page.text_source is not Origin.OCR
            page_lines: list[list[RawLine]] = [[] for _ in halves]
            for row in rows[start:]:
                if _FOOTER.search(norm(row.text)):
                    break
                tokens = _tokens(row.spans)
                for index, half in enumerate(halves):
                    inside = [t for t in tokens if half.x0 <= t.cx < half.x1]
                    if inside:
                        page_lines[index].append(_read_line(inside, half))
            for lines in page_lines:  # the left half is read through before the right half
                raw.extend((line, text_layer) for line in _join_wrapped(lines))
        multiplier = int(str(header_fields["unit_multiplier"].value)) if "unit_multiplier" in header_fields else 1
        doc.items = _items(statement, raw, Decimal(multiplier))
        doc.fields.update(header_fields)
        doc.fields.setdefault("unit_multiplier", FieldValue(value="1", note="未印金额单位，按元处理"))
        doc.fields.setdefault("unit", FieldValue(value=None, note="未印金额单位"))
        if halves:
            doc.fields.update(_period_fields(statement, halves[0], doc.fields.get("statement_date")))
        doc.fields["accounting_standard"] = _standard(doc, statement)
        for item in doc.items:
            key = item["key"].value
            if isinstance(key, str) and key not in doc.fields:
                doc.fields[key] = item["current"]
                doc.fields[f"{key}_prior"] = item["prior"]


def _horizontal(spans: list[TextSpan]) -> list[TextSpan]:
    """Drop tall spans (arced seal text, vertical notes) that would join several rows."""
    if not spans:
        return spans
    heights = sorted(s.box.height for s in spans)
    typical = heights[len(heights) // 2]
    return [s for s in spans if s.box.height <= 2.5 * typical]


def _join_wrapped(lines: list[RawLine]) -> list[RawLine]:
    """A long name wraps: its first part stands alone (no 行次, no amounts, not a heading) and the
    rest starts the next line, which carries the numbers."""
    out: list[RawLine] = []
    for line in lines:
        previous = out[-1] if out else None
        if not line.label and not line.row and line.has_amounts and previous and not previous.has_amounts:
            previous.current, previous.prior = line.current, line.prior  # numbers printed a line low
            continue
        if (
            previous is not None
            and not previous.has_amounts
            and not previous.row
            and previous.label
            and not is_section_header(previous.label_text)
            and line.label
            and not _starts_new_line(line.label_text)
            and line.has_amounts
            and line_name(previous.label_text) not in NAME_SET
        ):
            previous.label.extend(line.label)
            previous.row, previous.current, previous.prior = line.row, line.current, line.prior
            continue
        out.append(line)
    return out


NAME_SET = frozenset(name for names in NAMES_BY_TYPE.values() for name in names)
_NEW_LINE_MARK = re.compile(
    r"^\s*([一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[.．、]|加|减|其中)"
)


def _starts_new_line(label: str) -> bool:
    return bool(_NEW_LINE_MARK.match(norm(label))) or line_name(label) in NAME_SET


def _section(statement: str, label: str, current: str | None) -> str | None:
    """The cash-flow section a heading opens; the 补充资料 runs to the end of the statement."""
    if statement != "cash_flow_statement" or current == SUPPLEMENTARY:
        return current
    name = line_name(label)
    if "补充资料" in name or "将净利润调节为" in name:
        return SUPPLEMENTARY
    if "净额" in name or "小计" in name:
        return current
    for word, section in (("经营活动", OPERATING), ("投资活动", INVESTING), ("筹资活动", FINANCING)):
        if word in name and "现金流量" in name:
            return section
    return current


def _items(statement: str, raw: list[tuple[RawLine, bool]], multiplier: Decimal) -> list[dict[str, FieldValue]]:
    items: list[dict[str, FieldValue]] = []
    section: str | None = None
    for line, text_layer in raw:
        if not line.label and not line.has_amounts:
            continue
        label = line.label_text
        if not line.has_amounts and not line.row:  # a heading opens a section
            section = _section(statement, label, section)
        match, score = _match(statement, label, section)
        current = _amount(line.current, text_layer, bool(line.prior))
        prior = _amount(line.prior, text_layer, bool(line.current))
        label_evidence = [t.evidence for t in line.label]
        label_conf = min((e.confidence for e in label_evidence), default=0.0)
        items.append(
            {
                "key": FieldValue(
                    value=match.spec.key if match else None,
                    confidence=round(label_conf * score, 4) if match else 0.0,
                    evidence=label_evidence,
                    note=None if match else "未收录的报表项目，按原文保留",
                ),
                "label": FieldValue(value=label or None, confidence=round(label_conf, 4), evidence=label_evidence),
                "current": _amount_value(current, multiplier),
                "prior": _amount_value(prior, multiplier),
                "row": _row_value(line.row),
            }
        )
    return items


def _match(statement: str, label: str, section: str | None) -> tuple[LineMatch | None, float]:
    name = line_name(label)
    if not name:
        return None, 0.0
    exact = match_line(statement, name, section)
    if exact is not None:
        return exact, 1.0
    if len(name) < _FUZZY_MIN_LENGTH:
        return None, 0.0
    best = process.extractOne(name, NAMES_BY_TYPE.get(statement, ()), scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
    if best is None or abs(len(best[0]) - len(name)) > 1:
        return None, 0.0
    found = match_line(statement, best[0], section)
    return (found, best[1] / 100) if found else (None, 0.0)


def _amount_value(amount: Amount, multiplier: Decimal) -> FieldValue:
    if amount.value is None:
        note = "空白" if amount.blank else "未读出金额"
        return FieldValue(value=None, confidence=round(amount.confidence, 4), evidence=amount.evidence, note=note)
    yuan = (amount.value * multiplier).quantize(Decimal("0.01"))
    return FieldValue(value=yuan, confidence=round(amount.confidence, 4), evidence=amount.evidence)


def _row_value(tokens: list[Token]) -> FieldValue:
    if not tokens:
        return FieldValue(value=None)
    evidence = [t.evidence for t in tokens]
    digits = re.sub(r"\D", "", "".join(t.text for t in tokens))
    return FieldValue(value=digits or None, confidence=min(e.confidence for e in evidence), evidence=evidence)


# ---- header fields -----------------------------------------------------------------------------


def _header_fields(rows: list[Row], page_spans: list[TextSpan]) -> dict[str, FieldValue]:
    spans = [s for row in rows for s in row.spans]
    out: dict[str, FieldValue] = {}
    company = _company(spans, page_spans)
    if company:
        out["company_name"] = company
    out.update(_unit(spans, page_spans))
    out.update(_date(spans))
    return out


def _company(spans: list[TextSpan], page_spans: list[TextSpan]) -> FieldValue | None:
    for span, match in find_label(spans, _COMPANY_LABEL):
        located = text_after_label(span, match, page_spans, stop=_COMPANY_STOP, max_gap_factor=6)
        if located:
            name = located.text.strip(" :：")
            if name:
                return FieldValue(value=name, confidence=round(located.confidence, 4), evidence=located.evidence)
    return None


def _unit(spans: list[TextSpan], page_spans: list[TextSpan]) -> dict[str, FieldValue]:
    joined_rows = sorted(spans, key=lambda s: (s.box.cy, s.box.x0))
    for span in joined_rows:
        text = norm(span.text)
        match = _UNIT.search(text)
        located: Located | None = None
        unit = None
        if match:
            unit = match.group(1).replace(" ", "")
            located = Located(unit, [evidence_for(span, match.start(1), match.end(1))])
        elif re.search(r"(?<!编制)(?<!编报)单位\s*[:：]?\s*$", text):
            after = text_after_label(span, re.search(r"单位\s*[:：]?\s*$", text), page_spans, max_gap_factor=3)
            found = _UNIT_ANYWHERE.search("单位:" + norm(after.text)) if after else None
            if after and found:
                unit, located = found.group(1).replace(" ", ""), after
        if unit and located:
            multiplier = UNIT_MULTIPLIERS[unit.removeprefix("人民币")]
            fv = FieldValue(value=unit, confidence=round(located.confidence, 4), evidence=located.evidence)
            return {"unit": fv, "unit_multiplier": fv.model_copy(update={"value": str(multiplier)})}
    return {}


@dataclass(frozen=True, slots=True)
class Period:
    year: int
    start_month: int
    end_month: int
    day: int | None  # a balance-sheet date
    kind: str  # date | annual | range | month


def _date(spans: list[TextSpan]) -> dict[str, FieldValue]:
    for span in sorted(spans, key=lambda s: (s.box.cy, s.box.x0)):
        text = norm(span.text)
        if _COMPANY_LABEL.search(text) and not re.search(r"\d{4}\s*年", text.split(":")[-1]):
            continue
        period, match = _parse_period(text)
        if period is None or match is None:
            continue
        evidence = [evidence_for(span, match.start(), match.end())]
        if period.day is not None:
            value = f"{period.year:04d}-{period.end_month:02d}-{period.day:02d}"
        else:
            value = f"{period.year:04d}-{period.end_month:02d}"
        fv = FieldValue(value=value, confidence=round(span.confidence, 4), evidence=evidence, note=match.group(0))
        return {"statement_date": fv}
    return {}


def _parse_period(text: str) -> tuple[Period | None, re.Match[str] | None]:
    if match := _FULL_DATE.search(text):
        year, month, day = (int(g) for g in match.groups() if g is not None)
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]:
            return Period(year, 1, month, day, "date"), match
    if match := _MONTH_RANGE.search(text):
        year, first, last = (int(g) for g in match.groups())
        if 1 <= first <= last <= 12:
            return Period(year, first, last, None, "range"), match
    if match := _ANNUAL.search(text):
        return Period(int(match.group(1)), 1, 12, None, "annual"), match
    if match := _MONTH.search(text):
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12:
            return Period(year, 1, month, None, "month"), match
    return None, None


def _period_fields(statement: str, half: Half, date: FieldValue | None) -> dict[str, FieldValue]:
    """Column headings as printed and the period each refers to (YYYY-MM-DD for a balance-sheet
    column, YYYY-MM/YYYY-MM for a period column)."""
    out = {
        "current_period_label": FieldValue(value=half.current_header, confidence=1.0),
        "prior_period_label": FieldValue(value=half.prior_header, confidence=1.0),
    }
    if date is None or not isinstance(date.value, str):
        return out
    year, end_month = int(date.value[:4]), int(date.value[5:7])
    if statement == "balance_sheet":
        current = date.value if len(date.value) == 10 else _month_end(year, end_month)
        prior = _prior_balance_date(half.prior_header, year, end_month)
    else:
        current = _period_text(half.current_header, year, end_month)
        prior = _period_text(half.prior_header, year, end_month, prior=True)
    evidence = date.evidence
    out["current_period"] = FieldValue(value=current, confidence=date.confidence, evidence=evidence)
    out["prior_period"] = FieldValue(value=prior, confidence=date.confidence, evidence=evidence)
    return out


def _month_end(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def _prior_balance_date(header: str, year: int, month: int) -> str | None:
    if "年初" in header or "上年年末" in header or "年末" in header:
        return f"{year - 1:04d}-12-31"
    if "上月" in header or "期初" in header:
        # 期初 on a monthly sheet is the previous month end; on a year-end sheet the previous year end.
        if month == 12 and "期初" in header:
            return f"{year - 1:04d}-12-31"
        return _month_end(year if month > 1 else year - 1, month - 1 if month > 1 else 12)
    return None


def _period_text(header: str, year: int, end_month: int, prior: bool = False) -> str | None:
    if "本月" in header:
        return f"{year:04d}-{end_month:02d}/{year:04d}-{end_month:02d}"
    if "上月" in header:
        y, m = (year, end_month - 1) if end_month > 1 else (year - 1, 12)
        return f"{y:04d}-{m:02d}/{y:04d}-{m:02d}"
    if prior or "上" in header:
        return f"{year - 1:04d}-01/{year - 1:04d}-{end_month:02d}"
    return f"{year:04d}-01/{year:04d}-{end_month:02d}"


def _standard(doc: Document, statement: str) -> FieldValue:
    """小企业会计准则 or the general format, from the 表号 (会小企01表 / 会企01表) or format-only lines."""
    for span in doc.spans:
        text = norm(span.text).replace(" ", "")
        if "会小企" in text or "小企业会计准则" in text:
            return FieldValue(value=SMALL_ENTERPRISE, confidence=0.99, evidence=[evidence_for(span)])
        if re.search(r"会企0\d表", text):
            return FieldValue(value=GENERAL, confidence=0.99, evidence=[evidence_for(span)])
    names = {line_name(str(item["label"].value)) for item in doc.items if item["label"].value}
    if names & SMALL_ONLY_NAMES and not names & GENERAL_ONLY_NAMES:
        return FieldValue(value=SMALL_ENTERPRISE, confidence=0.8, note="按小企业会计准则特有项目判断")
    if names & GENERAL_ONLY_NAMES:
        return FieldValue(value=GENERAL, confidence=0.8, note="按一般企业报表格式特有项目判断")
    return FieldValue(value=None, note="无法判断报表格式")

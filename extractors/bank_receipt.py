"""Bank receipts (电子回单, 业务回单, 网上银行电子回执, 转账凭证, 结算业务申请书) from positioned text.

No per-bank template: values are read beside their printed labels, whose wording varies by bank
(户名/全称/付款人名称, 账号/卡号/账号或地址, 开户行/开户银行/付款行, 交易日期/记账日期, 用途/摘要/附言,
流水号/回单编号/凭证号). Labels that name their party (付款人账号, 收款行) say whose value follows;
labels repeated in two blocks (户名, 账号, 开户银行 under a vertical 付款人 / 收款人 marker, or under a
申请人 block) belong to the nearest marker to their left or above, and without any marker the first
block read is the payer's. The 小写 amount is read after its label, after a ¥, or from a 亿…元角分
digit grid by the columns of its header.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np

from docintel.layout import (
    Located,
    chars_of,
    evidence_for,
    find_label,
    group_rows,
    nearest_marker,
    norm,
    text_after_label,
    vertical_overlap,
)
from docintel.model import Box, Document, Evidence, FieldValue, Origin, Page, TextSpan

FIELD_NAMES = (
    "receipt_kind", "bank_name",
    "payer_name", "payer_account", "payer_bank",
    "payee_name", "payee_account", "payee_bank",
    "amount", "amount_upper", "currency", "transaction_date", "purpose", "serial_number",
)  # fmt: skip
PARTIES = ("payer", "payee")

# Party prefixes: 申请人 fills in a 结算业务申请书 as the one who pays; 汇款人 on 汇款 forms.
_PAYER = r"(?:付\s*款|汇\s*款|汇\s*出)"
_PAYEE = r"(?:收\s*款|汇\s*入)"
_WHO = r"(?:人|方|单位)?"
_NAME_SUFFIX = r"(?:全\s*称|名\s*称|户\s*名|账户名称?)"
_ACCOUNT_SUFFIX = r"(?:账\s*号|帐\s*号|卡\s*号|账\s*户(?!名))"
_BANK_SUFFIX = r"(?:开户行名称|开\s*户\s*银\s*行|开\s*户\s*行|开户机构|银\s*行|行)"


@dataclass(frozen=True, slots=True)
class PartyLabel:
    part: str  # name | account | bank
    party: str | None  # payer / payee when the label names it, None for 户名, 账号, 开户行
    pattern: re.Pattern[str]


def _party_labels() -> tuple[PartyLabel, ...]:
    """Tried in order on each span: suffixed labels before the bare 付款人 / 收款人."""
    labels = []
    for party, prefix in (("payer", _PAYER), ("payee", _PAYEE)):
        labels += [
            PartyLabel("name", party, re.compile(rf"^{prefix}{_WHO}\s*{_NAME_SUFFIX}\s*:?")),
            PartyLabel("account", party, re.compile(rf"^{prefix}{_WHO}\s*{_ACCOUNT_SUFFIX}\s*:?")),
            PartyLabel("bank", party, re.compile(rf"^{prefix}{_WHO}\s*{_BANK_SUFFIX}\s*(?:名称)?\s*:?")),
            PartyLabel("name", party, re.compile(rf"^{prefix}\s*(?:人|方|单位)\s*:?")),
        ]
    labels.append(PartyLabel("name", "payer", re.compile(r"^申\s*请\s*人\s*(?:全称|名称)?\s*:?")))
    labels += [
        PartyLabel("name", None, re.compile(rf"^(?:{_NAME_SUFFIX}|开户名称?)\s*:?")),
        PartyLabel("account", None, re.compile(rf"^{_ACCOUNT_SUFFIX}\s*(?:或地址)?\s*:?")),
        PartyLabel("bank", None, re.compile(r"^(?:开户行名称|开\s*户\s*银\s*行|开\s*户\s*行|开户机构)\s*:?")),
    ]
    return tuple(labels)


PARTY_LABELS = _party_labels()
# A block marker: 付款人 / 收款人 printed beside (often vertically, one character a line) a block of
# repeated labels. OCR and PDF text give it whole, or as single characters.
_MARKER = re.compile(r"^(?:(付款|汇款|申请)(?:人|方|单位)?(?:信息)?|(收款)(?:人|方|单位)?(?:信息)?|(付)|(收))$")

_VERTICAL_MARKER = re.compile(r"^(?:付款|申请|汇款|收款)")
# Where a value ends: the next label (searched anywhere in a span, since OCR may join a value and the
# next cell's label) or a lone marker character.
_STOP = re.compile(
    r"户\s*名|全\s*称|账\s*号|帐\s*号|卡\s*号|开户银行|开户行|付款人|收款人|付款方|收款方|付款账|收款账|付款行|"
    r"收款行|金\s*额|大\s*写|小\s*写|用\s*途|摘\s*要|附\s*言|备\s*注|日\s*期|流水号|币\s*[种别]|交易渠道|"
    r"凭证号|回单编号|回单号码|业务类型|^[付收款人]$"
)
# Free text (用途, 附言) may hold label-like words ("用户名：abc"): only a label opening a span ends it.
_STOP_AT_START = re.compile(rf"^(?:{_STOP.pattern})")

_UPPER_LABEL = re.compile(
    r"^(?:(?:交易|汇款|转账)?金\s*额\s*\(?\s*大\s*写\s*\)?|大写金额|金额大写|人民币\s*\(\s*大写\s*\))\s*:?"
)
_AMOUNT_LABEL = re.compile(
    r"^(?:(?:交易|汇款|转账|付款)?金\s*额(?!\s*\(?\s*大)\s*(?:\(\s*小\s*写\s*\))?|小写金额|金额小写|小\s*写)\s*:?"
)
_DATE_LABEL = re.compile(
    r"^(?:交易|记账|入账|转账|申请|回单|业务|汇款|会计|支付)?\s*日\s*期\s*:?|^(?:交易|记账)时间\s*:?"
)
_PURPOSE_LABELS = (  # in order of preference: what the money is for, then the bank's summary
    re.compile(r"^(?:附加信息及)?用\s*途\s*:?"),
    re.compile(r"^附\s*言\s*:?|^附加信息\s*:?"),
    re.compile(r"^摘\s*要\s*:?"),
    re.compile(r"^备\s*注\s*:?"),
)
_SERIAL_LABELS = (  # the transaction's own number first, then the receipt's, then other references
    re.compile(r"^(?:交易|业务)?流水号?\s*:?|^交易序号\s*:?"),
    re.compile(r"^(?:电子)?回单(?:编号|号码|号)\s*:?"),
    re.compile(r"^(?:凭证号|凭证编号|业务编号|交易编号|序\s*号)\s*:?"),
)
_CURRENCY_LABEL = re.compile(r"^币\s*[种别]\s*:?")

_DATE = re.compile(r"((?:19|20)\d{2})\s*[年\-./]\s*(\d{1,2})\s*[月\-./]\s*(\d{1,2})")
_MONEY = re.compile(r"-?\d{1,3}(?:,\d{3})+\.\d{2}(?!\d)|-?\d+\.\d{2}(?!\d)")
_UPPER = re.compile(r"[零壹贰叁肆伍陆柒捌玖拾佰仟万亿圆元角分整正]{2,}")
_ACCOUNT = re.compile(r"[0-9Xx*]{6,}")
_SERIAL = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-]{3,}")
_YUAN_SIGN = re.compile(r"[¥]")
_CURRENCIES = (("CNY", ("人民币", "CNY", "RMB", "¥")), ("USD", ("美元", "USD")), ("HKD", ("港币", "HKD")),
               ("EUR", ("欧元", "EUR")))  # fmt: skip

_KNOWN_BANKS = (
    "中国工商银行", "中国农业银行", "中国建设银行", "中国邮政储蓄银行", "中国光大银行", "中国民生银行", "中国银行",
    "交通银行", "招商银行", "中信银行", "华夏银行", "广发银行", "平安银行", "兴业银行", "上海浦东发展银行",
    "浦发银行", "浙商银行", "渤海银行", "恒丰银行", "北京银行", "上海银行", "江苏银行", "宁波银行", "南京银行",
    "杭州银行",
)  # fmt: skip
# Any other bank's name, but not the channels printed in titles (网上银行电子回单, 企业银行支付).
_OTHER_BANK = re.compile(r"(?<!网上)(?<!手机)(?<!企业)(?<!电子)[\u4e00-\u9fff]{2,10}?(?:农村商业银行|银行|信用社)")
_CHANNELS = ("网上银行", "手机银行", "企业银行", "电子银行")
_TITLE = re.compile(r"回单|回执|凭证|申请书|进账单|汇款单|通知书")
_NOT_TITLE = re.compile(r"[:：,，。\d]|号|专用章")


class BankReceiptExtractor:
    """Fills `doc.fields` of one receipt (a whole page, or its region of a page of several)."""

    doc_type = "bank_receipt"

    def extract(self, doc: Document) -> None:
        doc.doc_type = self.doc_type
        spans = [s for page in doc.pages[:1] for s in page.spans]
        area = doc.region or (_page_box(doc) if doc.pages else None)
        found: dict[str, FieldValue] = {}
        notes: dict[str, str] = {}  # why a field stayed empty, e.g. its label printed with nothing after it
        found.update(_heading(spans, area))
        _parties(spans, found, notes)
        _amounts(spans, found, notes, doc.pages[0] if doc.pages else None)
        _labelled_value(spans, "transaction_date", (_DATE_LABEL,), _date_value, found, notes)
        _labelled_value(spans, "serial_number", _SERIAL_LABELS, _serial_value, found, notes)
        _purpose(spans, found, notes)
        _currency(spans, found)
        for name in FIELD_NAMES:
            note = notes.get(name, "未在回单上找到该栏目")
            doc.fields[name] = found.get(name) or FieldValue(value=None, note=note)


def _page_box(doc: Document) -> Box:
    page = doc.pages[0]
    return Box(x0=0.0, y0=0.0, x1=page.width, y1=page.height)


def _fv(
    value: str | Decimal | None, located: Located, confidence_factor: float = 1.0, note: str | None = None
) -> FieldValue:
    return FieldValue(
        value=value,
        confidence=round(located.confidence * confidence_factor, 4),
        evidence=located.evidence,
        note=note,
    )


def _is_vertical(span: TextSpan) -> bool:
    """Text printed one character a line (付款人 / 收款人 markers, 第一联 notes)."""
    return len(span.text.strip()) >= 2 and span.box.height > span.box.width


def _blank_label(span: TextSpan, match: re.Match[str]) -> str:
    return f"“{span.text[match.start() : match.end()].strip(' :：')}”栏为空"


# ---- heading: issuing bank and the receipt's title ---------------------------------------------


def _heading(spans: list[TextSpan], area: Box | None) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    top_limit = area.y0 + 0.3 * area.height if area else float("inf")
    top = sorted((s for s in spans if s.box.y0 <= top_limit), key=lambda s: (s.box.y0, s.box.x0))
    for span in top:
        found = _bank_in(span.text)
        if found:
            start, end = found
            out["bank_name"] = _fv(
                span.text[start:end], Located(span.text[start:end], [evidence_for(span, start, end)])
            )
            break
    titles = [s for s in top if _TITLE.search(norm(s.text)) and not _NOT_TITLE.search(norm(s.text))]
    if titles:
        span = max(titles, key=lambda s: s.box.height)  # the title is the largest print at the top
        start = 0
        bank = _bank_in(span.text)
        if bank and bank[0] == 0:  # "中国工商银行网上银行电子回单" read as one span
            start = bank[1]
        text = span.text[start:].strip()
        offset = span.text.index(text, start)
        out["receipt_kind"] = _fv(text, Located(text, [evidence_for(span, offset, offset + len(text))]))
    return out


def _bank_in(text: str) -> tuple[int, int] | None:
    """Offsets of the first bank name in `text`, known names first (中国银行 inside 中国银行股份…)."""
    hits = [(text.find(name), name) for name in _KNOWN_BANKS if name in text]
    if hits:
        start, name = min(hits, key=lambda h: (h[0], -len(h[1])))
        return start, start + len(name)
    for match in _OTHER_BANK.finditer(text):
        if not any(channel in match.group(0) for channel in _CHANNELS):
            return match.start(), match.end()
    return None


# ---- parties -----------------------------------------------------------------------------------


def _parties(spans: list[TextSpan], found: dict[str, FieldValue], notes: dict[str, str]) -> None:
    markers = _markers(spans)
    generic_count: dict[str, int] = {}
    hits: list[tuple[TextSpan, re.Match[str], PartyLabel]] = []
    for span in spans:
        if _is_vertical(span) or len(span.text.strip()) < 2:
            continue
        text = norm(span.text)
        for label in PARTY_LABELS:
            match = label.pattern.search(text)
            if match:
                hits.append((span, match, label))
                break
    for span, match, label in _reading_order(hits):
        party = label.party
        if party is None:
            party = nearest_marker(span, markers)
            if party is None:  # no markers: the first block read (left or top) is the payer's
                seen = generic_count.get(label.part, 0)
                generic_count[label.part] = seen + 1
                party = PARTIES[min(seen, 1)]
        key = f"{party}_{label.part}"
        if key in found:
            continue
        located = text_after_label(span, match, spans, stop=_STOP)
        value = _party_value(label.part, located.text) if located else None
        if value is not None and located is not None:
            found[key] = _fv(value, located)
        else:
            notes.setdefault(key, _blank_label(span, match))


def _reading_order(
    hits: list[tuple[TextSpan, re.Match[str], PartyLabel]],
) -> list[tuple[TextSpan, re.Match[str], PartyLabel]]:
    """Row by row, left to right: labels side by side are one row even when a scan tilts them."""
    order = {
        id(span): index for index, span in enumerate(s for row in group_rows([h[0] for h in hits]) for s in row.spans)
    }
    return sorted(hits, key=lambda h: order[id(h[0])])


def _markers(spans: list[TextSpan]) -> list[tuple[TextSpan, str]]:
    out = []
    for span in spans:
        text = norm(span.text).replace(" ", "")
        match = _MARKER.match(text)
        if match:
            out.append((span, "payer" if match.group(1) or match.group(3) else "payee"))
        elif _is_vertical(span) and (vertical := _VERTICAL_MARKER.match(text)):
            # OCR misreads the last of a column of characters ("付款大"): the first two decide.
            out.append((span, "payee" if vertical.group(0).startswith("收") else "payer"))
    return out


def _party_value(part: str, text: str) -> str | None:
    text = text.strip(" :：")
    if part == "account":
        match = _ACCOUNT.search(norm(text).replace(" ", "").replace("-", ""))
        return match.group(0) if match else None
    text = re.sub(r"\s+", "", text) if re.search(r"[\u4e00-\u9fff]", text) else text
    return text or None


# ---- amounts -----------------------------------------------------------------------------------


def _amounts(spans: list[TextSpan], found: dict[str, FieldValue], notes: dict[str, str], page: Page | None) -> None:
    for span, match in find_label(spans, _UPPER_LABEL):
        located = text_after_label(span, match, spans, stop=_STOP)
        upper = _upper_in(located) if located else None
        if upper:
            found["amount_upper"] = upper
            break
    if "amount_upper" not in found:
        for span in spans:  # a 大写 standing alone in its cell
            compact = norm(span.text).replace(" ", "").removeprefix("人民币")
            upper = _upper_in(Located(span.text, [evidence_for(span)]))
            if upper and _UPPER.fullmatch(compact) and re.search(r"[元圆]", compact) and len(compact) >= 3:
                found["amount_upper"] = upper
                break
    for span, match in find_label(spans, _AMOUNT_LABEL):
        located = text_after_label(span, match, spans, stop=_STOP)
        amount = _money_in(located) if located else None
        if amount:
            found["amount"] = amount
            return
    amount = _yuan_sign_amount(spans, notes, page)
    if amount:
        found["amount"] = amount


def _upper_in(located: Located) -> FieldValue | None:
    runs = _UPPER.findall(located.text.replace(" ", ""))
    if not runs:
        return None
    value = max(runs, key=len)
    evidence = [e for e in located.evidence if e.text and any(ch in e.text for ch in value)]
    return _fv(value, Located(value, evidence or located.evidence))


def _money_in(located: Located) -> FieldValue | None:
    text = norm(located.text).replace(" ", "").replace("¥", "")
    match = _MONEY.search(text)
    if not match:
        return None
    value = _decimal(match.group(0))
    if value is None:
        return None
    evidence = [e for e in located.evidence if e.text and _MONEY.search(norm(e.text).replace(" ", ""))]
    return _fv(value, Located(match.group(0), evidence or located.evidence))


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _yuan_sign_amount(spans: list[TextSpan], notes: dict[str, str], page: Page | None) -> FieldValue | None:
    """An amount after a ¥ with no label: in the same span or the digits right of it. Digits in a
    亿…元角分 grid carry no decimal point: their place comes from the header's 元 column."""
    for span in sorted(spans, key=lambda s: (s.box.cy, s.box.x0)):
        text = norm(span.text)
        sign = _YUAN_SIGN.search(text)
        if not sign:
            continue
        rest = text[sign.end() :].replace(" ", "")
        money = _MONEY.search(rest)
        if money and _decimal(money.group(0)) is not None:
            return _fv(_decimal(money.group(0)), Located(money.group(0), [evidence_for(span)]))
        if re.search(r"\d[.,]|[.,]\d", rest):
            # "¥622,868.3": a digit lost, most often under the bank's red seal. Read the line again
            # without the seal; a guess would be worse than nothing.
            reread = _reread_without_seal(span, page)
            if reread is not None:
                return reread
            notes["amount"] = f"小写金额“{span.text.strip()}”不完整，未采用"
            continue
        digits = _digit_run(span, sign.end(), spans)
        if digits:
            return _grid_amount(digits, spans)
    return None


def _reread_without_seal(span: TextSpan, page: Page | None) -> FieldValue | None:
    """OCR the amount's line again on the red channel, where red seal ink turns as light as the
    paper and black print stays dark (PaddleOCR's approach to sealed documents)."""
    if page is None or page.image is None or span.origin is not Origin.OCR:
        return None
    from models.ocr import get_engine

    image, box, pad = page.image, span.box, span.box.height
    # Wider to the right: the digits that were lost are usually the last ones.
    x0, x1 = max(0, int(box.x0 - pad)), min(image.shape[1], int(box.x1 + 2 * pad))
    y0, y1 = max(0, int(box.y0 - 0.3 * pad)), min(image.shape[0], int(box.y1 + 0.3 * pad))
    red = np.ascontiguousarray(np.repeat(image[y0:y1, x0:x1, :1], 3, axis=2))
    for line in get_engine().read(red):
        text = norm(line.text).replace(" ", "")
        money = _MONEY.search(text.replace("¥", ""))
        if "¥" in text and money and _decimal(money.group(0)) is not None:
            evidence = Evidence(
                page=span.page,
                box=Box(x0=x0, y0=y0, x1=x1, y1=y1),
                confidence=round(line.score, 4),
                origin=Origin.OCR,
                text=line.text,
            )
            note = f"页面识别为“{span.text.strip()}”，去除红色印章后重新识别"
            return _fv(_decimal(money.group(0)), Located(money.group(0), [evidence]), note=note)
    return None


def _digit_run(sign_span: TextSpan, start: int, spans: list[TextSpan]) -> list[TextSpan]:
    """Digit spans right of the ¥ on its row (a grid prints one digit per cell)."""
    height = max(sign_span.box.height, 1.0)
    row = sorted(
        (
            s
            for s in spans
            if s is not sign_span
            and s.box.x0 >= sign_span.box.x1 - height / 2
            and vertical_overlap(s.box, sign_span.box) >= 0.5
        ),
        key=lambda s: s.box.x0,
    )
    run = [sign_span] if re.search(r"\d", sign_span.text[start:]) else []
    x_end = sign_span.box.x1
    for span in row:
        if not re.fullmatch(r"\d+", norm(span.text).replace(" ", "")) or span.box.x0 - x_end > 2 * height:
            break
        run.append(span)
        x_end = span.box.x1
    return run


def _grid_amount(run: list[TextSpan], spans: list[TextSpan]) -> FieldValue | None:
    digits = [c for c in chars_of(run) if c.char.isdigit()]
    located = Located("".join(c.char for c in digits), [evidence_for(s) for s in run])
    columns = _grid_columns(run[0], spans)
    if columns is None:  # no 元角分 header: the digits are whole yuan
        return _fv(Decimal(located.text).quantize(Decimal("0.01")), located)
    yuan_x, pitch = columns
    places: dict[int, int] = {}
    for char in digits:
        place = round(((char.x0 + char.x1) / 2 - yuan_x) / pitch)
        if place in places or place > 2:
            return None  # two digits in one cell or right of 分: not a grid read we can trust
        places[place] = int(char.char)
    lowest = min(places)
    if any(p not in places for p in range(lowest, 1)):
        return None  # a yuan cell between the first digit and 元 was not read
    yuan = sum(places[p] * 10 ** (-p) for p in range(lowest, 1))
    missing = [name for place, name in ((1, "角"), (2, "分")) if place not in places]
    cents = 10 * places.get(1, 0) + places.get(2, 0)
    value = (Decimal(yuan) + Decimal(cents) / 100).quantize(Decimal("0.01"))
    note = f"小写金额格中{'、'.join(missing)}位未识别，按 0 计" if missing else None
    return _fv(value, located, confidence_factor=0.8 if missing else 1.0, note=note)


def _grid_columns(first: TextSpan, spans: list[TextSpan]) -> tuple[float, float] | None:
    """x of the 元 column and the cell pitch, from the 亿…元角分 header just above the digits."""
    height = max(first.box.height, 1.0)
    header = [
        s
        for s in spans
        if s.box.y1 <= first.box.cy and first.box.y0 - s.box.y1 < 1.5 * height and s.box.x1 >= first.box.x0 - 4 * height
    ]
    centres: dict[str, float] = {}
    for char in chars_of(header):
        if char.char in "元角分" and char.char not in centres:
            centres[char.char] = (char.x0 + char.x1) / 2
    if "元" not in centres:
        return None
    if "分" in centres:
        return centres["元"], (centres["分"] - centres["元"]) / 2
    if "角" in centres:
        return centres["元"], centres["角"] - centres["元"]
    return None


# ---- date, serial number, purpose, currency ----------------------------------------------------


def _labelled_value(
    spans: list[TextSpan],
    field: str,
    labels: tuple[re.Pattern[str], ...],
    parse: Callable[[Located], FieldValue | None],
    found: dict[str, FieldValue],
    notes: dict[str, str],
) -> None:
    for label in labels:
        for span, match in sorted(find_label(spans, label), key=lambda h: (h[0].box.cy, h[0].box.x0)):
            # Dates are often split by OCR ("2019 年 05 月 08 日"): read the row, not up to a label.
            stop = None if field == "transaction_date" else _STOP
            located = text_after_label(span, match, spans, stop=stop, max_gap_factor=12 if stop else 6)
            value = parse(located) if located else None
            if value is not None:
                found[field] = value
                return
            notes.setdefault(field, _blank_label(span, match))


def _date_value(located: Located) -> FieldValue | None:
    match = _DATE.search(norm(located.text))
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return _fv(f"{year:04d}-{month:02d}-{day:02d}", located)


def _serial_value(located: Located) -> FieldValue | None:
    match = _SERIAL.search(norm(located.text).replace(" ", ""))
    if not match or not re.search(r"\d", match.group(0)):
        return None
    return _fv(match.group(0), located)


def _purpose(spans: list[TextSpan], found: dict[str, FieldValue], notes: dict[str, str]) -> None:
    for label in _PURPOSE_LABELS:
        for span, match in find_label(spans, label):
            located = text_after_label(span, match, spans, stop=_STOP_AT_START) or _lines_below(span, spans)
            if located:
                found["purpose"] = _fv(located.text.strip(" :："), located)
                return
            notes.setdefault("purpose", _blank_label(span, match))


def _lines_below(label: TextSpan, spans: list[TextSpan]) -> Located | None:
    """Free text written under its label (附加信息及用途 boxes): the left-aligned lines directly below."""
    height = max(label.box.height, 1.0)
    below = [
        s
        for s in spans
        if s.box.y0 >= label.box.y1 - 0.3 * height
        and s.box.x0 >= label.box.x0
        and not _is_vertical(s)
        and s.box.height <= 1.8 * height
    ]
    pieces: list[tuple[str, Evidence]] = []
    bottom, left = label.box.y1, None
    for row in group_rows(below):
        first = row.spans[0]
        if row.box.y0 - bottom > height or _STOP_AT_START.search(norm(first.text)):
            break
        if left is not None and abs(first.box.x0 - left) > 1.5 * height:
            break
        left = first.box.x0 if left is None else left
        x_end = first.box.x0
        for span in row.spans:
            if span.box.x0 - x_end > 3 * height:
                break
            pieces.append((span.text.strip(), evidence_for(span)))
            x_end = span.box.x1
        bottom = row.box.y1
    if not pieces:
        return None
    return Located(" ".join(t for t, _ in pieces), [e for _, e in pieces])


def _currency(spans: list[TextSpan], found: dict[str, FieldValue]) -> None:
    for span, match in find_label(spans, _CURRENCY_LABEL):
        located = text_after_label(span, match, spans, stop=_STOP)
        code = _currency_code(located.text) if located else None
        if code and located:
            found["currency"] = _fv(code, located)
            return
    # No 币种 line: the currency word printed with the amount (人民币, CNY, ¥).
    for field in ("amount", "amount_upper"):
        fv = found.get(field)
        for evidence in fv.evidence if fv else []:
            code = _currency_code(evidence.text or "")
            if code:
                found["currency"] = FieldValue(value=code, confidence=evidence.confidence, evidence=[evidence])
                return
    for span in spans:
        text = norm(span.text)
        if "金额" in text or "人民币" in text or re.search(r"\b(CNY|RMB)\b", text):
            code = _currency_code(text)
            if code:
                found["currency"] = _fv(code, Located(span.text, [evidence_for(span)]))
                return


def _currency_code(text: str) -> str | None:
    text = norm(text)
    for code, words in _CURRENCIES:
        if any(word in text for word in words):
            return code
    return None


__all__ = ["FIELD_NAMES", "BankReceiptExtractor"]

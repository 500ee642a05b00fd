"""Rule-based entities for Chinese business documents, as a spaCy pipeline built offline in code.

spaCy's blank "zh" pipeline with the "char" segmenter makes one token per character and needs no
jieba/pkuseg download. Token patterns over single characters are awkward for codes and amounts, so
one custom component runs regular expressions over `doc.text` and turns the matches into entity
spans with `doc.char_span(..., alignment_mode="expand")`.

Labels: ORG, TAX_ID, MONEY, DATE, BANK_ACCOUNT, PHONE, ID_CARD. Digit runs are ambiguous (an
18-digit run may be a tax ID, a resident ID or an account), so they are classified by the label
printed just before them (纳税人识别号, 账号, 身份证, 电话, 发票号码 ...), and without one by their
shape and check digits (GB 32100 for the USCC, GB 11643 for the resident ID).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

COMPONENT_NAME = "zh_entity_rules"
LABELS = ("ORG", "TAX_ID", "MONEY", "DATE", "BANK_ACCOUNT", "PHONE", "ID_CARD")


@dataclass(frozen=True, slots=True)
class Entity:
    """An entity found in text: its label, its text and its character offsets [start, end)."""

    label: str
    text: str
    start: int
    end: int


# --------------------------------------------------------------------------- ORG

_CJK = r"\u4e00-\u9fff"
# A name is CJK characters with optional bracketed parts such as (天津) or （北京）.
_NAME_RUN = re.compile(rf"[{_CJK}](?:[{_CJK}]|[（(][{_CJK}A-Za-z0-9]{{1,20}}[)）])*")
# Longest suffixes first so that 有限责任公司 is not read as ...有限 + 责任公司.
_ORG_SUFFIX = re.compile(
    r"股份有限公司|有限责任公司|有限公司|分公司|公司|集团|合作社|信用社|经营部|营业部|事务所|研究院|研究所"
    r"|中心|商行|支行|分行|分理处|银行|厂|店"
)
# Form labels that precede a name when OCR or PDF text drops the colon after them.
_LEADING_LABEL = re.compile(
    rf"^(?:(?:购买方|销售方|购方|销方|买方|卖方|甲方|乙方|丙方|出租方|承租方|委托方|受托方|借款人|贷款人"
    rf"|保证人|收款人|付款人|收款单位|付款单位|开户行及账号|开户银行|开户行|开户名|账户名称|户名|单位名称"
    rf"|公司名称|企业名称|名称|全称)(?:[（(][{_CJK}]{{1,6}}[)）])?)+"
)
# Characters that end a clause in contract prose ("款项支付至甲方指定的银行"); a name starts after
# the last of them. Characters common in place or company names (和 于 自 从 经 之 本) are left out.
_PROSE_CHARS = re.compile(r"[的是在与及或向由对将把被给按请即并但而则其该此等为]")
_MIN_NAME_STEM = 2  # characters before the suffix: "银行" or "店" alone is not a name
_MAX_ORG_LENGTH = 50


def _org_start(run: str, suffix_start: int) -> int:
    """Offset in `run` where the organisation name begins, after prose and form labels."""
    start = 0
    for prose in _PROSE_CHARS.finditer(run, 0, suffix_start):
        start = prose.end()
    label = _LEADING_LABEL.match(run, start)
    return label.end() if label else start


def _orgs(text: str) -> list[tuple[str, int, int]]:
    found: list[tuple[str, int, int]] = []
    for run in _NAME_RUN.finditer(text):
        suffixes = list(_ORG_SUFFIX.finditer(run.group()))
        if not suffixes:
            continue
        last = suffixes[-1]  # greedy: 平安银行深圳新沙支行 ends at 支行, not at 银行
        start = _org_start(run.group(), last.start())
        if last.start() - start < _MIN_NAME_STEM or last.end() - start > _MAX_ORG_LENGTH:
            continue
        found.append(("ORG", run.start() + start, run.start() + last.end()))
    return found


# --------------------------------------------------------------------------- MONEY and DATE

_FIGURES = r"-?\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|-?\d+(?:\.\d{1,2})?"
_MONEY_FIGURES = re.compile(
    rf"(?:[¥￥]|人民币|RMB)\s*(?:{_FIGURES})(?:\s*(?:万元|元))?"
    rf"|(?<![\d.,])(?:{_FIGURES})\s*(?:万元|元)"
)
_UPPER_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_MONEY_UPPER = re.compile(
    rf"(?:人民币)?(?:[{_UPPER_DIGITS}拾佰仟万亿]*[{_UPPER_DIGITS}][{_UPPER_DIGITS}拾佰仟万亿]*[圆元]"
    rf"(?:[{_UPPER_DIGITS}]角)?(?:[{_UPPER_DIGITS}]分)?[整正]?"
    rf"|[{_UPPER_DIGITS}]角(?:[{_UPPER_DIGITS}]分)?[整正]?|[{_UPPER_DIGITS}]分[整正]?)"
)

_DATE_CJK = re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_SEPARATED = re.compile(r"(?<![\d.\-/])(\d{4})([-./])(\d{1,2})\2(\d{1,2})(?![\d.\-/])")
_DATE_COMPACT = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
_DATE_SPACED = re.compile(r"(?<!\d)(\d{4}) {1,3}(\d{2}) {1,3}(\d{2})(?!\d)")  # e-invoice "2019  05  08"
_CN_NUMERAL = "〇零一二三四五六七八九十"
_DATE_CN_NUMERALS = re.compile(rf"[{_CN_NUMERAL}]{{4}}年[{_CN_NUMERAL}]{{1,2}}月[{_CN_NUMERAL}]{{1,3}}日")
# Compact and spaced digit dates are only dates when a date label precedes them.
_DATE_CONTEXT = re.compile(r"(?:日期|时间|开票|签订|签署|生效|起|至|止|截至|date)[:：\s]*$", re.IGNORECASE)


def _valid_date(year: str, month: str, day: str) -> bool:
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return False
    return 1949 <= value.year <= 2100


def _money(text: str) -> list[tuple[str, int, int]]:
    spans = [("MONEY", m.start(), m.end()) for m in _MONEY_FIGURES.finditer(text)]
    spans += [("MONEY", m.start(), m.end()) for m in _MONEY_UPPER.finditer(text)]
    return spans


def _dates(text: str) -> list[tuple[str, int, int]]:
    spans: list[tuple[str, int, int]] = []
    for m in _DATE_CJK.finditer(text):
        if _valid_date(m[1], m[2], m[3]):
            spans.append(("DATE", m.start(), m.end()))
    for m in _DATE_SEPARATED.finditer(text):
        if _valid_date(m[1], m[3], m[4]):
            spans.append(("DATE", m.start(), m.end()))
    for pattern in (_DATE_COMPACT, _DATE_SPACED):
        for m in pattern.finditer(text):
            before = text[max(0, m.start() - 12) : m.start()]
            if _valid_date(m[1], m[2], m[3]) and _DATE_CONTEXT.search(before):
                spans.append(("DATE", m.start(), m.end()))
    spans += [("DATE", m.start(), m.end()) for m in _DATE_CN_NUMERALS.finditer(text)]
    return spans


# --------------------------------------------------------------------------- codes and numbers

_PHONE = re.compile(
    r"(?<![\dA-Za-z])(?:(?:\+?86[- ]?)?1[3-9]\d{9}"  # mobile
    r"|(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}-)\s?\d{7,8}(?:-\d{1,5})?"  # landline with area code
    r"|[48]00-?\d{3}-?\d{4})(?![\dA-Za-z])"
)
# Runs of capitals and digits (tax IDs, IDs, accounts), or digits grouped by spaces (accounts).
_CODE_RUN = re.compile(r"(?<![0-9A-Za-z])(?:\d{4}(?: \d{3,4}){2,5}(?: \d{1,4})?|[0-9A-Z]{10,25})(?![0-9A-Za-z])")

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC = re.compile(rf"[1-9A-GY][1-9]\d{{6}}[{_USCC_CHARS}]{{9}}[{_USCC_CHARS}]")
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_LEGACY_TAX_ID = re.compile(r"\d{6}[0-9A-Z]{9}(?:[0-9A-Z]{2}|[0-9A-Z]{5})?")  # 15, 17 or 20 chars
_RESIDENT_ID = re.compile(r"[1-9]\d{5}(\d{4})(\d{2})(\d{2})\d{3}[\dX]")
_RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_ID_CHECK = "10X98765432"

# The label printed nearest before a code decides what it is; this many characters are looked at.
_CONTEXT_CHARS = 40
_CONTEXT_LABELS = re.compile(
    r"(?P<tax>纳税人识别号|识别号|税号|信用代码|税务登记号)"
    r"|(?P<account>账号|帐号|账户|帐户|卡号|开户行)"
    r"|(?P<id>身份证|证件号)"
    r"|(?P<phone>电话|手机|联系方式|传真|Tel|TEL)"
    r"|(?P<other>发票号码|发票代码|号码|代码|订单号|单号|编号|流水号|凭证号|校验码|机器编号|No)"
)


def _uscc_checks(code: str) -> bool:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


def _resident_id_checks(code: str) -> bool:
    match = _RESIDENT_ID.fullmatch(code)
    if match is None or not _valid_date(match[1], match[2], match[3]):
        return False
    total = sum(int(c) * w for c, w in zip(code[:17], _RESIDENT_ID_WEIGHTS, strict=True))
    return _RESIDENT_ID_CHECK[total % 11] == code[17]


def _is_tax_id_shape(code: str) -> bool:
    return bool(_USCC.fullmatch(code) or _LEGACY_TAX_ID.fullmatch(code))


def _nearest_label(text: str, start: int) -> str | None:
    """Kind of the nearest label before `start` on the same line, if any."""
    window = text[max(0, start - _CONTEXT_CHARS) : start]
    window = window[window.rfind("\n") + 1 :]
    kind = None
    for match in _CONTEXT_LABELS.finditer(window):
        kind = match.lastgroup
    return kind


def _classify_code(code: str, label: str | None) -> str | None:
    digits_only = code.replace(" ", "")
    is_digits = digits_only.isdigit()
    if label == "other":
        return None  # an invoice number, order number or check code: none of our labels
    if label == "tax":
        return "TAX_ID" if _is_tax_id_shape(digits_only) else None
    if label == "id":
        return "ID_CARD" if _RESIDENT_ID.fullmatch(digits_only) else None
    if label == "account":
        return "BANK_ACCOUNT" if is_digits and 10 <= len(digits_only) <= 25 else None
    if label == "phone":
        return "PHONE" if is_digits and 7 <= len(digits_only) <= 12 else None
    # No label: go by shape and check digits.
    if len(digits_only) == 18 and _resident_id_checks(digits_only):
        return "ID_CARD"
    if not is_digits:
        return "TAX_ID" if _is_tax_id_shape(digits_only) else None
    if len(digits_only) == 18 and _USCC.fullmatch(digits_only) and _uscc_checks(digits_only):
        return "TAX_ID"
    return "BANK_ACCOUNT" if 10 <= len(digits_only) <= 25 else None


def _codes(text: str) -> list[tuple[str, int, int]]:
    spans = [("PHONE", m.start(), m.end()) for m in _PHONE.finditer(text)]
    for m in _CODE_RUN.finditer(text):
        label = _classify_code(m.group(), _nearest_label(text, m.start()))
        if label is not None:
            spans.append((label, m.start(), m.end()))
    return spans


# --------------------------------------------------------------------------- combining

# When two matches overlap, the earlier kind in this order wins (a phone number's digits are also
# a digit run; "2024年5月28日" is never an ORG), then the longer match.
_PRIORITY = {
    label: rank for rank, label in enumerate(("MONEY", "DATE", "PHONE", "TAX_ID", "ID_CARD", "BANK_ACCOUNT", "ORG"))
}


def rule_entities(text: str) -> list[tuple[str, int, int]]:
    """(label, start, end) character spans found by the rules, non-overlapping, in text order."""
    candidates = _money(text) + _dates(text) + _codes(text) + _orgs(text)
    candidates.sort(key=lambda c: (_PRIORITY[c[0]], -(c[2] - c[1]), c[1]))
    taken: list[tuple[str, int, int]] = []
    for label, start, end in candidates:
        if all(end <= s or start >= e for _, s, e in taken):
            taken.append((label, start, end))
    return sorted(taken, key=lambda c: c[1])


@Language.component(COMPONENT_NAME)
def zh_entity_rules(doc: Doc) -> Doc:
    """Set `doc.ents` from the regular-expression rules over `doc.text`."""
    spans = []
    for label, start, end in rule_entities(doc.text):
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.ents = filter_spans(spans)
    return doc


def build_zh_pipeline() -> Language:
    """Blank Chinese pipeline (character tokens, no downloads) with the entity rules."""
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    nlp.add_pipe(COMPONENT_NAME)
    return nlp


_pipeline: Language | None = None
_pipeline_lock = threading.Lock()


def zh_pipeline() -> Language:
    """The process-wide pipeline, built on first use (about 50 ms)."""
    global _pipeline
    with _pipeline_lock:
        if _pipeline is None:
            _pipeline = build_zh_pipeline()
        return _pipeline


def find_entities(text: str) -> list[Entity]:
    """Entities in `text` in text order, with character offsets into `text`."""
    doc = zh_pipeline()(text)
    return [Entity(ent.label_, ent.text, ent.start_char, ent.end_char) for ent in doc.ents]

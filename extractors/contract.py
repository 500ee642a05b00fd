"""Purchase contracts (购销合同 / 采购合同 / 买卖合同 / 供货合同) from positioned text, digital or OCR'd.

One code path for both: the page spans become a reading-order text stream (wrapped prose lines
joined back into their paragraph) whose character offsets map back to spans, so every value found
by a pattern or by the spaCy rules (`models.nlp.find_entities`) keeps the evidence of where it was
printed. Tables and signature blocks are read by geometry instead: the goods table by the columns
of its header (the invoice extractor's row/cell helpers), the two signature blocks by the x position
of their party labels, and seals by red pixels inside each block on the page image.

Who buys is decided from the text, never from which label comes first: a role word in the label
(甲方（需方）, 买受人, 供货方…) or, for bare 甲方/乙方, the sentence that says who supplies whom
("乙方向甲方供应…", "甲方向乙方采购…"). The reasoning is kept in the note of `buyer_name`.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from docintel.layout import Located, Row, chars_of, evidence_for, group_rows, norm, sub_box, vertical_overlap
from docintel.model import Box, Document, Evidence, FieldValue, Origin, Page, TextSpan
from extractors.invoice import (
    _COLUMNS as INVOICE_COLUMNS,
)
from extractors.invoice import (
    _MONEY,
    _UPPER_CHARS,
    _decimal,
    _horizontal,
    _items,
    _totals_row_index,
)
from models.nlp import Entity, find_entities

if TYPE_CHECKING:
    from models.nlp.transformers_ner import TransformersNerAdapter

log = logging.getLogger(__name__)

ITEM_FIELDS = ("name", "spec", "unit", "quantity", "unit_price", "amount")
FIELD_NAMES = (
    "contract_number", "title", "signing_date", "signing_place",
    "buyer_name", "buyer_tax_id", "seller_name", "seller_tax_id",
    "total_amount", "total_amount_upper", "currency", "tax_included",
    "delivery_date", "delivery_place", "payment_terms", "payment_method", "payment_schedule",
    "payee_account_name", "payee_account_number", "payee_bank",
    "validity", "valid_from", "valid_to",
    "buyer_signed", "buyer_sealed", "seller_signed", "seller_sealed",
)  # fmt: skip
NER_MODEL_ENV = "DOCINTEL_NER_MODEL_DIR"

# ---- party labels and roles -------------------------------------------------------------------

_BUYER_WORDS = ("买方", "需方", "采购方", "买受人", "购货方", "购买方", "订货方")
_SELLER_WORDS = ("卖方", "供方", "供货方", "供应方", "出卖人", "销货方", "销售方")
_NEUTRAL_WORDS = ("甲方", "乙方", "丙方")
_PARTY_WORD = "|".join(sorted(_BUYER_WORDS + _SELLER_WORDS + _NEUTRAL_WORDS, key=len, reverse=True))
_PARTY_LINE = re.compile(
    rf"^[ \t]*(?P<label>{_PARTY_WORD})[ \t]*(?:[(（][ \t]*(?P<alias>[^)）\n]{{1,8}}?)[ \t]*[)）])?[ \t]*[:：][ \t]*"
    r"(?P<value>[^\n]*)",
    re.MULTILINE,
)
_SIGN_ALIAS = re.compile(r"盖章|签章|签字|公章|签名")
# "乙方向甲方供应…", "甲方同意向乙方采购…": the first party of the sentence buys or sells.
_ROLE_SENTENCE = re.compile(
    rf"(?P<a>{_PARTY_WORD})(?:同意|愿意|拟|将)?向(?P<b>{_PARTY_WORD})"
    r"(?P<verb>采购|购买|订购|购进|购入|供应|供货|销售|出售|提供)"
)
_BUY_VERBS = ("采购", "购买", "订购", "购进", "购入")
_SIGN_LABEL = re.compile(rf"^\s*(?P<label>{_PARTY_WORD})\s*(?:[(（]\s*(?P<alias>[^)）]{{0,8}})\s*[)）]?)?")
_REP_LABEL = re.compile(r"(法定代表人|委托代理人|授权代表|代表人|签字人|签名人)[^:：\n]{0,12}[:：]")

# ---- labels of single values --------------------------------------------------------------------

_NUMBER_LABEL = re.compile(r"(合同编号|合同号|合同编码|编\s*号)\s*[:：]")
_SIGN_DATE_LABEL = re.compile(r"(签订|签约|签署)(日期|时间)\s*[:：]")
_SIGN_PLACE_LABEL = re.compile(r"(签订|签约)(地点|地址)\s*[:：]")
_TAX_ID_LABEL = re.compile(r"(统一社会信用代码|社会信用代码|纳税人识别号|税\s*号)\s*[:：]")
_BANK_LABEL = re.compile(r"(开户银行|开户行)\s*[:：]")
_ACCOUNT_LABEL = re.compile(r"(银行账号|账\s*号|帐\s*号)\s*[:：]")
_ACCOUNT_NAME_LABEL = re.compile(r"(户\s*名|账户名称|开户名称)\s*[:：]")
_PAYEE_BLOCK = re.compile(r"收款账户|收款账号|收款信息|收款银行|指定账户|账户信息")
_DELIVERY_DATE_LABEL = re.compile(r"(交货|交付|供货|到货)(时间|日期|期限)\s*[:：]")
_DELIVERY_PLACE_LABEL = re.compile(r"(交货|交付|送货|到货)(地点|地址)\s*[:：]")
_PAYMENT_LABEL = re.compile(r"(付款|结算|支付)(方式|条件)(及期限)?\s*[:：]")
_VALIDITY_LABEL = re.compile(r"(合同有效期|有效期限|合同期限|有效期)\s*[:：]")
_CLAUSE_NUMBER = re.compile(
    r"^\s*(第[一二三四五六七八九十百]+条|[一二三四五六七八九十]+[、.．]|\d{1,2}[、.．](?!\d)|[(（]\d{1,2}[)）])"
)
_LABEL_LINE = re.compile(r"^\s*[\u4e00-\u9fff（）()]{2,14}\s*[:：]")
_TAX_ID = re.compile(r"[0-9A-Z]{15,20}")
_DATE_PARTS = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})")
_SENTENCE_END = "。；;\n"

# Payment methods, longest first so 银行承兑汇票 is not read as 承兑汇票.
_PAYMENT_METHODS = ("银行承兑汇票", "商业承兑汇票", "承兑汇票", "银行转账", "网银转账", "电汇", "信用证", "支票",
                    "现金", "转账")  # fmt: skip
# Stages of a payment, most specific first: "质保金…质保期满后" is a retention, not an acceptance.
_PAYMENT_STAGES = (
    ("质保期满后", re.compile(r"质保|质量保证金")),
    ("验收后", re.compile(r"验收")),
    ("开票后", re.compile(r"发票|开票")),
    ("发货前", re.compile(r"发货前|提货前|发货之前")),
    ("到货后", re.compile(r"到货|货到|收货")),
    ("预付", re.compile(r"预付|定金|签订后|签订之日")),
)

_CURRENCIES = (
    ("USD", re.compile(r"美元|USD")),
    ("EUR", re.compile(r"欧元|EUR")),
    ("CNY", re.compile(r"人民币|RMB|元")),
)


class ContractExtractor:
    """Fills `doc.fields` and `doc.items` of a purchase contract from its page spans."""

    doc_type = "purchase_contract"

    def extract(self, doc: Document) -> None:
        doc.doc_type = self.doc_type
        stream = TextStream.of(doc.pages)
        found: dict[str, FieldValue] = {}
        found.update(_header_fields(stream, doc))
        parties = _party_mentions(stream)
        roles = _resolve_roles(parties, stream)
        found.update(_party_fields(parties, roles, stream))
        items, totals = _goods_table(doc)
        if "total_amount" not in totals:
            totals.update(_prose_total(stream))
        found.update(totals)
        found.update(_tax_and_currency(stream, totals))
        found.update(_delivery_fields(stream))
        found.update(_payment_fields(stream))
        blocks = _signature_blocks(doc, parties, roles)
        found.update(_payee_fields(stream, parties, roles, blocks, found))
        found.update(_validity_fields(stream))
        found.update(_signature_fields(doc, blocks))
        if "signing_date" not in found:
            signed_on = _block_date(blocks)
            if signed_on:
                found["signing_date"] = signed_on
        for name in FIELD_NAMES:
            doc.fields[name] = found.get(name) or FieldValue(value=None, note="合同中未找到该项")
        doc.items = items


# ---- the text stream ----------------------------------------------------------------------------


@dataclass(slots=True)
class TextStream:
    """The document's text in reading order with each span's offset, so matches map back to spans.

    Spans of one row are joined by a space and rows by a newline, except that a wrapped prose line
    continues its paragraph without a break (so a clause is one line of the stream)."""

    text: str
    pieces: list[tuple[int, TextSpan]]

    @classmethod
    def of(cls, pages: list[Page]) -> TextStream:
        return cls.of_span_groups([page.spans for page in pages])

    @classmethod
    def of_span_groups(cls, groups: list[list[TextSpan]]) -> TextStream:
        """One group per page (or per region of a page, such as one signature column)."""
        parts: list[str] = []
        pieces: list[tuple[int, TextSpan]] = []
        length = 0
        previous: tuple[Row, tuple[float, float]] | None = None
        for spans in groups:
            rows = group_rows(_horizontal(spans))
            if not rows:
                continue
            margins = (min(r.box.x0 for r in rows), max(r.box.x1 for r in rows))
            for row in rows:
                if previous is not None:
                    separator = "" if _continues(previous[0], previous[1], row, margins) else "\n"
                    parts.append(separator)
                    length += len(separator)
                for index, span in enumerate(row.spans):
                    if index:
                        parts.append(" ")
                        length += 1
                    pieces.append((length, span))
                    parts.append(span.text)
                    length += len(span.text)
                previous = (row, margins)
        return cls("".join(parts), pieces)

    def locate(self, start: int, end: int) -> Located:
        """The text between two offsets with the evidence of every span it touches."""
        evidence: list[Evidence] = []
        for offset, span in self.pieces:
            if offset >= end:
                break
            span_end = offset + len(span.text)
            if span_end <= start:
                continue
            evidence.append(evidence_for(span, max(0, start - offset), min(len(span.text), end - offset)))
        return Located(text=self.text[start:end], evidence=evidence)

    def line_bounds(self, offset: int) -> tuple[int, int]:
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        return start, len(self.text) if end < 0 else end


def _continues(previous: Row, prev_margins: tuple[float, float], row: Row, margins: tuple[float, float]) -> bool:
    """A wrapped prose line: the previous line ran to the right margin, this one starts at the left
    margin without a clause number or a label, and both are one run of text (table rows have gaps)."""
    height = max(min(previous.spans[0].box.height, row.spans[0].box.height), 1.0)
    if previous.box.x1 < prev_margins[1] - 2.5 * height or row.box.x0 > margins[0] + 1.5 * height:
        return False
    if not (_is_prose(previous) and _is_prose(row)):
        return False
    text = norm(row.text)
    if _CLAUSE_NUMBER.match(text) or _LABEL_LINE.match(text) or _PARTY_LINE.match(row.text):
        return False
    return not norm(previous.text).rstrip().endswith(("。", ":", "：", ";", "；"))


def _is_prose(row: Row) -> bool:
    height = max(row.spans[0].box.height, 1.0)
    return all(b.box.x0 - a.box.x1 <= 1.5 * height for a, b in pairwise(row.spans))


# ---- small helpers ------------------------------------------------------------------------------


def _fv(value: str | Decimal | None, located: Located, *, note: str | None = None, scale: float = 1.0) -> FieldValue:
    return FieldValue(
        value=value, confidence=round(located.confidence * scale, 4), evidence=located.evidence, note=note
    )


def _value_after(stream: TextStream, match: re.Match[str], stops: str = _SENTENCE_END) -> tuple[int, int] | None:
    """Offsets of the value printed after a label: to the first stop character, trimmed."""
    start = match.end()
    end = len(stream.text)
    for stop in stops:
        found = stream.text.find(stop, start)
        if 0 <= found < end:
            end = found
    while start < end and stream.text[start] in " \t:：":
        start += 1
    while end > start and stream.text[end - 1] in " \t。；;，,":
        end -= 1
    return (start, end) if end > start else None


def _labelled(stream: TextStream, label: re.Pattern[str], stops: str = _SENTENCE_END) -> Located | None:
    for match in label.finditer(stream.text):
        bounds = _value_after(stream, match, stops)
        if bounds:
            return stream.locate(*bounds)
    return None


def _compact(text: str) -> str:
    """Drop the spaces OCR and word grouping put between CJK characters and inside codes."""
    return re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text.strip())


def _iso_date(text: str) -> str | None:
    match = _DATE_PARTS.search(norm(text))
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _date_entities(text: str) -> list[tuple[str, int, int]]:
    return [(iso, e.start, e.end) for e in find_entities(text) if e.label == "DATE" and (iso := _iso_date(e.text))]


# ---- header: number, title, date, place ---------------------------------------------------------


def _header_fields(stream: TextStream, doc: Document) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    number = _labelled(stream, _NUMBER_LABEL, stops="\n")
    if number:
        token = re.match(r"[A-Za-z0-9][A-Za-z0-9\-_/.()（）#]*", norm(number.text).replace(" ", ""))
        if token:
            out["contract_number"] = _fv(token.group(0), number)
    title = _title(doc)
    if title:
        out["title"] = title
    signed_on = _labelled(stream, _SIGN_DATE_LABEL)
    if signed_on and (iso := _iso_date(signed_on.text)):
        out["signing_date"] = _fv(iso, signed_on)
    place = _labelled(stream, _SIGN_PLACE_LABEL)
    if place:
        out["signing_place"] = _fv(_compact(place.text), place)
    return out


def _title(doc: Document) -> FieldValue | None:
    """The largest line near the top of the first page that names a contract or agreement."""
    if not doc.pages:
        return None
    page = doc.pages[0]
    top = [s for s in page.spans if s.box.y0 < page.height * 0.3]
    candidates = [
        s for s in top if re.search(r"合同|协议|合约", s.text) and not re.search(r"编号|[:：]|甲方|乙方|本合同", s.text)
    ]
    if not candidates:
        return None
    span = max(candidates, key=lambda s: s.box.height)
    return _fv(_compact(span.text).replace(" ", ""), Located(span.text, [evidence_for(span)]))


# ---- parties ------------------------------------------------------------------------------------


@dataclass(slots=True)
class PartyMention:
    """A party as introduced in the parties block: its label (甲方, 买受人…), the bracketed alias
    (需方, 甲方…), the name and the stream range of its block (label line to the next party)."""

    label: str
    alias: str | None
    name: Located | None
    block: tuple[int, int]

    @property
    def words(self) -> tuple[str, ...]:
        return (self.label,) if self.alias is None else (self.label, self.alias)

    def role_word(self) -> str | None:
        for word in self.words:
            if word in _BUYER_WORDS:
                return "buyer"
            if word in _SELLER_WORDS:
                return "seller"
        return None


def _party_mentions(stream: TextStream) -> list[PartyMention]:
    """The first two distinct parties introduced with a name (signature-block labels excluded)."""
    mentions: list[PartyMention] = []
    for match in _PARTY_LINE.finditer(stream.text):
        alias = match.group("alias")
        if alias and _SIGN_ALIAS.search(alias):
            continue
        name = _party_name(stream, match)
        if name is None or any(m.label == match.group("label") for m in mentions):
            continue
        mentions.append(PartyMention(match.group("label"), alias, name, (match.start("label"), len(stream.text))))
        if len(mentions) == 2:
            break
    for first, second in pairwise(mentions):
        first.block = (first.block[0], second.block[0])
    if mentions:
        last = mentions[-1]
        last.block = (last.block[0], _block_end(stream, last.block[0]))
    return mentions


def _block_end(stream: TextStream, start: int) -> int:
    """End of a party block: the first line after its label line that is not a `label：value` line."""
    _, end = stream.line_bounds(start)
    while end < len(stream.text):
        line_start, line_end = stream.line_bounds(end + 1)
        if not _LABEL_LINE.match(norm(stream.text[line_start:line_end])):
            break
        end = line_end
    return end


def _party_name(stream: TextStream, match: re.Match[str]) -> Located | None:
    start, end = match.span("value")
    value = stream.text[start:end]
    # Another label on the same line (two parties side by side, or 地址 after the name) ends the name.
    cut = re.search(rf"\s{{2,}}|\s(?:{_PARTY_WORD}|地\s*址|电\s*话|统一社会信用代码)", value)
    if cut:
        value = value[: cut.start()]
        end = start + cut.start()
    if not value.strip():
        return None
    for entity in find_entities(value):
        if entity.label == "ORG":
            return stream.locate(start + entity.start, start + entity.end)
    ner = _ner_orgs(value)
    if ner:
        first = ner[0]
        return stream.locate(start + first.start, start + first.end)
    stripped = value.strip()
    if len(_compact(stripped)) < 4:  # a bare "（盖章）" or a stray word is not a party name
        return None
    lead = len(value) - len(value.lstrip())
    return stream.locate(start + lead, start + lead + len(stripped))


def _resolve_roles(parties: list[PartyMention], stream: TextStream) -> dict[str, tuple[PartyMention, str, float]]:
    """role -> (party, reason, confidence factor). Role words in labels decide first, then the
    sentence that says who supplies whom, and only then the convention that 甲方 buys."""
    if not parties:
        return {}
    decided: tuple[PartyMention, str, str, float] | None = None  # party, role, evidence, factor
    for party in parties:
        role = party.role_word()
        if role:
            shown = party.label if party.alias is None else f"{party.label}（{party.alias}）"
            decided = (party, role, f"标注“{shown}”", 1.0)
            break
    if decided is None:
        sentence = _role_sentence(parties, stream)
        if sentence:
            party, role, quote = sentence
            decided = (party, role, f"“{quote}”", 1.0)
    if decided is None:
        decided = (parties[0], "buyer", f"未找到买卖角色说明，按惯例视{parties[0].label}为买方", 0.6)
    party, role, evidence, factor = decided
    other_role = "seller" if role == "buyer" else "buyer"
    roles = {role: (party, f"{party.label}为{_ROLE_NAME[role]}：{evidence}", factor)}
    rest = [p for p in parties if p is not party]
    if rest:
        roles[other_role] = (rest[0], f"{rest[0].label}为{_ROLE_NAME[other_role]}：{evidence}", factor)
    return roles


_ROLE_NAME = {"buyer": "买方", "seller": "卖方"}


def _role_sentence(parties: list[PartyMention], stream: TextStream) -> tuple[PartyMention, str, str] | None:
    for match in _ROLE_SENTENCE.finditer(stream.text):
        subject = next((p for p in parties if match.group("a") in p.words), None)
        counterpart = next((p for p in parties if match.group("b") in p.words), None)
        if subject is None or counterpart is None or subject is counterpart:
            continue
        role = "buyer" if match.group("verb") in _BUY_VERBS else "seller"
        return subject, role, match.group(0)
    return None


def _party_fields(
    parties: list[PartyMention], roles: dict[str, tuple[PartyMention, str, float]], stream: TextStream
) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    for role, (party, reason, factor) in roles.items():
        if party.name is not None:
            name = _compact(party.name.text)
            out[f"{role}_name"] = _fv(name, party.name, note=reason, scale=factor)
        tax_id = _in_block(stream, party.block, _TAX_ID_LABEL)
        if tax_id:
            code = _TAX_ID.search(norm(tax_id.text).replace(" ", "").upper())
            if code:
                out[f"{role}_tax_id"] = _fv(code.group(0), tax_id)
    return out


def _in_block(stream: TextStream, block: tuple[int, int], label: re.Pattern[str]) -> Located | None:
    for match in label.finditer(stream.text, block[0], block[1]):
        bounds = _value_after(stream, match, stops="\n")
        if bounds:
            return stream.locate(bounds[0], min(bounds[1], block[1]))
    return None


@cache
def _ner_adapter(model_dir: str) -> TransformersNerAdapter:
    # Imported here: transformers and torch load only when a model directory is configured.
    from models.nlp.transformers_ner import TransformersNerAdapter

    return TransformersNerAdapter(Path(model_dir))


def _ner_orgs(text: str) -> list[Entity]:
    """ORG entities from the optional transformers model (only when DOCINTEL_NER_MODEL_DIR is set)."""
    model_dir = os.environ.get(NER_MODEL_ENV)
    if not model_dir:
        return []
    return [e for e in _ner_adapter(model_dir).entities(text) if e.label == "ORG"]


# ---- goods table and totals ---------------------------------------------------------------------

_CONTRACT_COLUMNS: dict[str, re.Pattern[str]] = {
    "index": INVOICE_COLUMNS["index"],
    "name": re.compile(r"产品名称|货物名称|商品名称|物资名称|品\s*名|名\s*称"),
    "spec": re.compile(r"规格型号|规\s*格|型\s*号"),
    "unit": INVOICE_COLUMNS["unit"],
    "quantity": INVOICE_COLUMNS["quantity"],
    "unit_price": re.compile(r"单\s*价|含税单价"),
    "amount": re.compile(r"金\s*额|总\s*价|小\s*计"),
}


def _goods_table(doc: Document) -> tuple[list[dict[str, FieldValue]], dict[str, FieldValue]]:
    items: list[dict[str, FieldValue]] = []
    totals: dict[str, FieldValue] = {}
    for page in doc.pages:
        rows = group_rows(_horizontal(page.spans))
        header_index, columns = _table_header(rows)
        if header_index is None:
            continue
        end = _totals_row_index(rows, header_index)
        body = [_without_index(row, columns) for row in rows[header_index + 1 : end]]
        for item in _items([row for row in body if row.spans], columns):
            items.append({key: _respaced(item[key]) if key in ("name", "spec") else item[key] for key in ITEM_FIELDS})
        if not totals:
            totals = _table_totals(rows[end : end + 3])
    return items, totals


def _table_header(rows: list[Row]) -> tuple[int | None, dict[str, tuple[float, float]]]:
    for index, row in enumerate(rows):
        text = norm(row.text).replace(" ", "")
        if not ("数量" in text and ("金额" in text or "总价" in text) and re.search(r"名称|品名", text)):
            continue
        chars = chars_of(row.spans)
        joined = norm("".join(c.char for c in chars))
        columns: dict[str, tuple[float, float]] = {}
        for key, pattern in _CONTRACT_COLUMNS.items():
            match = pattern.search(joined)
            if match:
                columns[key] = (chars[match.start()].x0, chars[match.end() - 1].x1)
        if {"name", "quantity", "amount"} <= columns.keys():
            return index, columns
    return None, {}


def _respaced(cell: FieldValue) -> FieldValue:
    """Put back the space between words of one printed line ("A4 70g"), which the invoice cell
    joiner drops; pieces on different lines (a wrapped name) join without one."""
    if not isinstance(cell.value, str) or len(cell.evidence) < 2:
        return cell
    text = cell.evidence[0].text or ""
    for before, after in pairwise(cell.evidence):
        same_line = before.box and after.box and vertical_overlap(before.box, after.box) >= 0.5
        gap = after.box.x0 - before.box.x1 if same_line else 0.0
        text += (" " if same_line and gap > 0.15 * before.box.height else "") + (after.text or "")
    if re.sub(r"\s", "", text) != re.sub(r"\s", "", cell.value):
        return cell  # the cell was cleaned after joining: keep its value
    return cell.model_copy(update={"value": text})


def _without_index(row: Row, columns: dict[str, tuple[float, float]]) -> Row:
    """The row without its 序号 cell: the invoice cell placement reads anything left of the name
    column as name text, so "1" would start the name ("1复印纸")."""
    if "index" not in columns:
        return row
    limit = (columns["index"][1] + columns["name"][0]) / 2
    kept: list[TextSpan] = []
    for span in row.spans:
        lead = re.match(r"\s*\d{1,3}(\s+|$)", span.text)
        if lead and sub_box(span, 0, len(lead.group(0).rstrip())).x1 <= limit + span.box.height:
            rest = span.text[lead.end() :]
            if rest.strip():
                box = sub_box(span, lead.end(), len(span.text))
                kept.append(span.model_copy(update={"text": rest, "box": box}))
            continue
        kept.append(span)
    return Row(spans=kept)


def _table_totals(rows: list[Row]) -> dict[str, FieldValue]:
    """The 合计 row's amount (the rightmost figure: it stands under 金额) and the 大写 beside or under it."""
    out: dict[str, FieldValue] = {}
    for row in rows:
        figures = [
            (span, match)
            for span in row.spans
            if "大写" not in norm(span.text)
            for match in _MONEY.finditer(norm(span.text).replace(",", "").replace(" ", ""))
        ]
        if figures and "total_amount" not in out:
            span, match = figures[-1]
            out["total_amount"] = _fv(_decimal(match.group(0)), Located(span.text, [evidence_for(span)]))
        for span in row.spans:
            upper = _upper_in(span)
            if upper and "total_amount_upper" not in out:
                out["total_amount_upper"] = upper
    return out


def _upper_in(span: TextSpan) -> FieldValue | None:
    text = span.text.replace("人民币", "").replace("大写", "")
    runs = [run for run in _UPPER_CHARS.findall(text) if len(run) >= 2]
    if not runs:
        return None
    value = max(runs, key=len)
    start = span.text.find(value)
    return _fv(value, Located(value, [evidence_for(span, start, start + len(value))]))


_TOTAL_LABEL = re.compile(r"(合同总价|合同总金额|合同金额|总金额|总价款|合同价款|货款总额)")


def _prose_total(stream: TextStream) -> dict[str, FieldValue]:
    """A total written in prose ("合同总金额为人民币…元（大写：…）") when the table has no 合计."""
    out: dict[str, FieldValue] = {}
    for match in _TOTAL_LABEL.finditer(stream.text):
        start, end = match.end(), stream.line_bounds(match.end())[1]
        for entity in find_entities(stream.text[start:end]):
            if entity.label != "MONEY":
                continue
            located = stream.locate(start + entity.start, start + entity.end)
            figures = re.search(r"\d[\d,]*(\.\d{1,2})?", entity.text)
            if figures and "total_amount" not in out:
                out["total_amount"] = _fv(_decimal(figures.group(0)), located)
            elif not figures and "total_amount_upper" not in out:
                out["total_amount_upper"] = _fv(entity.text.removeprefix("人民币"), located)
        if out:
            break
    return out


def _tax_and_currency(stream: TextStream, totals: dict[str, FieldValue]) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    excluded = re.search(r"不含税|未含税|不含增值税|税费另计|增值税另计", stream.text)
    included = re.search(r"含税|含\s*\d{1,2}\s*%\s*(的)?增值税|含增值税", stream.text)
    if excluded:
        out["tax_included"] = _fv("不含税", stream.locate(*excluded.span()))
    elif included:
        out["tax_included"] = _fv("含税", stream.locate(*included.span()))
    if "total_amount" in totals:
        for code, pattern in _CURRENCIES:
            match = pattern.search(stream.text)
            if match:
                out["currency"] = _fv(code, stream.locate(*match.span()))
                break
    return out


# ---- delivery, payment, validity ----------------------------------------------------------------


def _delivery_fields(stream: TextStream) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    when = _labelled(stream, _DELIVERY_DATE_LABEL)
    if when:
        dates = _date_entities(when.text)
        out["delivery_date"] = _fv(dates[0][0], when) if dates else _fv(_compact(when.text), when)
    where = _labelled(stream, _DELIVERY_PLACE_LABEL)
    if where:
        out["delivery_place"] = _fv(_compact(where.text), where)
    return out


def _payment_fields(stream: TextStream) -> dict[str, FieldValue]:
    terms = _labelled(stream, _PAYMENT_LABEL, stops="\n")
    if terms is None:
        return {}
    text = _compact(terms.text)
    out = {"payment_terms": _fv(text, terms)}
    methods = _payment_methods(text)
    if methods:
        out["payment_method"] = _fv("/".join(methods), terms)
    schedule = payment_schedule(text)
    if schedule:
        out["payment_schedule"] = _fv(schedule, terms)
    return out


def _payment_methods(text: str) -> list[str]:
    taken: list[tuple[int, int, str]] = []
    for method in _PAYMENT_METHODS:
        for match in re.finditer(method, text):
            if all(match.end() <= s or match.start() >= e for s, e, _ in taken):
                taken.append((match.start(), match.end(), method))
    return [method for _, _, method in sorted(taken)]


def payment_schedule(text: str) -> str | None:
    """A short normalised schedule: "预付30%，货到验收后付70%" -> "30%预付; 70%验收后".

    Each clause part holding a percentage is one instalment, named by the most specific stage word
    in it; a payment in one go ("一次性付清") is 100% at its stage."""
    parts = [p for p in re.split(r"[，,；;。]", norm(text)) if p.strip()]
    instalments: list[str] = []
    for part in parts:
        for percent in re.findall(r"(\d{1,3}(?:\.\d+)?)\s*%", part):
            instalments.append(f"{percent}%{_stage_of(part) or ''}")
    if not instalments:
        once = next((p for p in parts if re.search(r"一次性|全额|全部货款", p)), None)
        if once is not None:
            instalments.append(f"100%{_stage_of(once) or ''}")
    return "; ".join(instalments) or None


def _stage_of(part: str) -> str | None:
    return next((stage for stage, pattern in _PAYMENT_STAGES if pattern.search(part)), None)


def _validity_fields(stream: TextStream) -> dict[str, FieldValue]:
    located = _labelled(stream, _VALIDITY_LABEL, stops="。\n")
    if located is None:
        match = re.search(r"有效期|合同期限", stream.text)
        if match is None:
            return {}
        start, end = stream.line_bounds(match.start())
        clause = _CLAUSE_NUMBER.match(stream.text[start:end])
        if clause:
            start += clause.end()
        sentence_end = stream.text.find("。", match.start(), end)
        end = sentence_end if sentence_end >= 0 else end
        located = stream.locate(start, end)
    text = _compact(located.text).rstrip("。；;")
    out = {"validity": _fv(text, located)}
    dates = _date_entities(text)
    if len(dates) >= 2:
        out["valid_from"] = _fv(dates[0][0], located)
        out["valid_to"] = _fv(dates[1][0], located)
    elif dates:
        iso, start, end = dates[0]
        if text[end : end + 1] == "起":
            out["valid_from"] = _fv(iso, located)
        elif re.search(r"(至|到|止)\s*$", text[:start]):
            out["valid_to"] = _fv(iso, located)
    return out


# ---- signature blocks, seals, payee account -----------------------------------------------------


@dataclass(slots=True)
class SignatureBlock:
    """One party's signature column on the last page that has them."""

    role: str | None
    page: Page
    region: Box
    spans: list[TextSpan]


def _signature_blocks(
    doc: Document, parties: list[PartyMention], roles: dict[str, tuple[PartyMention, str, float]]
) -> list[SignatureBlock]:
    for page in reversed(doc.pages):
        rows = group_rows(_horizontal(page.spans))
        found = _signature_row(rows)
        if found is None:
            continue
        row_index, split, labels = found
        row = rows[row_index]
        line = max(row.spans[0].box.height, 1.0)
        # Text from the label row down (two rows up where a seal hid the labels and the 法定代表人 row
        # was found instead); seal ink may stand well above the labels.
        text_top = row.box.y0 - (0.5 if labels[0] else 2.6) * line
        top = row.box.y0 - 4 * line
        below = [r for r in rows[row_index:] if r.box.y0 - row.box.y1 < 14 * line]
        bottom = max(r.box.y1 for r in below) + 3 * line
        blocks = []
        for column, (x0, x1) in enumerate(((0.0, split), (split, page.width))):
            region = Box(x0=x0, y0=max(0.0, top), x1=x1, y1=min(page.height, bottom))
            spans = [s for s in page.spans if x0 <= s.box.cx < x1 and text_top <= s.box.cy <= bottom]
            role = _role_of_label(labels[column], parties, roles) if labels[column] else None
            if role is None and len(parties) == 2:
                # Unreadable label (a seal over it): the columns follow the parties' order.
                role = next((r for r, (p, _, _) in roles.items() if p is parties[column]), None)
            blocks.append(SignatureBlock(role, page, region, spans))
        return blocks
    return []


def _signature_row(rows: list[Row]) -> tuple[int, float, list[str | None]] | None:
    """The row holding two parties' signature labels side by side (or, where a seal hides those,
    two 法定代表人/日期 labels): its index, the x where the right column starts and the labels."""
    for index in range(len(rows) - 1, -1, -1):
        spans = rows[index].spans
        labels = [(s, m) for s in spans if (m := _SIGN_LABEL.match(norm(s.text))) and _is_sign_label(s.text)]
        if len(labels) >= 2:
            right = labels[-1][0]
            return index, right.box.x0 - 1, [labels[0][1].group("label"), labels[-1][1].group("label")]
    for index in range(len(rows) - 1, -1, -1):
        reps = [s for s in rows[index].spans if _REP_LABEL.search(norm(s.text))]
        if len(reps) >= 2:
            return index, reps[-1].box.x0 - 1, [None, None]
    return None


def _is_sign_label(text: str) -> bool:
    text = norm(text)
    return bool(_SIGN_ALIAS.search(text)) or bool(re.fullmatch(rf"\s*({_PARTY_WORD})\s*[:：]?\s*", text))


def _role_of_label(
    label: str, parties: list[PartyMention], roles: dict[str, tuple[PartyMention, str, float]]
) -> str | None:
    for role, (party, _, _) in roles.items():
        if label in party.words:
            return role
    return None


def _signature_fields(doc: Document, blocks: list[SignatureBlock]) -> dict[str, FieldValue]:
    out: dict[str, FieldValue] = {}
    for block in blocks:
        if block.role is None:
            continue
        out[f"{block.role}_signed"] = _signed(block)
        out[f"{block.role}_sealed"] = _sealed(block)
    return out


def _signed(block: SignatureBlock) -> FieldValue:
    """ "yes" when a person's name follows 法定代表人/委托代理人 in the block, "no" when the label is blank."""
    rows = group_rows(block.spans)
    for row in rows:
        text = row.text
        match = _REP_LABEL.search(norm(text))
        if not match:
            continue
        rest = re.sub(r"[\s:：_＿]", "", text[match.end() :])
        rest = re.sub(rf"({_PARTY_WORD}|盖章|签字|日期).*$", "", rest)
        evidence = [evidence_for(s) for s in row.spans]
        located = Located(text, evidence)
        if re.fullmatch(r"[\u4e00-\u9fff·]{2,5}", rest):
            return _fv("yes", located, note=f"签字/签名：{rest}")
        return _fv("no", located, note="法定代表人或委托代理人处为空")
    return FieldValue(value=None, note="签章栏中未找到法定代表人/委托代理人栏")


_RED_SHARE = 0.004  # of the block's area: a seal's ring and text cover several percent


def _sealed(block: SignatureBlock) -> FieldValue:
    """Red seal ink inside the block (HSV red mask on the page image); seal words where no colour is known."""
    image = block.page.image
    evidence = Evidence(page=block.page.number, box=block.region, confidence=1.0, origin=_origin(block))
    words = [s for s in block.spans if re.search(r"专用章|公章|合同章", s.text)]
    if image is not None and _has_colour(image):
        share = _red_share(image, block.page, block.region)
        value = "yes" if share >= _RED_SHARE else "no"
        note = f"签章栏红色像素占比 {share:.2%}（阈值 {_RED_SHARE:.1%}）"
        return FieldValue(value=value, confidence=0.9, evidence=[evidence], note=note)
    if words:
        return _fv("yes", Located(words[0].text, [evidence_for(words[0])]), note="签章栏中识别到印章文字")
    return FieldValue(value=None, evidence=[evidence], note="无彩色页面图像，无法判断是否盖章")


def _origin(block: SignatureBlock) -> Origin:
    return block.page.text_source or (block.spans[0].origin if block.spans else Origin.OCR)


def _has_colour(image: np.ndarray) -> bool:
    if image.ndim != 3 or image.shape[2] < 3:
        return False
    sample = image[:: max(1, image.shape[0] // 200), :: max(1, image.shape[1] // 200), :3].astype(np.int16)
    return bool((sample.max(axis=2) - sample.min(axis=2)).max() > 60)


def _red_share(image: np.ndarray, page: Page, region: Box) -> float:
    scale_x = image.shape[1] / max(page.width, 1.0)
    scale_y = image.shape[0] / max(page.height, 1.0)
    x0, x1 = int(region.x0 * scale_x), int(region.x1 * scale_x)
    y0, y1 = int(region.y0 * scale_y), int(region.y1 * scale_y)
    crop = np.ascontiguousarray(image[max(0, y0) : y1, max(0, x0) : x1, :3])
    if crop.size == 0:
        return 0.0
    hsv = cv2.cvtColor(crop, cv2.COLOR_RGB2HSV)
    hue, saturation, value = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    red = ((hue <= 10) | (hue >= 160)) & (saturation >= 80) & (value >= 70)
    return float(red.mean())


def _block_date(blocks: list[SignatureBlock]) -> FieldValue | None:
    for block in blocks:
        for span in sorted(block.spans, key=lambda s: s.box.y0):
            for entity in find_entities(span.text):
                if entity.label == "DATE" and (iso := _iso_date(entity.text)):
                    located = Located(entity.text, [evidence_for(span, entity.start, entity.end)])
                    return _fv(iso, located, note="取自签章栏日期")
    return None


def _payee_fields(
    stream: TextStream,
    parties: list[PartyMention],
    roles: dict[str, tuple[PartyMention, str, float]],
    blocks: list[SignatureBlock],
    found: dict[str, FieldValue],
) -> dict[str, FieldValue]:
    """The receiving account: an explicit 收款账户 passage, else the seller's bank lines in the parties
    block, else those in the seller's signature column."""
    out: dict[str, FieldValue] = {}
    sources: list[tuple[str, tuple[int, int] | list[TextSpan]]] = []
    explicit = _PAYEE_BLOCK.search(stream.text)
    if explicit:
        start = stream.line_bounds(explicit.start())[0]
        end = start
        for _ in range(5):  # the passage and the few lines under it
            end = stream.line_bounds(min(end + 1, len(stream.text)))[1]
        sources.append(("收款账户条款", (start, end)))
    if "seller" in roles:
        sources.append(("卖方主体信息", roles["seller"][0].block))
    seller_block = next((b for b in blocks if b.role == "seller"), None)
    if seller_block is not None:
        sources.append(("卖方签章栏", seller_block.spans))
    for where, source in sources:
        if isinstance(source, tuple):
            account = _in_block(stream, source, _ACCOUNT_LABEL)
            bank = _in_block(stream, source, _BANK_LABEL)
            holder = _in_block(stream, source, _ACCOUNT_NAME_LABEL)
        else:
            sub = TextStream.of_span_groups([source])
            account = _labelled(sub, _ACCOUNT_LABEL, stops="\n")
            bank = _labelled(sub, _BANK_LABEL, stops="\n")
            holder = _labelled(sub, _ACCOUNT_NAME_LABEL, stops="\n")
        digits = re.sub(r"[\s-]", "", account.text) if account else ""
        number = re.search(r"\d{8,30}", digits)
        if not number or account is None:
            continue
        out["payee_account_number"] = _fv(number.group(0), account, note=f"取自{where}")
        if bank:
            out["payee_bank"] = _fv(re.split(r"\s{2,}", _compact(bank.text))[0], bank, note=f"取自{where}")
        if holder:
            out["payee_account_name"] = _fv(_compact(holder.text), holder, note=f"取自{where}")
        elif "seller_name" in found:
            seller = found["seller_name"]
            out["payee_account_name"] = FieldValue(
                value=seller.value,
                confidence=seller.confidence,
                evidence=seller.evidence,
                note=f"{where}未单列户名，取卖方名称",
            )
        break
    return out


__all__ = ["FIELD_NAMES", "ITEM_FIELDS", "ContractExtractor", "TextStream", "payment_schedule"]

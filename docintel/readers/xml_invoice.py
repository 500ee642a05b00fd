"""Structured invoice XML: the 数电票 `EInvoice` file, `original_invoice.xml`, XBRL and pinyin layouts.

One parser serves the standalone `.xml` reader here and the OFD reader (whose attachments
`original_invoice.xml` and `inv_ord_issuer_*.xml` use the same schemas). Elements are matched by
their local name, case-insensitively, so namespace prefixes (`fp:`, `inv:`) and schema versions do
not matter. Values are normalised (dates to YYYY-MM-DD, amounts to 2-place Decimals, rates to
"6%") but names and codes stay as written. XML is untrusted input: entities are never resolved and
nothing is fetched from the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation

from lxml import etree

from docintel.errors import UnreadableDocumentError, UnsupportedDocumentError
from docintel.model import Document, EmbeddedData, Evidence, FieldValue, Origin, Page
from docintel.readers import ReadOptions

XML_CONFIDENCE = 1.0  # values written by the issuing system, not read from pixels

# Invoice field -> element local names (lower case), in order of preference.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "invoice_code": ("invoicecode", "fpdm", "fp_dm", "codeofinvoice"),
    "invoice_number": ("invoiceno", "invoicenumber", "fphm", "fp_hm", "numberofinvoice", "eiid"),
    "issue_date": ("issuedate", "issuetime", "requesttime", "kprq", "dateofissue"),
    "check_code": ("invoicecheckcode", "jym", "identifyingcode"),
    "buyer_name": ("buyername", "gfmc", "gmf_mc", "gmfmc", "nameofpurchaser"),
    "buyer_tax_id": (
        "buyertaxid",
        "buyeridnum",
        "gfsbh",
        "gfnsrsbh",
        "gmf_nsrsbh",
        "gmfnsrsbh",
        "taxpayeridentificationnumberunifiedsocialcreditcodeofpurchaser",
    ),
    "buyer_address_phone": ("buyeraddrtel", "gfdzdh", "gmf_dzdh", "addressphonenumberofpurchaser"),
    "buyer_bank_account": (
        "buyerfinancialaccount",
        "gfyhzh",
        "gmf_yhzh",
        "depositbankandaccountnumberofpurchaser",
    ),
    "seller_name": ("sellername", "xfmc", "xsf_mc", "xsfmc", "nameofseller"),
    "seller_tax_id": (
        "sellertaxid",
        "selleridnum",
        "xfsbh",
        "xfnsrsbh",
        "xsf_nsrsbh",
        "xsfnsrsbh",
        "taxpayeridentificationnumberunifiedsocialcreditcodeofseller",
    ),
    "seller_address_phone": ("selleraddrtel", "xfdzdh", "xsf_dzdh", "addressphonenumberofseller"),
    "seller_bank_account": (
        "sellerfinancialaccount",
        "xfyhzh",
        "xsf_yhzh",
        "depositbankandaccountnumberofseller",
    ),
    "total_amount": ("taxexclusivetotalamount", "totalamwithouttax", "hjje", "totalamountexcludingtax"),
    "total_tax": ("taxtotalamount", "totaltaxam", "hjse", "totaltaxamount"),
    "amount_with_tax": (
        "taxinclusivetotalamount",
        "totaltax-includedamount",
        "jshj",
        "taxincludedamountinfigures",
    ),
    "amount_with_tax_upper": ("totaltax-includedamountinchinese", "jshjdx", "taxincludedamountinwords"),
    "remarks": ("note", "remark", "remarks", "bz"),
    "issuer": ("invoiceclerk", "drawer", "kpr", "issuer"),
    "payee": ("payee", "skr"),
    "reviewer": ("checker", "fhr", "reviewer"),
}

ITEM_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("item", "itemname", "xmmc", "spmc", "nameoftaxablegoodsorservices"),
    "spec": ("specification", "specmod", "ggxh", "spggxh"),
    "unit": ("measurementdimension", "meaunits", "dw", "spdw", "unitofgoodsorservices"),
    "quantity": ("quantity", "xmsl", "sps", "quantityofgoodsorservices"),
    "unit_price": ("price", "unprice", "xmdj", "spdj", "unitpriceofgoodsorservices"),
    "amount": ("amount", "xmje", "je", "spje", "amountexcludingtax"),
    "tax_rate": ("taxscheme", "taxrate", "sl", "slv", "spsl"),
    "tax": ("taxamount", "comtaxam", "se", "spse"),
}

AMOUNT_FIELDS = frozenset({"total_amount", "total_tax", "amount_with_tax", "amount", "tax"})
PRINTED_NUMBER_FIELDS = frozenset({"quantity", "unit_price"})  # kept with all their digits
COMPACT_FIELDS = frozenset({"invoice_code", "invoice_number", "check_code", "buyer_tax_id", "seller_tax_id"})

# 数电票 split address/phone and bank/account into two elements each; the printed form joins them.
_SPLIT_PARTS: dict[str, tuple[str, str]] = {
    "buyer_address_phone": ("buyeraddr", "buyertelnum"),
    "buyer_bank_account": ("buyerbankname", "buyerbankaccnum"),
    "seller_address_phone": ("selleraddr", "sellertelnum"),
    "seller_bank_account": ("sellerbankname", "sellerbankaccnum"),
}
_SKIPPED = frozenset({"signature", "taxcontrolcode", "graphcode", "fp_mw", "ewm"})  # no field meaning

_HEADER_BY_NAME = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
_ITEM_BY_NAME = {alias: name for name, aliases in ITEM_ALIASES.items() for alias in aliases}
_ITEM_NAME_TAGS = frozenset(ITEM_ALIASES["name"])
_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市")
_MAX_XML_BYTES = 50_000_000  # a real invoice XML is a few KB; 999.ofd's 100-line one is 41 KB


def safe_parser(*, recover: bool = False) -> etree.XMLParser:
    """Parser for untrusted XML: no entity expansion, no DTD or network fetches, no huge trees."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=recover,
    )


def parse_xml(data: bytes, where: str, *, recover: bool = False) -> etree._Element:
    """Parse `data` or raise `UnreadableDocumentError("malformed XML in <where>: ...")`."""
    if len(data) > _MAX_XML_BYTES:
        raise UnreadableDocumentError(f"XML part {where} is {len(data)} bytes, over the limit", reason="too_large")
    try:
        root = etree.fromstring(data, safe_parser(recover=recover))
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocumentError(f"malformed XML in {where}: {exc}", reason="malformed_xml") from exc
    if root is None:
        raise UnreadableDocumentError(f"malformed XML in {where}: no root element", reason="malformed_xml")
    return root


def local_name(element: etree._Element) -> str:
    """Local tag name, lower case; tolerates undeclared prefixes left by a recovering parse."""
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def element_text(element: etree._Element) -> str:
    return "".join(element.itertext()).strip()


# ---------------------------------------------------------------- normalisation


def normalise_date(raw: str) -> str | None:
    """'2020年07月23日', '2022-09-01', '2026-03-18 16:05:42', '20160913220053' -> 'YYYY-MM-DD'."""
    match = re.search(r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})", raw) or re.fullmatch(
        r"\s*(\d{4})(\d{2})(\d{2})(?:\d{6})?\s*", raw
    )
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _to_decimal(raw: str) -> Decimal | None:
    cleaned = re.sub(r"[¥￥,，\s]", "", raw)
    if not re.fullmatch(r"[-+]?\d+(\.\d+)?|[-+]?\.\d+", cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def normalise_amount(raw: str) -> Decimal | None:
    """Money to a Decimal with 2 places; values printed with more places keep them (never rounded)."""
    value = _to_decimal(raw)
    if value is None:
        return None
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        return value.quantize(Decimal("0.01"))
    return value


def normalise_tax_rate(raw: str) -> str:
    """0.06 -> '6%'; '6%', '13.00%', '免税', '不征税', '***' stay as written."""
    text = raw.strip().replace("％", "%")
    if text.endswith("%"):
        return text
    value = _to_decimal(text)
    if value is None:
        return text
    percent = value * 100 if value <= 1 else value  # "0.06" is a fraction, "6" already percent
    return f"{_plain(percent)}%"


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def normalise_value(field: str, raw: str) -> tuple[str | Decimal | None, str | None]:
    """Normalised value of an invoice or item field plus a note when it could not be normalised."""
    text = raw.strip()
    if field == "issue_date":
        date = normalise_date(text)
        return (date, None) if date else (None, f"unrecognised date {text!r}")
    if field in AMOUNT_FIELDS:
        if set(text) <= {"*"}:
            return None, f"printed as {text}"
        amount = normalise_amount(text)
        return (amount, None) if amount is not None else (None, f"not an amount: {text!r}")
    if field in PRINTED_NUMBER_FIELDS:
        number = _to_decimal(text)
        return (number, None) if number is not None else (text, "not a number, kept as written")
    if field == "tax_rate":
        return normalise_tax_rate(text), None
    if field in COMPACT_FIELDS:
        return re.sub(r"\s+", "", text), None
    return text, None


def make_field(field: str, raw: str, evidence: list[Evidence], confidence: float = XML_CONFIDENCE) -> FieldValue | None:
    """FieldValue for a raw string, or None when the element is empty (the field is then absent)."""
    if not raw or not raw.strip():
        return None
    value, note = normalise_value(field, raw)
    return FieldValue(value=value, confidence=confidence if value is not None else 0.0, evidence=evidence, note=note)


def xml_evidence(raw: str) -> list[Evidence]:
    return [Evidence(origin=Origin.XML, text=raw.strip(), confidence=XML_CONFIDENCE)]


# ---------------------------------------------------------------- structure


def header_field(tag: str) -> str | None:
    return _HEADER_BY_NAME.get(tag)


def item_field(tag: str) -> str | None:
    return _ITEM_BY_NAME.get(tag)


def is_item_row(element: etree._Element) -> bool:
    """An item row directly holds an item-name element (GoodsInfo, IssuItemInformation, Mx ...)."""
    return any(local_name(child) in _ITEM_NAME_TAGS for child in element)


def _header_elements(root: etree._Element) -> Iterator[etree._Element]:
    """Every element outside item rows, in document order."""
    stack = [root]
    while stack:
        element = stack.pop()
        yield element
        children = [c for c in element if isinstance(c.tag, str) and not (c is not root and is_item_row(c))]
        stack.extend(reversed(children))


def _item_rows(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter() if isinstance(el.tag, str) and el is not root and is_item_row(el)]


def _first_texts(elements: Iterable[etree._Element]) -> dict[str, str]:
    """Local name -> text of its first non-empty occurrence."""
    texts: dict[str, str] = {}
    for element in elements:
        tag = local_name(element)
        if tag in _SKIPPED or any(isinstance(child.tag, str) for child in element):
            continue  # containers; entity nodes left unresolved do not make an element a container
        text = element_text(element)
        if text and tag not in texts:
            texts[tag] = text
    return texts


def _header_fields(texts: dict[str, str]) -> dict[str, FieldValue]:
    fields: dict[str, FieldValue] = {}
    for name, aliases in HEADER_ALIASES.items():
        raw = next((texts[a] for a in aliases if a in texts), None)
        if raw is None and name in _SPLIT_PARTS:
            parts = [texts.get(p, "") for p in _SPLIT_PARTS[name]]
            raw = " ".join(p for p in parts if p) or None
        if raw is not None and (value := make_field(name, raw, xml_evidence(raw))):
            fields[name] = value
    kind = _invoice_kind(texts)
    if kind:
        fields["invoice_kind"] = FieldValue(value=kind, confidence=XML_CONFIDENCE, evidence=xml_evidence(kind))
    return fields


def _invoice_kind(texts: dict[str, str]) -> str | None:
    """Printed title from the data: XBRL's province + type, or the 数电票 header labels."""
    kind = texts.get("typeofinvoice")
    if kind:
        province = texts.get("locationofinvoice", "")
        for suffix in _PROVINCE_SUFFIXES:
            if province.endswith(suffix):
                province = province[: -len(suffix)]
                break
        return province + kind if province and not kind.startswith(province) else kind
    return None


def _shudian_kind(root: etree._Element) -> str | None:
    """数电票 title '电子发票（增值税专用发票）' / '电子发票（普通发票）' from Header/InherentLabel."""
    labels: dict[str, str] = {}
    for element in root.iter():
        if local_name(element) in {"einvoicetype", "generalorspecialvat"}:
            name = next((element_text(c) for c in element if local_name(c) == "labelname"), "")
            labels.setdefault(local_name(element), name)
    base, vat = labels.get("einvoicetype"), labels.get("generalorspecialvat")
    if base and vat:
        return f"{base}（{vat}）"
    return base or None


def _item(row: etree._Element) -> dict[str, FieldValue]:
    item: dict[str, FieldValue] = {}
    for child in row:
        name = item_field(local_name(child))
        if name is None or name in item:
            continue
        raw = element_text(child)
        if value := make_field(name, raw, xml_evidence(raw)):
            item[name] = value
    return item


def parse_invoice_root(root: etree._Element, description: str) -> EmbeddedData | None:
    """EmbeddedData of an invoice XML tree, or None when it carries no invoice field at all."""
    texts = _first_texts(_header_elements(root))
    fields = _header_fields(texts)
    if "invoice_kind" not in fields and (kind := _shudian_kind(root)):
        fields["invoice_kind"] = FieldValue(value=kind, confidence=XML_CONFIDENCE, evidence=xml_evidence(kind))
    items = [item for row in _item_rows(root) if (item := _item(row))]
    if not items and not (fields.keys() - {"invoice_kind"}):
        return None
    return EmbeddedData(origin=Origin.XML, description=description, fields=fields, items=items)


def parse_invoice_xml(data: bytes, description: str) -> EmbeddedData | None:
    """Parse invoice XML bytes; raises `UnreadableDocumentError` when the XML is malformed."""
    return parse_invoice_root(parse_xml(data, description), description)


# ---------------------------------------------------------------- reader


def read(data: bytes, doc: Document, options: ReadOptions) -> None:
    """Read a standalone invoice XML (数电票 `EInvoice`, `eInvoice`, XBRL) into `doc.embedded`.

    There is no page image, so the one page has no size and no spans: the values live only in
    `doc.embedded` with XML evidence (a zero box would claim a place that does not exist).
    """
    root = parse_xml(data, "XML document")
    embedded = parse_invoice_root(root, f"invoice XML ({etree.QName(root).localname})")
    if embedded is None:
        raise UnsupportedDocumentError(
            f"XML with root <{etree.QName(root).localname}> holds no invoice fields", reason="unsupported_xml"
        )
    doc.pages = [Page(number=1, width=0, height=0, unit="mm", text_source=Origin.XML)]
    doc.embedded.append(embedded)

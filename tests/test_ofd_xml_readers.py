"""OFD and invoice-XML readers against the real OFD files in /work/shared/realdata and bad input."""

from __future__ import annotations

import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from docintel.errors import DocumentTooLargeError, UnreadableDocumentError, UnsupportedDocumentError
from docintel.model import Document, EmbeddedData, Origin
from docintel.readers import ReadOptions, new_document, ofd, xml_invoice
from tests.conftest import REALDATA_DIR

REALDATA = REALDATA_DIR
OFD_DIR = REALDATA / "files" / "ofdrw__ofdrw"
OFD_FILES = sorted(OFD_DIR.rglob("*.ofd"))
SHUDIAN_XML = Path(__file__).parent / "data" / "xml" / "shudian_sample.xml"

COMPARED_FIELDS = (
    "invoice_code",
    "invoice_number",
    "issue_date",
    "check_code",
    "buyer_name",
    "buyer_tax_id",
    "seller_name",
    "seller_tax_id",
    "total_amount",
    "total_tax",
    "amount_with_tax",
)
COMPARED_ITEM_FIELDS = ("amount", "tax_rate", "tax")

needs_realdata = pytest.mark.skipif(not OFD_FILES, reason="real OFD files not available")


def _label(path: Path) -> dict:
    return json.loads((REALDATA / "labels" / f"{path.relative_to(REALDATA / 'files')}.json").read_text())


def _read_ofd(data: bytes, name: str = "test.ofd") -> Document:
    doc = new_document(name, data)
    ofd.read(data, doc, ReadOptions())
    return doc


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _no_space(text: str | None) -> str | None:
    return None if text is None else re.sub(r"\s+", "", text)


def _item_source(doc: Document) -> EmbeddedData | None:
    """Items from an XML attachment when there is one, else from the tagged text objects."""
    sources = [e for e in doc.embedded if e.items]
    xml_first = sorted(sources, key=lambda e: e.origin != Origin.XML)
    return xml_first[0] if xml_first else None


# ---------------------------------------------------------------- real files


@needs_realdata
@pytest.mark.parametrize("path", OFD_FILES, ids=lambda p: p.name)
def test_embedded_fields_match_labels(path: Path) -> None:
    label = _label(path)
    doc = _read_ofd(path.read_bytes(), str(path))
    if path.name == "csfapiao1.ofd":
        # Converted from PDF: no CustomData, attachment or tags; its values exist only as page text.
        assert doc.embedded == []
        return
    assert doc.embedded, "expected embedded invoice data"
    for name in COMPARED_FIELDS:
        expected = label.get(name)
        if expected is None:
            continue
        sources = [e for e in doc.embedded if name in e.fields]
        assert sources, f"{name} in no embedded source"
        for source in sources:
            assert _text(source.fields[name].value) == expected, f"{name} from {source.description}"


@needs_realdata
@pytest.mark.parametrize("path", OFD_FILES, ids=lambda p: p.name)
def test_embedded_items_match_labels(path: Path) -> None:
    label = _label(path)
    doc = _read_ofd(path.read_bytes(), str(path))
    source = _item_source(doc)
    if source is None:
        assert path.name == "csfapiao1.ofd"
        return
    assert len(source.items) == len(label["items"])
    for got, expected in zip(source.items, label["items"], strict=True):
        assert _no_space(_text(got["name"].value)) == _no_space(expected["name"])
        for name in COMPARED_ITEM_FIELDS:
            if expected.get(name) is not None:
                assert _text(got[name].value) == expected[name], f"item {name}"


@needs_realdata
@pytest.mark.parametrize("path", OFD_FILES, ids=lambda p: p.name)
def test_pages_have_spans_in_mm_inside_the_page(path: Path) -> None:
    doc = _read_ofd(path.read_bytes(), str(path))
    assert doc.pages
    for page in doc.pages:
        assert page.unit == "mm" and page.text_source == Origin.OFD
        assert 100 < page.width < 300 and 100 < page.height < 400
        assert page.spans
        for span in page.spans:
            assert span.origin == Origin.OFD and span.page == page.number and span.text
            box = span.box
            assert 0 <= box.x0 < box.x1 <= page.width + 1e-6
            assert 0 <= box.y0 < box.y1 <= page.height + 1e-6


@needs_realdata
@pytest.mark.parametrize("path", OFD_FILES, ids=lambda p: p.name)
def test_page_text_shows_the_invoice_number(path: Path) -> None:
    label = _label(path)
    doc = _read_ofd(path.read_bytes(), str(path))
    page_text = "".join(s.text for s in doc.spans)
    assert label["invoice_number"] in page_text


@needs_realdata
def test_tag_mapping_gives_page_and_box_evidence() -> None:
    doc = _read_ofd((OFD_DIR / "ofdrw-converter/src/test/resources/1.ofd").read_bytes())
    attachment = next(e for e in doc.embedded if e.description.endswith("original_invoice.xml"))
    evidence = attachment.fields["invoice_number"].evidence
    assert evidence[0].origin == Origin.OFD and evidence[0].page == 1 and evidence[0].text == "83089647"
    assert evidence[0].box is not None and 164 <= evidence[0].box.x0 < evidence[0].box.x1 <= 204
    assert evidence[1].origin == Origin.XML and evidence[1].box is None
    # Amount drawn as two objects ("¥" + "526.00"): one box around both.
    total = attachment.fields["amount_with_tax"].evidence[0]
    assert total.text == "¥526.00"


@needs_realdata
def test_shudian_ofd_without_attachment_reads_tagged_objects() -> None:
    doc = _read_ofd((OFD_DIR / "ofdrw-converter/src/test/resources/20240531141733.ofd").read_bytes())
    tagged = next(e for e in doc.embedded if "tagged text objects" in e.description)
    assert tagged.fields["amount_with_tax"].value == Decimal("4449.00")
    assert tagged.fields["issuer"].value == "于俪"  # the copy drawn below the page is ignored
    assert tagged.items[0]["name"].value == "*信息技术服务*技术服务费"  # joined over two objects
    assert tagged.items[0]["unit_price"].value == Decimal("4197.16981132075")
    assert "invoice_code" not in tagged.fields


@needs_realdata
def test_tax_exempt_line_keeps_the_printed_stars_as_null() -> None:
    doc = _read_ofd((OFD_DIR / "ofdrw-layout/src/test/resources/no_page_container.ofd").read_bytes())
    data = doc.embedded[0]
    assert data.fields["total_tax"].value is None and "***" in (data.fields["total_tax"].note or "")
    assert data.items[0]["tax_rate"].value == "免税"
    assert data.items[0]["tax"].value is None


# ---------------------------------------------------------------- 数电票 and other XML


def _read_xml(data: bytes) -> Document:
    doc = new_document("invoice.xml", data)
    xml_invoice.read(data, doc, ReadOptions())
    return doc


def test_shudian_xml_fields() -> None:
    doc = _read_xml(SHUDIAN_XML.read_bytes())
    assert len(doc.pages) == 1 and doc.pages[0].spans == [] and doc.pages[0].text_source == Origin.XML
    data = doc.embedded[0]
    values = {k: _text(v.value) for k, v in data.fields.items()}
    assert values["invoice_number"] == "25312000000012345678"
    assert values["issue_date"] == "2025-03-18"
    assert values["seller_name"] == "上海示例信息技术有限公司"
    assert values["seller_tax_id"] == "91310115MA1H7XXX5Q"
    assert values["buyer_name"] == "南京示例制造有限公司"
    assert values["buyer_tax_id"] == "91320100MA1XXXXX8B"
    assert values["total_amount"] == "1200.00" and values["total_tax"] == "72.00"
    assert values["amount_with_tax"] == "1272.00"
    assert values["amount_with_tax_upper"] == "壹仟贰佰柒拾贰圆整"
    assert values["seller_address_phone"] == "上海市浦东新区示例路100号 021-50000000"
    assert values["seller_bank_account"] == "示例银行上海浦东支行 6222000000000000001"
    assert values["issuer"] == "王示例" and values["remarks"] == "项目编号：DEMO-2025-001"
    assert values["invoice_kind"] == "电子发票（增值税专用发票）"
    assert "invoice_code" not in values and "buyer_address_phone" not in values
    assert [_text(i["tax_rate"].value) for i in data.items] == ["6%", "6%"]
    assert [_text(i["amount"].value) for i in data.items] == ["1000.00", "200.00"]
    assert data.items[0]["unit"].value == "项" and data.items[0]["spec"].value == "V1"
    for value in data.fields.values():
        assert value.evidence[0].origin == Origin.XML and value.evidence[0].box is None


def test_pinyin_invoice_xml() -> None:
    xml = """<?xml version="1.0" encoding="UTF-8"?>
    <eInvoice><Fp><Fpdm>044031900111</Fpdm><Fphm>12345678</Fphm><Kprq>20200105</Kprq>
    <Jym>12345 67890 12345 67890</Jym><Gfmc>示例买方有限公司</Gfmc><Gfsbh>91440300MA5XXXXX1A</Gfsbh>
    <Xfmc>示例卖方有限公司</Xfmc><Xfsbh>91440300MA5YYYYY2B</Xfsbh><Hjje>100</Hjje><Hjse>13.00</Hjse>
    <Jshj>113.00</Jshj><Mx><Xmmc>*电子元件*电阻</Xmmc><Xmsl>10</Xmsl><Xmdj>10</Xmdj><Xmje>100.00</Xmje>
    <Sl>0.13</Sl><Se>13.00</Se></Mx></Fp></eInvoice>"""
    data = _read_xml(xml.encode()).embedded[0]
    values = {k: _text(v.value) for k, v in data.fields.items()}
    assert values["invoice_code"] == "044031900111" and values["invoice_number"] == "12345678"
    assert values["issue_date"] == "2020-01-05" and values["check_code"] == "12345678901234567890"
    assert values["total_amount"] == "100.00" and values["amount_with_tax"] == "113.00"
    item = {k: _text(v.value) for k, v in data.items[0].items()}
    assert item == {
        "name": "*电子元件*电阻",
        "quantity": "10",
        "unit_price": "10",
        "amount": "100.00",
        "tax_rate": "13%",
        "tax": "13.00",
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0.06", "6%"), ("6%", "6%"), ("13.00%", "13.00%"), ("0.015", "1.5%"), ("免税", "免税"), ("***", "***")],
)
def test_tax_rate_forms(raw: str, expected: str) -> None:
    assert xml_invoice.normalise_tax_rate(raw) == expected


def test_malformed_xml_is_unreadable() -> None:
    with pytest.raises(UnreadableDocumentError, match="malformed XML"):
        _read_xml(b"<EInvoice><TaxSupervisionInfo></EInvoice>")


def test_xml_without_invoice_fields_is_unsupported() -> None:
    with pytest.raises(UnsupportedDocumentError, match="no invoice fields"):
        _read_xml(b"<catalog><book>x</book></catalog>")


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<EInvoice><EInvoiceData><SellerInformation><SellerName>A&x;</SellerName>"
        "</SellerInformation></EInvoiceData></EInvoice>"
    )
    doc = _read_xml(xml.encode())
    assert "TOPSECRET" not in str(doc.embedded[0].fields["seller_name"].value)


# ---------------------------------------------------------------- bad OFD input


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if not n.endswith("/")}


def test_not_a_zip_is_unreadable() -> None:
    with pytest.raises(UnreadableDocumentError, match="not a readable zip"):
        _read_ofd(b"PK\x03\x04 this is not really a zip")


def test_zip_without_ofd_xml_is_unreadable() -> None:
    with pytest.raises(UnreadableDocumentError, match=r"OFD without OFD\.xml"):
        _read_ofd(_zip({"Doc_0/Document.xml": b"<Document/>"}))


@needs_realdata
def test_corrupt_page_xml_names_the_part() -> None:
    members = _members(OFD_DIR / "ofdrw-converter/src/test/resources/1.ofd")
    members["Doc_0/Pages/Page_0/Content.xml"] = b"<ofd:Page><unclosed>"
    with pytest.raises(UnreadableDocumentError, match=r"malformed XML in Doc_0/Pages/Page_0/Content\.xml"):
        _read_ofd(_zip(members))


@needs_realdata
def test_corrupt_attachment_is_reported_not_fatal() -> None:
    members = _members(OFD_DIR / "ofdrw-converter/src/test/resources/1.ofd")
    members["Doc_0/Attachs/original_invoice.xml"] = b"<eInvoice><broken"
    doc = _read_ofd(_zip(members))
    assert any(e.reason == "malformed_embedded_xml" for e in doc.errors)
    assert doc.pages and doc.embedded  # pages, CustomData and tags are still read


def test_zip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ofd, "MAX_UNCOMPRESSED_BYTES", 1_000_000)
    bomb = _zip({"OFD.xml": b"<OFD>" + b" " * 2_000_000 + b"</OFD>"})
    assert len(bomb) < 50_000
    with pytest.raises(DocumentTooLargeError, match="zip bomb"):
        _read_ofd(bomb)


def test_too_many_members_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ofd, "MAX_MEMBERS", 3)
    with pytest.raises(DocumentTooLargeError, match="members"):
        _read_ofd(_zip({f"f{i}.xml": b"<a/>" for i in range(5)}))

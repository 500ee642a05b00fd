"""Invoice QR codes: payload parsing, decoding synthetic pages and the real invoice images."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import cv2
import numpy as np
import pytest

from docintel.model import Box, Document, Origin, Page, SourceFile
from docintel.readers.qr import decode_invoice_qr, parse_invoice_qr, read_page_qr

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
TEST_INVOICES = "guanshuicheng__invoice/test-invoice"

LEGACY_PAYLOAD = "01,10,044031800104,41108527,96.72,20190319,55617567333517793345,8A1B,"
DIGITAL_PAYLOAD = "01,32,,24112000000048542163,112.20,20240528,,7A3C"


# --------------------------------------------------------------------------- parsing


def test_parse_legacy_payload() -> None:
    embedded = parse_invoice_qr(LEGACY_PAYLOAD, page=1, box=Box(x0=1, y0=2, x1=3, y1=4))
    assert embedded is not None
    assert embedded.origin == Origin.QR
    assert embedded.description == "QR code on page 1"
    values = {name: fv.value for name, fv in embedded.fields.items()}
    assert values == {
        "invoice_code": "044031800104",
        "invoice_number": "41108527",
        "issue_date": "2019-03-19",
        "qr_amount": Decimal("96.72"),
        "check_code": "55617567333517793345",
        "qr_kind": "10",
    }
    evidence = embedded.fields["invoice_number"].evidence[0]
    assert evidence.origin == Origin.QR
    assert evidence.page == 1
    assert evidence.box == Box(x0=1, y0=2, x1=3, y1=4)
    assert evidence.confidence == pytest.approx(0.99)
    assert evidence.text == LEGACY_PAYLOAD


def test_parse_digital_invoice_payload_has_no_code_and_no_check_code() -> None:
    embedded = parse_invoice_qr(DIGITAL_PAYLOAD)
    assert embedded is not None
    assert embedded.fields["invoice_code"].value is None
    assert embedded.fields["invoice_number"].value == "24112000000048542163"
    assert embedded.fields["issue_date"].value == "2024-05-28"
    assert embedded.fields["check_code"].value is None
    assert embedded.fields["qr_kind"].value == "32"
    assert "价税合计" in (embedded.fields["qr_amount"].note or "")


def test_parse_amount_is_decimal_with_two_places() -> None:
    embedded = parse_invoice_qr("01,32,,23442000000014209621,112,20230215,,74AE")
    assert embedded is not None
    amount = embedded.fields["qr_amount"].value
    assert isinstance(amount, Decimal)
    assert str(amount) == "112.00"
    short = parse_invoice_qr("01,10,011001605111,80100798,64.9,20161018,,BE2D")
    assert short is not None
    assert str(short.fields["qr_amount"].value) == "64.90"


def test_parse_paper_special_invoice_without_check_code() -> None:
    embedded = parse_invoice_qr("01,01,5100191160,00472703,1456.31,20190614,,E6B0,")
    assert embedded is not None
    assert embedded.fields["invoice_code"].value == "5100191160"
    assert embedded.fields["check_code"].value is None
    assert embedded.fields["qr_kind"].note == "增值税专用发票"


def test_parse_tolerates_whitespace_and_missing_tail() -> None:
    embedded = parse_invoice_qr(" 01,10,044031800104,41108527,96.72,20190319\n")
    assert embedded is not None
    assert embedded.fields["check_code"].value is None


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "hello",
        "https://inv-veri.chinatax.gov.cn/",
        "01,10,044031800104,41108527,96.72",  # too few fields
        "02,10,044031800104,41108527,96.72,20190319,,8A1B,",  # unknown version
        "01,1,044031800104,41108527,96.72,20190319,,8A1B,",  # kind not two digits
        "01,10,04403180010,41108527,96.72,20190319,,8A1B,",  # 11-digit code
        "01,10,044031800104,4110852,96.72,20190319,,8A1B,",  # 7-digit number
        "01,32,,2411200000004854216,112.20,20240528,,7A3C",  # 19-digit 数电 number
        "01,10,044031800104,24112000000048542163,96.72,20190319,,8A1B,",  # code with 20-digit number
        "01,10,044031800104,41108527,96.7.2,20190319,,8A1B,",  # bad amount
        "01,10,044031800104,41108527,96.721,20190319,,8A1B,",  # three decimals
        "01,10,044031800104,41108527,1e5,20190319,,8A1B,",  # exponent
        "01,10,044031800104,41108527,96.72,20190230,,8A1B,",  # 30 February
        "01,10,044031800104,41108527,96.72,2019-03-19,,8A1B,",  # date not YYYYMMDD
        ",,,,,,,,",
    ],
)
def test_parse_malformed_payloads_give_none(payload: str) -> None:
    assert parse_invoice_qr(payload) is None


def test_parse_non_string_gives_none() -> None:
    assert parse_invoice_qr(None) is None  # type: ignore[arg-type]
    assert parse_invoice_qr(b"01,10" * 5) is None  # type: ignore[arg-type]


def test_parse_odd_check_code_keeps_other_fields() -> None:
    embedded = parse_invoice_qr("01,10,044031800104,41108527,96.72,20190319,5561756733,8A1B,")
    assert embedded is not None
    assert embedded.fields["check_code"].value is None
    assert embedded.fields["invoice_number"].value == "41108527"


# --------------------------------------------------------------------------- synthetic pages

PAGE_HEIGHT, PAGE_WIDTH = 1754, 1240  # A4 at 150 dpi
QR_LEFT, QR_TOP = 90, 80


def _qr_image(payload: str, module_px: int) -> np.ndarray:
    encoder = cv2.QRCodeEncoder.create()
    code = encoder.encode(payload)  # one pixel a module, with a quiet zone
    return cv2.resize(code, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)


def _invoice_page(payload: str, module_px: int = 3, ink: tuple[int, int, int] = (0, 0, 0)) -> np.ndarray:
    """White RGB page with text lines and the QR code at the top left, printed in `ink`."""
    page = np.full((PAGE_HEIGHT, PAGE_WIDTH, 3), 255, np.uint8)
    code = _qr_image(payload, module_px)
    dark = code[:, :, None] < 128
    region = page[QR_TOP : QR_TOP + code.shape[0], QR_LEFT : QR_LEFT + code.shape[1]]
    region[:] = np.where(dark, np.array(ink, np.uint8), region)
    for row in range(12):
        y = 420 + row * 90
        cv2.putText(page, f"Item {row}  qty 1  price 96.72  tax 15.48", (90, y), 0, 1.1, (0, 0, 0), 2)
    cv2.rectangle(page, (60, 380), (1180, 1600), (0, 0, 0), 2)
    return page


def _rotated(page: np.ndarray, degrees: float) -> np.ndarray:
    height, width = page.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(page, matrix, (width, height), borderValue=(255, 255, 255))


def test_decode_synthetic_page() -> None:
    page = _invoice_page(LEGACY_PAYLOAD)
    hits = decode_invoice_qr(page)
    assert [hit.payload for hit in hits] == [LEGACY_PAYLOAD]
    box = hits[0].box
    size = _qr_image(LEGACY_PAYLOAD, 3).shape[0]
    # The detector reports the code's corners, inside the quiet zone the encoder added.
    assert QR_LEFT <= box.x0 < box.x1 <= QR_LEFT + size
    assert QR_TOP <= box.y0 < box.y1 <= QR_TOP + size
    assert len(hits[0].polygon) == 4


def test_decode_rotated_and_blurred_page() -> None:
    page = cv2.GaussianBlur(_rotated(_invoice_page(DIGITAL_PAYLOAD), 3.0), (5, 5), 1.2)
    assert [hit.payload for hit in decode_invoice_qr(page)] == [DIGITAL_PAYLOAD]


def test_decode_small_code_needs_the_enlarged_top_left() -> None:
    # Two pixels a module on a page shrunk to a phone-screenshot size: the full page alone fails.
    page = cv2.resize(_invoice_page(LEGACY_PAYLOAD, module_px=2), None, fx=0.75, fy=0.75)
    hits = decode_invoice_qr(page)
    assert [hit.payload for hit in hits] == [LEGACY_PAYLOAD]


def test_decode_blue_code_under_red_seal() -> None:
    page = _invoice_page(LEGACY_PAYLOAD, ink=(40, 60, 200))
    # A red seal stamped over the code: ink multiplies, so the code stays dark under the seal.
    seal = np.zeros(page.shape[:2], np.uint8)
    cv2.circle(seal, (QR_LEFT + 90, QR_TOP + 90), 70, 255, 14)
    cv2.putText(seal, "SEAL", (QR_LEFT + 30, QR_TOP + 110), 0, 1.6, 255, 5)
    stamped = (page.astype(np.float32) * np.array([220, 40, 40], np.float32) / 255).astype(np.uint8)
    page = np.where(seal[:, :, None] > 0, stamped, page)
    assert [hit.payload for hit in decode_invoice_qr(page)] == [LEGACY_PAYLOAD]


def test_decode_grey_input_and_empty_inputs() -> None:
    grey = cv2.cvtColor(_invoice_page(LEGACY_PAYLOAD), cv2.COLOR_RGB2GRAY)
    assert [hit.payload for hit in decode_invoice_qr(grey)] == [LEGACY_PAYLOAD]
    assert decode_invoice_qr(np.full((600, 400, 3), 255, np.uint8)) == []
    assert decode_invoice_qr(np.zeros((0, 0, 3), np.uint8)) == []
    assert decode_invoice_qr(np.zeros((10, 10), np.uint8)) == []


def _document(page: Page) -> Document:
    return Document(
        source=SourceFile(path="synthetic.pdf", sha256="0" * 64, size=0, media_type="application/pdf"),
        pages=[page],
    )


def test_read_page_qr_maps_box_to_page_points() -> None:
    image = _invoice_page(LEGACY_PAYLOAD)
    pixel_box = decode_invoice_qr(image)[0].box
    page = Page(number=1, width=595.0, height=842.0, unit="pt", dpi=150, image=image)
    doc = _document(page)
    doc.pages.append(Page(number=2, width=595.0, height=842.0, unit="pt"))  # no image: skipped
    read_page_qr(doc)
    assert len(doc.embedded) == 1
    embedded = doc.embedded[0]
    assert embedded.description == "QR code on page 1"
    evidence = embedded.fields["invoice_number"].evidence[0]
    assert evidence.page == 1
    assert evidence.box is not None
    assert evidence.box.x0 == pytest.approx(pixel_box.x0 * 595.0 / PAGE_WIDTH)
    assert evidence.box.y1 == pytest.approx(pixel_box.y1 * 842.0 / PAGE_HEIGHT)


def test_read_page_qr_keeps_pixel_boxes_and_skips_foreign_codes() -> None:
    image = _invoice_page("https://example.com/app")
    doc = _document(Page(number=1, width=PAGE_WIDTH, height=PAGE_HEIGHT, unit="px", image=image))
    read_page_qr(doc)
    assert doc.embedded == []

    image = _invoice_page(DIGITAL_PAYLOAD)
    doc = _document(Page(number=1, width=PAGE_WIDTH, height=PAGE_HEIGHT, unit="px", image=image))
    read_page_qr(doc)
    assert doc.embedded[0].fields["invoice_number"].evidence[0].box == decode_invoice_qr(image)[0].box


# --------------------------------------------------------------------------- real images


def _real_rgb(name: str) -> np.ndarray:
    path = REALDATA / "files" / TEST_INVOICES / name
    if not path.exists():
        pytest.skip(f"real data not available: {path}")
    image = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _label(name: str) -> dict[str, str | None]:
    return json.loads((REALDATA / "labels" / TEST_INVOICES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["电子发票.png", "电子发票-test.png", "机打专票 .png"])
def test_real_invoice_qr_matches_labels(name: str) -> None:
    hits = decode_invoice_qr(_real_rgb(name))
    assert len(hits) == 1
    embedded = parse_invoice_qr(hits[0].payload, page=1, box=hits[0].box)
    assert embedded is not None
    label = _label(name)
    for field in ("invoice_code", "invoice_number", "issue_date", "check_code"):
        assert embedded.fields[field].value == label[field], field
    # Legacy invoices: the QR amount is the amount excluding tax.
    assert str(embedded.fields["qr_amount"].value) == label["total_amount"]

"""Find and parse the QR code printed on Chinese VAT invoices.

The QR code carries the invoice's key elements in a short comma-separated payload, so it is an
independent second reading of the page: fusion compares it with what was read from the text.

Payload layout (version 01), field by field:

    01,<kind>,<invoice_code>,<invoice_number>,<amount>,<YYYYMMDD>,<check_code>,<crc/random>,

Sources for the field meanings (third-party, no official spec was found in the corpus):
- blog.csdn.net/yiqinuliba/article/details/131490667 ("发票代码解析") splits
  `01,10,013002200211,81532753,217.62,20230323,<20-digit check code>,0816,` into version, kind,
  发票代码, 发票号码, 金额, 日期, 校验码 and a 4-character tail, and shows the 数电票 form
  `01,32,,23442000000014209621,112,20230215,,74AE` (empty code, 20-digit number, no check code,
  an amount without decimals).
- The real invoices in shared/realdata (guanshuicheng__invoice/test-invoice) decode to
  `01,01,5100191160,00472703,1456.31,20190614,,E6B0,` (paper 专票: no check code) and
  `01,10,012001800311,33207675,46.62,20190508,76939056883466677916,E1BD,`; in both the amount is
  the printed 合计金额 excluding tax (labels: total_amount 1456.31 and 46.62, not 1500.00/52.70).
- For 数电票 (kinds 31/32) public invoice tools state that the QR amount is 价税合计
  ("数电专票、数电普票，二维码金额为价税合计"); no labelled 数电票 here confirms it. That is why the
  amount is stored as `qr_amount` and fusion compares it with both total_amount and
  amount_with_tax.
- Kind codes as commonly mapped by invoice tools (01 专票, 04 普票, 08 电子专票, 10 电子普票,
  11 卷票, 14 通行费电子普票, 31/32 数电专/普); codes above 32 differ between tools, so only
  these are named.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import cv2
import numpy as np

from docintel.model import Box, Document, EmbeddedData, Evidence, FieldValue, Origin, Page, TextSpan

QR_CONFIDENCE = 0.99  # the payload is error-corrected: when it decodes, it is what was printed

QR_KIND_NAMES: dict[str, str] = {
    "01": "增值税专用发票",
    "04": "增值税普通发票",
    "08": "增值税电子专用发票",
    "10": "增值税电子普通发票",
    "11": "增值税普通发票(卷票)",
    "14": "增值税电子普通发票(通行费)",
    "31": "电子发票(增值税专用发票)",
    "32": "电子发票(普通发票)",
}
# Kinds whose QR amount is reported to be 价税合计 rather than 金额 (see module docstring).
KINDS_WITH_TAX_INCLUSIVE_AMOUNT = frozenset({"31", "32"})

# Long side a full page is shrunk to before detection: larger pages cost time without helping,
# since an invoice QR code is still tens of modules wide at this size.
MAX_DETECT_SIDE = 1600
TOP_LEFT_UPSCALE = 2.0
# Side, in pixels, a detected-but-undecoded code is resampled to before decoding again.
RETRY_QR_SIDE = 400

_VERSION = "01"
_KIND = re.compile(r"\d{2}")
_LEGACY_CODE = re.compile(r"\d{10}|\d{12}")
_LEGACY_NUMBER = re.compile(r"\d{8}")
_DIGITAL_NUMBER = re.compile(r"\d{20}")
_AMOUNT = re.compile(r"-?\d{1,12}(?:\.\d{1,2})?")
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_CHECK_CODE = re.compile(r"\d{20}")


@dataclass(frozen=True, slots=True)
class QrHit:
    """One decoded QR code: its payload and where it lies in the image, in pixels."""

    payload: str
    polygon: tuple[tuple[float, float], ...]  # corners in image pixels, as the detector gave them
    box: Box  # bounding box of `polygon`, image pixels
    attempt: str  # which preprocessing decoded it ("full", "top-left-2x", ...), for diagnostics


# --------------------------------------------------------------------------- decoding


@dataclass(frozen=True, slots=True)
class _View:
    """A preprocessed grey image and the map back to the original image: x_orig = x / scale + dx."""

    name: str
    pixels: np.ndarray
    scale: float
    dx: float = 0.0
    dy: float = 0.0

    def to_image(self, points: np.ndarray) -> np.ndarray:
        return points / self.scale + np.array([self.dx, self.dy])


_local = threading.local()


def _detector() -> cv2.QRCodeDetectorAruco:
    # The ArUco-based detector found and decoded more of the real invoice photos than
    # cv2.QRCodeDetector in our measurements; OpenCV objects are not shared across threads.
    detector = getattr(_local, "detector", None)
    if detector is None:
        detector = cv2.QRCodeDetectorAruco()
        _local.detector = detector
    return detector


def _to_grey(image: np.ndarray) -> np.ndarray:
    """Red channel of an RGB(A) page: blue-printed QR codes stay dark and red seals vanish."""
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    if arr.ndim == 3:
        arr = arr[:, :, 0]
    return np.ascontiguousarray(arr)


def _resize(grey: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return grey
    interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_CUBIC
    return cv2.resize(grey, None, fx=scale, fy=scale, interpolation=interpolation)


def _binarised(view: _View) -> _View:
    # Adaptive threshold copes with the uneven light of phone photos better than one global level.
    pixels = cv2.adaptiveThreshold(view.pixels, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 10)
    return _View(f"{view.name}-binarised", pixels, view.scale, view.dx, view.dy)


def _full_view(grey: np.ndarray) -> _View:
    scale = min(1.0, MAX_DETECT_SIDE / max(grey.shape[:2]))
    return _View("full", _resize(grey, scale), scale)


def _top_left_view(grey: np.ndarray) -> _View:
    # Invoice QR codes sit in the top-left corner; enlarging that quarter makes small codes
    # (screenshots, low-resolution scans) big enough to decode without enlarging the whole page.
    height, width = grey.shape[:2]
    crop = grey[: max(1, height // 2), : max(1, width // 2)]
    scale = min(TOP_LEFT_UPSCALE, 2 * MAX_DETECT_SIDE / max(crop.shape[:2]))
    return _View("top-left-2x", _resize(crop, scale), scale)


def _retry_view(view: _View, corners: np.ndarray) -> _View | None:
    """Crop around a code that was located but not decoded, and resample it to a workable size."""
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    side = max(x1 - x0, y1 - y0)
    if side < 8:
        return None
    margin = side * 0.25
    height, width = view.pixels.shape[:2]
    left, top = int(max(0.0, x0 - margin)), int(max(0.0, y0 - margin))
    right, bottom = int(min(width, x1 + margin)), int(min(height, y1 + margin))
    if right - left < 8 or bottom - top < 8:
        return None
    scale = RETRY_QR_SIDE / side
    pixels = _resize(view.pixels[top:bottom, left:right], scale)
    # A printed code often touches a table rule: a pad of repeated edge gives it a quiet zone.
    pad = RETRY_QR_SIDE // 10
    pixels = cv2.copyMakeBorder(pixels, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    total_scale = view.scale * scale
    return _View(
        f"{view.name}-retry",
        pixels,
        total_scale,
        dx=view.dx + left / view.scale - pad / total_scale,
        dy=view.dy + top / view.scale - pad / total_scale,
    )


def _detect(view: _View) -> tuple[list[QrHit], list[np.ndarray]]:
    """Decoded hits in image pixels, and the corners (view pixels) of codes found but not decoded."""
    try:
        found, payloads, corners, _ = _detector().detectAndDecodeMulti(view.pixels)
    except cv2.error:
        return [], []  # OpenCV raises on degenerate inputs (e.g. tiny crops): nothing to read
    if not found or corners is None:
        return [], []
    hits: list[QrHit] = []
    undecoded: list[np.ndarray] = []
    for payload, quad in zip(payloads, corners, strict=False):
        points = np.asarray(quad, dtype=float).reshape(-1, 2)
        if not payload:
            undecoded.append(points)
            continue
        in_image = view.to_image(points)
        polygon = tuple((float(x), float(y)) for x, y in in_image)
        hits.append(QrHit(payload, polygon, Box.from_points(in_image), view.name))
    return hits, undecoded


def _decode_view(view: _View) -> list[QrHit]:
    hits, undecoded = _detect(view)
    if hits:
        return hits
    for corners in undecoded:
        retry = _retry_view(view, corners)
        if retry is None:
            continue
        hits, _ = _detect(retry)
        if hits:
            return hits
    return []


def _views(grey: np.ndarray) -> Iterator[_View]:
    # Lazily built, cheapest first, so a page that decodes at once pays for one detection only.
    yield _full_view(grey)
    top_left = _top_left_view(grey)
    yield top_left
    yield _binarised(top_left)


def decode_invoice_qr(image: np.ndarray) -> list[QrHit]:
    """Decode the QR code(s) on a page image (RGB or grey, uint8); empty when none can be read.

    Tries the whole page, then its top-left quarter enlarged, then that quarter binarised, and stops
    at the first attempt that decodes anything. A code that is located but not decoded is cropped,
    resampled and tried again within the same attempt.
    """
    if image is None or np.asarray(image).size == 0:
        return []
    grey = _to_grey(image)
    if grey.ndim != 2 or min(grey.shape) < 21:  # 21 px: the smallest QR code at one px a module
        return []
    for view in _views(grey):
        hits = _decode_view(view)
        if hits:
            return hits
    return []


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True, slots=True)
class _QrFields:
    kind: str
    invoice_code: str | None
    invoice_number: str
    amount: Decimal
    issue_date: str  # YYYY-MM-DD
    check_code: str | None


def _parse_amount(text: str) -> Decimal | None:
    if not _AMOUNT.fullmatch(text):
        return None
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _parse_date(text: str) -> str | None:
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return None


def _code_and_number(code: str, number: str) -> tuple[str | None, str] | None:
    """Legacy invoices: 10/12-digit code with 8-digit number; 数电票: no code, 20-digit number."""
    if not code and _DIGITAL_NUMBER.fullmatch(number):
        return None, number
    if _LEGACY_CODE.fullmatch(code) and _LEGACY_NUMBER.fullmatch(number):
        return code, number
    return None


def _split_payload(payload: str) -> _QrFields | None:
    parts = [part.strip() for part in payload.strip().lstrip("\ufeff").split(",")]
    if len(parts) < 6 or parts[0] != _VERSION or not _KIND.fullmatch(parts[1]):
        return None
    code_and_number = _code_and_number(parts[2], parts[3])
    amount = _parse_amount(parts[4])
    issue_date = _parse_date(parts[5])
    if code_and_number is None or amount is None or issue_date is None:
        return None
    check = parts[6] if len(parts) > 6 else ""
    return _QrFields(
        kind=parts[1],
        invoice_code=code_and_number[0],
        invoice_number=code_and_number[1],
        amount=amount,
        issue_date=issue_date,
        check_code=check if _CHECK_CODE.fullmatch(check) else None,
    )


def _amount_note(kind: str) -> str:
    if kind in KINDS_WITH_TAX_INCLUSIVE_AMOUNT:
        return "数电票 QR amount: reported to be 价税合计 (amount_with_tax); unconfirmed"
    return "QR amount: 金额 excluding tax (total_amount) on legacy invoices"


def parse_invoice_qr(payload: str, *, page: int | None = None, box: Box | None = None) -> EmbeddedData | None:
    """Fields of a standard invoice QR payload, or None when it is not one (never raises).

    `page` and `box` (page coordinates) say where the code was read; they go into the evidence.
    """
    if not isinstance(payload, str):
        return None
    fields = _split_payload(payload)
    if fields is None:
        return None
    evidence = Evidence(origin=Origin.QR, page=page, box=box, confidence=QR_CONFIDENCE, text=payload)

    def value(v: str | Decimal | None, note: str | None = None) -> FieldValue:
        return FieldValue(value=v, confidence=QR_CONFIDENCE, evidence=[evidence], note=note)

    check_note = None if fields.check_code else "no 20-digit check code in the QR payload"
    return EmbeddedData(
        origin=Origin.QR,
        description="QR code" if page is None else f"QR code on page {page}",
        fields={
            "invoice_code": value(
                fields.invoice_code, None if fields.invoice_code else "数电票: the QR carries no invoice code"
            ),
            "invoice_number": value(fields.invoice_number),
            "issue_date": value(fields.issue_date),
            "qr_amount": value(fields.amount, _amount_note(fields.kind)),
            "check_code": value(fields.check_code, check_note),
            "qr_kind": value(fields.kind, QR_KIND_NAMES.get(fields.kind)),
        },
    )


# --------------------------------------------------------------------------- pages


def _to_page_box(box: Box, page: Page, image_shape: tuple[int, ...]) -> Box:
    if page.unit == "px":
        return box
    height, width = image_shape[:2]
    sx, sy = page.width / width, page.height / height
    return Box(x0=box.x0 * sx, y0=box.y0 * sy, x1=box.x1 * sx, y1=box.y1 * sy)


# Words that put an invoice's QR code on a page. "票据" alone is also a balance-sheet line
# (应收票据, 应付票据), which carries no code.
_INVOICE_MARKER = re.compile(r"发票|行程单|(?<!应收)(?<!应付)票据")


def has_invoice_marker(spans: list[TextSpan]) -> bool:
    return any(_INVOICE_MARKER.search(span.text) for span in spans)


def read_page_qr(doc: Document) -> None:
    """Decode the invoice QR code of every page that has an image and add it to `doc.embedded`.

    QR codes whose payload is not an invoice payload (shop links, app downloads) are skipped.
    """
    for page in doc.pages:
        if page.image is None:
            continue
        if page.text_source is Origin.PDF_TEXT and not has_invoice_marker(page.spans):
            continue  # a contract page rendered for its seal: no invoice QR code to look for
        for hit in decode_invoice_qr(page.image):
            embedded = parse_invoice_qr(
                hit.payload, page=page.number, box=_to_page_box(hit.box, page, page.image.shape)
            )
            if embedded is not None:
                doc.embedded.append(embedded)

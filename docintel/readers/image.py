"""Scans and photos: load (EXIF orientation, multi-page TIFF), make upright, deskew, OCR.

Orientation is fixed once per page here (90/270 from the shape of detected text lines, 180 from the
angle classifier's vote over the widest lines), so the OCR engine can skip its per-line classifier, and
the lines detected for that are the lines recognised: a page is detected once.
"""

from __future__ import annotations

import io
import logging
import time
import warnings

import cv2
import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from docintel.errors import DocumentTooLargeError, UnreadableDocumentError
from docintel.model import Box, Document, Origin, Page, TextSpan
from docintel.readers import ReadOptions
from models.ocr import OcrEngine, OcrLine, get_engine

log = logging.getLogger(__name__)

_MAX_SKEW_DEG = 8.0
_MIN_SKEW_DEG = 0.3


def read(data: bytes, doc: Document, options: ReadOptions) -> None:
    engine = get_engine(options.ocr_engine)
    for number, rgb in enumerate(load_images(data, options), start=1):
        started = time.perf_counter()
        upright, rotation, skew, lines = read_upright(rgb, engine)
        h, w = upright.shape[:2]
        page = Page(
            number=number,
            width=float(w),
            height=float(h),
            unit="px",
            rotation=rotation,
            skew=skew,
            text_source=Origin.OCR,
            image=upright,
        )
        page.spans = line_spans(lines, number)
        doc.pages.append(page)
        doc.timings[f"ocr_page_{number}"] = round(time.perf_counter() - started, 3)
        if number >= options.max_pages:
            break


def load_images(data: bytes, options: ReadOptions) -> list[np.ndarray]:
    """Decode every frame as upright-by-EXIF RGB. Raises a specific error for bad bytes."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            frames: list[np.ndarray] = []
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                if index >= options.max_pages:
                    break
                if frame.width * frame.height > options.max_pixels:
                    raise DocumentTooLargeError(
                        f"image of {frame.width}×{frame.height} pixels exceeds the limit of "
                        f"{options.max_pixels} pixels per page",
                        reason="image_too_large",
                    )
                frame.load()
                upright = ImageOps.exif_transpose(frame) or frame
                frames.append(np.asarray(upright.convert("RGB")))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise DocumentTooLargeError(f"image too large: {exc}", reason="image_too_large") from exc
        except UnidentifiedImageError as exc:
            raise UnreadableDocumentError(f"not a readable image: {exc}", reason="corrupt_image") from exc
        except OSError as exc:
            reason = "truncated_image" if "truncated" in str(exc) else "corrupt_image"
            raise UnreadableDocumentError(f"cannot decode image: {exc}", reason=reason) from exc
    if not frames:
        raise UnreadableDocumentError("image has no frames", reason="corrupt_image")
    return frames


def line_spans(lines: list[OcrLine], page_number: int, scale: float = 1.0) -> list[TextSpan]:
    return [
        TextSpan(
            text=line.text,
            page=page_number,
            box=Box.from_points(line.polygon * scale),
            confidence=round(line.score, 4),
            origin=Origin.OCR,
        )
        for line in lines
        if line.text.strip()
    ]


def read_upright(rgb: np.ndarray, engine: OcrEngine) -> tuple[np.ndarray, int, float, list[OcrLine]]:
    """Detect text lines once, turn the page upright and deskew it, then recognise the lines.

    Returns the upright image, the clockwise rotation and the skew removed, and the lines in upright
    coordinates. The detected quads are carried through a 180° turn and the deskew by the same
    transforms as the image, so detection runs once; a page lying on its side (90/270°) is detected
    again after turning, as the detector finds upright lines better.
    """
    polygons = engine.detect(rgb)
    image, rotation = rgb, 0
    if _mostly_tall(polygons):
        image, rotation = rotate_right_angle(rgb, 90), 90
        polygons = engine.detect(image)
    upright_votes, flipped_votes = engine.upside_down_votes(image, _widest(polygons, 24))
    if flipped_votes > upright_votes:
        h, w = image.shape[:2]
        image, rotation = rotate_right_angle(image, 180), (rotation + 180) % 360
        # (x, y) → (w-1-x, h-1-y); the quad's first point must stay the text's top-left corner.
        polygons = [np.stack([w - 1 - p[:, 0], h - 1 - p[:, 1]], axis=1)[[2, 3, 0, 1]] for p in polygons]
    skew = _skew_degrees(polygons)
    if abs(skew) >= _MIN_SKEW_DEG:
        matrix, size = small_rotation(image.shape[1], image.shape[0], skew)
        image = cv2.warpAffine(image, matrix, size, flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
        polygons = [cv2.transform(p.reshape(-1, 1, 2).astype(np.float64), matrix).reshape(-1, 2) for p in polygons]
    else:
        skew = 0.0
    log.debug("upright: rotation=%s skew=%.2f, %d lines", rotation, skew, len(polygons))
    return image, rotation, round(skew, 2), engine.recognize(image, polygons)


def _edges(polygon: np.ndarray) -> tuple[float, float]:
    """Lengths of a detected quad's first (reading-direction) and second edge."""
    p = polygon.reshape(-1, 2)
    return float(np.linalg.norm(p[1] - p[0])), float(np.linalg.norm(p[2] - p[1]))


def _mostly_tall(polygons: list[np.ndarray]) -> bool:
    # A text line is much wider than tall; on a page turned by 90° most lines stand upright.
    wide = tall = 0
    for polygon in polygons:
        along, across = _edges(polygon)
        if along > 2 * across:
            wide += 1
        elif across > 2 * along:
            tall += 1
    return tall >= 3 and tall > 2 * wide


def _widest(polygons: list[np.ndarray], count: int) -> list[np.ndarray]:
    return sorted(polygons, key=lambda p: -_edges(p)[0])[:count]


def _skew_degrees(polygons: list[np.ndarray]) -> float:
    angles = []
    for polygon in _widest(polygons, 40):
        p = polygon.reshape(-1, 2)
        along, across = _edges(polygon)
        if along < 4 * across:
            continue  # short boxes give noisy angles
        dx, dy = p[1] - p[0]
        angles.append(np.degrees(np.arctan2(dy, dx)))
    if len(angles) < 3:
        return 0.0
    angle = float(np.median(angles))
    return angle if abs(angle) <= _MAX_SKEW_DEG else 0.0


def rotate_right_angle(rgb: np.ndarray, clockwise: int) -> np.ndarray:
    if clockwise == 0:
        return rgb
    return np.ascontiguousarray(np.rot90(rgb, k=-(clockwise // 90)))


def small_rotation(w: int, h: int, degrees: float) -> tuple[np.ndarray, tuple[int, int]]:
    """The affine matrix that rotates a w×h image by `degrees` about its centre onto a grown canvas."""
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += new_w / 2 - w / 2
    matrix[1, 2] += new_h / 2 - h / 2
    return matrix, (new_w, new_h)


def rotate_small(rgb: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate by `degrees` (positive: the text sloped down to the right), growing the canvas, white fill."""
    h, w = rgb.shape[:2]
    matrix, size = small_rotation(w, h, degrees)
    return cv2.warpAffine(rgb, matrix, size, flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))

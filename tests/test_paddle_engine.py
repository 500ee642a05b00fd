"""The optional PaddleOCR engine: reads rendered Chinese text; absent packages give a clear error."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

import models.ocr as ocr
from docintel.errors import EngineUnavailableError

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
LINES = ("增值税普通发票", "价税合计 1234.50")


def _rendered_page() -> np.ndarray:
    page = Image.new("RGB", (900, 220), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONT), 48)
    for row, text in enumerate(LINES):
        draw.text((30, 30 + 90 * row), text, fill="black", font=font)
    return np.asarray(page)


def test_missing_paddleocr_raises_with_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes `import paddleocr` raise ImportError.
    monkeypatch.setitem(sys.modules, "paddleocr", None)
    monkeypatch.delitem(ocr._engines, "paddle", raising=False)
    with pytest.raises(EngineUnavailableError, match=r"paddleocr.*docintel\[paddle\]"):
        ocr.get_engine("paddle")
    assert "paddle" not in ocr._engines


@pytest.fixture(scope="module")
def engine() -> ocr.OcrEngine:
    pytest.importorskip("paddleocr")
    if not FONT.is_file():
        pytest.skip(f"font {FONT} not installed")
    return ocr.get_engine("paddle")


@pytest.mark.slow
def test_reads_rendered_chinese_text(engine: ocr.OcrEngine) -> None:
    lines = sorted(engine.read(_rendered_page()), key=lambda line: line.polygon[:, 1].min())
    texts = [line.text.replace(" ", "") for line in lines]
    assert texts == [text.replace(" ", "") for text in LINES]
    assert all(line.polygon.shape == (4, 2) and line.score > 0.9 for line in lines)


@pytest.mark.slow
def test_detects_lines_and_votes_orientation(engine: ocr.OcrEngine) -> None:
    page = _rendered_page()
    polygons = engine.detect(page)
    assert len(polygons) == len(LINES)
    assert engine.upside_down_votes(page, polygons) == (len(LINES), 0)
    turned = np.ascontiguousarray(np.rot90(page, 2))
    assert engine.upside_down_votes(turned, engine.detect(turned)) == (0, len(LINES))

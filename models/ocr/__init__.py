"""OCR engines behind one small interface, chosen by kind.

`get_engine()` returns a process-wide cached engine (loading ONNX sessions costs ~0.5 s and memory;
a worker must reuse one). The kind comes from the argument, else `DOCINTEL_OCR_ENGINE`, else
"rapidocr". Optional engines import lazily so a missing extra only removes that engine.
"""

from __future__ import annotations

import os
import threading

from models.ocr.base import OcrEngine, OcrLine

__all__ = ["ENGINE_KINDS", "OcrEngine", "OcrLine", "get_engine"]

ENGINE_KINDS = ("rapidocr", "paddle")
_engines: dict[str, OcrEngine] = {}
_lock = threading.Lock()


def get_engine(kind: str | None = None) -> OcrEngine:
    kind = (kind or os.environ.get("DOCINTEL_OCR_ENGINE") or "rapidocr").lower()
    if kind not in ENGINE_KINDS:
        raise ValueError(f"unknown OCR engine {kind!r}; known engines: {', '.join(ENGINE_KINDS)}")
    with _lock:
        engine = _engines.get(kind)
        if engine is None:
            if kind == "rapidocr":
                from models.ocr.rapidocr_engine import RapidOcrEngine

                engine = RapidOcrEngine()
            else:
                from models.ocr.paddle_engine import PaddleOcrEngine

                engine = PaddleOcrEngine()
            _engines[kind] = engine
    return engine

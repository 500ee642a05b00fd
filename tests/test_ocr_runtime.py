"""The rapidocr engine's inference runtime: ONNX Runtime by default, OpenVINO as an option."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from models.ocr.rapidocr_engine import RapidOcrEngine, runtime

SCAN = Path(__file__).resolve().parents[1] / "samples" / "invoices" / "inv06_sd-special_scan_skew_blur_seal.jpg"


def test_onnxruntime_is_the_default_and_unknown_names_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCINTEL_OCR_RUNTIME", raising=False)
    assert runtime() == "onnxruntime"
    monkeypatch.setenv("DOCINTEL_OCR_RUNTIME", "tensorrt")
    with pytest.raises(ValueError, match="onnxruntime or openvino"):
        runtime()


@pytest.mark.slow
def test_openvino_reads_what_onnxruntime_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("openvino")
    image = cv2.cvtColor(cv2.imread(str(SCAN)), cv2.COLOR_BGR2RGB)
    monkeypatch.setenv("DOCINTEL_OCR_RUNTIME", "onnxruntime")
    reference = RapidOcrEngine()
    monkeypatch.setenv("DOCINTEL_OCR_RUNTIME", "openvino")
    candidate = RapidOcrEngine()
    assert (reference.runtime, candidate.runtime) == ("onnxruntime", "openvino")
    polygons = reference.detect(image)
    assert len(polygons) > 40
    ours = [line.text for line in candidate.recognize(image, polygons)]
    theirs = [line.text for line in reference.recognize(image, polygons)]
    # Same models, other kernels: the numbers differ in the last bits, so a rare line may too.
    same = sum(a == b for a, b in zip(ours, theirs, strict=False))
    assert same >= 0.95 * len(theirs)
    assert any("24337000001352442907" in text for text in ours)  # the invoice number, read the same

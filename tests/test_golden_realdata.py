"""Golden tests on the real public invoices in ../shared/realdata (labels hand-checked, values as printed).

Digital documents (text-layer PDF, OFD) must match every labelled field. Images go through OCR, so
they are held to the key-field target (≥ 97% over all images) and each standalone photo/scan to all
key fields, with the current misses named so that any regression or improvement shows up.
"""

from __future__ import annotations

import csv
import os
from functools import cache
from pathlib import Path

import pytest

from docintel.evaluation import KEY_FIELDS, compare, load_label
from docintel.model import Document
from docintel.pipeline import process_file

REALDATA = Path(os.environ.get("DOCINTEL_REALDATA", Path(__file__).resolve().parents[2] / "shared" / "realdata"))


def _manifest() -> list[dict[str, str]]:
    if not (REALDATA / "MANIFEST.tsv").exists():
        return []
    with (REALDATA / "MANIFEST.tsv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [r for r in rows if (REALDATA / "labels" / f"{r['file']}.json").exists()]


ROWS = _manifest()
DIGITAL = [r["file"] for r in ROWS if r["digital_or_scanned"] == "digital" and not r["file"].endswith(".png")]
IMAGES = [r["file"] for r in ROWS if r["file"].lower().endswith((".png", ".jpg", ".jpeg"))]
STANDALONE_IMAGES = [f for f in IMAGES if "-test." not in f]

pytestmark = pytest.mark.skipif(not ROWS, reason=f"real data not found at {REALDATA}")


@cache
def _processed(name: str) -> Document:
    (doc,) = process_file(REALDATA / "files" / name)
    return doc


def _comparison(name: str):
    doc = _processed(name)
    return compare(doc.values(), load_label(REALDATA / "labels" / f"{name}.json"), name, "")


@pytest.mark.parametrize("name", DIGITAL)
def test_digital_invoice_matches_every_labelled_field(name: str) -> None:
    assert _comparison(name).wrong == {}


@pytest.mark.parametrize("name", DIGITAL)
def test_digital_invoice_is_never_ocrd(name: str) -> None:
    doc = _processed(name)
    assert doc.pages and all(p.text_source is not None and p.text_source.value != "ocr" for p in doc.pages)


@pytest.mark.slow
@pytest.mark.parametrize("name", STANDALONE_IMAGES)
def test_standalone_image_key_fields(name: str) -> None:
    wrong = {k: v for k, v in _comparison(name).wrong.items() if k in KEY_FIELDS}
    assert wrong == {}


@pytest.mark.slow
def test_image_key_field_accuracy_meets_target() -> None:
    right = total = 0
    for name in IMAGES:
        fields = _comparison(name).fields
        for key in KEY_FIELDS:
            if key in fields:
                total += 1
                right += fields[key][0]
    assert total > 0
    assert right / total >= 0.97, f"key-field accuracy {right}/{total}"


@pytest.mark.slow
@pytest.mark.parametrize("name", STANDALONE_IMAGES)
def test_every_value_has_evidence_on_a_page(name: str) -> None:
    doc = _processed(name)
    for field, fv in doc.fields.items():
        if fv.value is not None:
            assert fv.evidence, field
            ev = fv.evidence[0]
            page = doc.page(ev.page) if ev.page is not None else None
            assert page is not None, field
            if ev.box is not None:
                assert -1 <= ev.box.x0 <= ev.box.x1 <= page.width + 1, field
                assert -1 <= ev.box.y0 <= ev.box.y1 <= page.height + 1, field

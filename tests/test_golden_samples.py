"""Golden tests on the generated samples in samples/invoices (truth JSON beside each file).

Digital PDFs must match every field and raise exactly the planted anomalies; scans and photos
(rotated, skewed, blurred, sealed) are held to the key-field target over the set.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from docintel.evaluation import KEY_FIELDS, compare
from docintel.model import Document
from docintel.pipeline import process_file

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "invoices"


def _pairs() -> list[tuple[Path, Path]]:
    pairs = []
    for truth in sorted(SAMPLES.glob("*.json")):
        sources = [p for p in SAMPLES.glob(f"{truth.stem}.*") if p.suffix != ".json"]
        if sources:
            pairs.append((sources[0], truth))
    return pairs


PAIRS = _pairs()
DIGITAL = [p for p in PAIRS if p[0].suffix == ".pdf"]
IMAGES = [p for p in PAIRS if p[0].suffix != ".pdf"]


@cache
def _processed(path: Path) -> Document:
    (doc,) = process_file(path)
    return doc


def _truth(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_samples_are_present() -> None:
    assert len(DIGITAL) >= 6 and len(IMAGES) >= 6


@pytest.mark.parametrize(("source", "truth"), DIGITAL, ids=[p[0].name for p in DIGITAL])
def test_digital_sample_matches_truth(source: Path, truth: Path) -> None:
    label = _truth(truth)
    assert compare(_processed(source).values(), label, source.name, "").wrong == {}


@pytest.mark.parametrize(("source", "truth"), DIGITAL, ids=[p[0].name for p in DIGITAL])
def test_digital_sample_raises_exactly_the_planted_findings(source: Path, truth: Path) -> None:
    expected = {a["code"] for a in _truth(truth)["sample"]["anomalies"]}
    found = {f.code for f in _processed(source).findings}
    assert found == expected


@pytest.mark.slow
def test_scanned_samples_key_field_accuracy() -> None:
    right = total = 0
    misses = []
    for source, truth in IMAGES:
        fields = compare(_processed(source).values(), _truth(truth), source.name, "").fields
        for key in KEY_FIELDS:
            if key in fields:
                total += 1
                right += fields[key][0]
                if not fields[key][0]:
                    misses.append((source.name, key, fields[key][1], fields[key][2]))
    assert right / total >= 0.97, misses


@pytest.mark.slow
@pytest.mark.parametrize(("source", "truth"), IMAGES, ids=[p[0].name for p in IMAGES])
def test_scans_are_turned_upright(source: Path, truth: Path) -> None:
    rotation = _truth(truth)["sample"].get("degradations", {}).get("rotation", 0) or 0
    doc = _processed(source)
    # The generator turned the page clockwise by `rotation`; reading must undo exactly that.
    assert doc.pages[0].rotation == (360 - rotation) % 360

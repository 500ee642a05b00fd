"""Golden tests for bank receipts: generated samples (samples/receipts) and the real scanned
中国农业银行 个人结算业务申请书 (labelled by hand in tests/data/labels).

Digital PDFs must match every field exactly, and the A4 page of three receipts must come back as
three documents in page order, each with its region. Scans and photos (sealed, skewed, blurred)
are held to 95% on the fields a post-loan check rests on; the real scan to every field it prints.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from docintel.evaluation import normalise
from docintel.model import Document
from docintel.pipeline import process_file
from extractors.bank_receipt import FIELD_NAMES

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "receipts"
LABEL = ROOT / "tests" / "data" / "labels" / "xiang12835__bank-receipt-recognition" / "test1.jpg.json"
REALDATA = Path(os.environ.get("DOCINTEL_REALDATA", ROOT.parent / "shared" / "realdata"))
REAL_SCAN = REALDATA / "files" / "xiang12835__bank-receipt-recognition" / "test1.jpg"
KEY_FIELDS = ("payer_name", "payer_account", "payee_name", "payee_account", "amount", "transaction_date")
# Fields of the real scan that are not read reliably, with the reason. None today: every field it
# prints is read. The 小写 amount is the fragile one (OCR misses the 分 cell of the digit grid next
# to the vertical 银行记账联 note; the 元 column still places the digits, with a note saying so).
REAL_SCAN_KNOWN_MISSES: dict[str, str] = {}


def _pairs() -> list[tuple[Path, Path]]:
    pairs = []
    for truth in sorted(SAMPLES.glob("rc*.json")):
        sources = [p for p in SAMPLES.glob(f"{truth.stem}.*") if p.suffix != ".json"]
        if sources:
            pairs.append((sources[0], truth))
    return pairs


PAIRS = _pairs()
DIGITAL = [p for p in PAIRS if p[0].suffix == ".pdf"]
IMAGES = [p for p in PAIRS if p[0].suffix != ".pdf"]


@cache
def _processed(path: Path) -> tuple[Document, ...]:
    return tuple(process_file(path))


def _truth(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))


def _wrong(doc: Document, label: dict[str, Any], fields: tuple[str, ...] = FIELD_NAMES) -> dict[str, tuple]:
    values = doc.values()
    return {
        name: (values.get(name), label[name])
        for name in fields
        if name in label and normalise(values.get(name)) != normalise(label[name])
    }


def test_samples_are_present() -> None:
    assert len(DIGITAL) >= 5 and len(IMAGES) >= 3


@pytest.mark.parametrize(("source", "truth"), DIGITAL, ids=[p[0].name for p in DIGITAL])
def test_digital_sample_matches_every_field(source: Path, truth: Path) -> None:
    docs, labels = _processed(source), _truth(truth)
    assert len(docs) == len(labels)
    for doc, label in zip(docs, labels, strict=True):
        assert doc.doc_type == "bank_receipt"
        assert _wrong(doc, label) == {}
        assert all(doc.fields[name].evidence for name in FIELD_NAMES if doc.fields[name].value is not None)


@pytest.mark.parametrize(("source", "truth"), DIGITAL, ids=[p[0].name for p in DIGITAL])
def test_digital_sample_raises_exactly_the_planted_findings(source: Path, truth: Path) -> None:
    for doc, label in zip(_processed(source), _truth(truth), strict=True):
        expected = {a["code"] for a in label["sample"]["anomalies"]}
        assert {f.code for f in doc.findings} == expected
        for finding in doc.findings:
            assert {e.field for e in finding.evidence} == {"amount", "amount_upper"}


def test_three_receipts_on_one_page_come_back_in_order_with_regions() -> None:
    source = SAMPLES / "rc05_icbc_pdf_3_per_page.pdf"
    docs, labels = _processed(source), _truth(SAMPLES / "rc05_icbc_pdf_3_per_page.json")
    assert len(docs) == len(labels) == 3
    assert [d.part for d in docs] == [1, 2, 3]
    assert [d.value("serial_number") for d in docs] == [t["serial_number"] for t in labels]
    regions = [d.region for d in docs]
    assert all(r is not None for r in regions)
    tops = [r.y0 for r in regions if r]
    bottoms = [r.y1 for r in regions if r]
    assert tops == sorted(tops) and all(b <= t + 0.01 for b, t in zip(bottoms, tops[1:], strict=False))
    for doc, region in zip(docs, regions, strict=True):
        assert region is not None
        for fv in doc.fields.values():  # every value was read inside its own receipt
            for evidence in fv.evidence:
                assert evidence.box is not None and region.y0 <= evidence.box.cy <= region.y1


def test_person_payees_are_recorded_in_the_truth() -> None:
    persons = [t for _, truth in PAIRS for t in _truth(truth) if t["sample"]["payee_is_person"]]
    assert len(persons) >= 2 and all(t["payee_account"].startswith("6222") for t in persons)


@pytest.mark.slow
def test_scanned_samples_key_field_accuracy() -> None:
    right = total = 0
    misses = []
    for source, truth in IMAGES:
        (doc,) = _processed(source)
        (label,) = _truth(truth)
        wrong = _wrong(doc, label, KEY_FIELDS)
        total += len(KEY_FIELDS)
        right += len(KEY_FIELDS) - len(wrong)
        misses += [(source.name, name, got, want) for name, (got, want) in wrong.items()]
    assert right / total >= 0.95, misses


@pytest.mark.slow
@pytest.mark.parametrize(("source", "truth"), IMAGES, ids=[p[0].name for p in IMAGES])
def test_scanned_sample_is_one_receipt_of_the_right_bank(source: Path, truth: Path) -> None:
    (doc,) = _processed(source)
    (label,) = _truth(truth)
    assert doc.doc_type == "bank_receipt" and doc.value("bank_name") == label["bank_name"]


@pytest.mark.slow
@pytest.mark.skipif(not REAL_SCAN.exists(), reason=f"real data not found at {REALDATA}")
def test_real_scan_matches_the_hand_label() -> None:
    docs = _processed(REAL_SCAN)
    assert len(docs) == 1 and docs[0].doc_type == "bank_receipt"
    label = json.loads(LABEL.read_text(encoding="utf-8"))
    wrong = _wrong(docs[0], label)
    assert set(wrong) == set(REAL_SCAN_KNOWN_MISSES), wrong


@pytest.mark.slow
@pytest.mark.skipif(not REAL_SCAN.exists(), reason=f"real data not found at {REALDATA}")
def test_real_scan_reports_its_blank_date() -> None:
    (doc,) = _processed(REAL_SCAN)
    assert [(f.code, f.inputs["field"]) for f in doc.findings] == [("missing_field", "transaction_date")]
    assert "申请日期" in doc.findings[0].message

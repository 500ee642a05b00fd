"""Golden tests on the generated contracts in samples/contracts (truth JSON beside each file).

Digital PDFs must match every field and raise exactly the planted findings; scans (skewed, blurred,
noisy, a page upside down, seals over the signature blocks) are held to the issue's target on the
key fields (parties, tax IDs, total, receiving account) over the set.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from docintel.evaluation import (
    CONTRACT_ITEM_SCORED,
    CONTRACT_KEY_FIELDS,
    CONTRACT_SCORED_FIELDS,
    Comparison,
    compare,
)
from docintel.model import Document
from docintel.pipeline import process_file

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "contracts"


def _truth(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


PAIRS = [(truth.with_suffix(".pdf"), truth) for truth in sorted(SAMPLES.glob("ct*.json"))]
DIGITAL = [p for p in PAIRS if _truth(p[1])["sample"]["source_kind"] == "digital_pdf"]
SCANS = [p for p in PAIRS if _truth(p[1])["sample"]["source_kind"] == "scan"]


@cache
def _processed(path: Path) -> list[Document]:
    return process_file(path)


def _compare(source: Path, truth: Path) -> Comparison:
    (doc,) = _processed(source)
    return compare(doc.values(), _truth(truth), source.name, "", CONTRACT_SCORED_FIELDS, CONTRACT_ITEM_SCORED)


def test_samples_are_present() -> None:
    assert len(DIGITAL) >= 8 and len(SCANS) >= 4


@pytest.mark.parametrize(("source", "truth"), DIGITAL, ids=[p[0].name for p in DIGITAL])
def test_digital_contract_is_one_purchase_contract(source: Path, truth: Path) -> None:
    documents = _processed(source)
    assert [d.doc_type for d in documents] == ["purchase_contract"]


@pytest.mark.parametrize(("source", "truth"), DIGITAL, ids=[p[0].name for p in DIGITAL])
def test_digital_contract_matches_truth(source: Path, truth: Path) -> None:
    assert _compare(source, truth).wrong == {}


@pytest.mark.parametrize(("source", "truth"), DIGITAL, ids=[p[0].name for p in DIGITAL])
def test_digital_contract_raises_exactly_the_planted_findings(source: Path, truth: Path) -> None:
    expected = {a["code"] for a in _truth(truth)["sample"]["anomalies"]}
    (doc,) = _processed(source)
    assert {f.code for f in doc.findings} == expected


def test_buyer_reasoning_is_recorded() -> None:
    for source, _ in DIGITAL:
        (doc,) = _processed(source)
        note = doc.fields["buyer_name"].note or ""
        assert "为买方" in note, (source.name, note)
        assert doc.fields["buyer_name"].evidence[0].page == 1


@pytest.mark.slow
@pytest.mark.parametrize(("source", "truth"), SCANS, ids=[p[0].name for p in SCANS])
def test_scanned_contract_is_one_purchase_contract(source: Path, truth: Path) -> None:
    assert [d.doc_type for d in _processed(source)] == ["purchase_contract"]


@pytest.mark.slow
def test_scanned_contracts_key_field_accuracy() -> None:
    right = total = 0
    misses = []
    for source, truth in SCANS:
        fields = _compare(source, truth).fields
        for key in CONTRACT_KEY_FIELDS:
            total += 1
            right += fields[key][0]
            if not fields[key][0]:
                misses.append((source.name, key, fields[key][1], fields[key][2]))
    assert right / total >= 0.95, misses

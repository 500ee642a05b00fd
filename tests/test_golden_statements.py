"""Golden tests on the generated statement sets in samples/statements (truth JSON beside each file).

Digital PDFs bundle 资产负债表 + 利润表 + 现金流量表: the splitter must find each statement on its own
pages, every catalogued line must be exact in both columns, and only the planted inconsistency may
raise `statement_inconsistent`. Scans go through OCR and are held to ≥ 95% of key lines.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from docintel.model import Document
from docintel.pipeline import process_file

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "statements"
HEADER_FIELDS = (
    "company_name", "statement_date", "unit", "unit_multiplier", "current_period_label", "prior_period_label",
    "current_period", "prior_period", "accounting_standard",
)  # fmt: skip


def _pairs() -> list[tuple[Path, Path]]:
    pairs = []
    for truth in sorted(SAMPLES.glob("st*.json")):
        sources = [p for p in SAMPLES.glob(f"{truth.stem}.*") if p.suffix != ".json"]
        if sources:
            pairs.append((sources[0], truth))
    return pairs


def _truth(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


PAIRS = _pairs()
DIGITAL = [p for p in PAIRS if _truth(p[1])["sample"]["source_kind"] == "digital_pdf"]
SCANS = [p for p in PAIRS if _truth(p[1])["sample"]["source_kind"] != "digital_pdf"]


@cache
def _processed(path: Path) -> tuple[Document, ...]:
    return tuple(process_file(path))


def _amount(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _key_lines(doc: Document) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """First line per key (current, prior), as the fields expose it."""
    out: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    for item in doc.items:
        key = item["key"].value
        if isinstance(key, str) and key not in out:
            out[key] = (item["current"].value, item["prior"].value)  # type: ignore[assignment]
    return out


def _line_misses(doc: Document, truth: dict) -> tuple[int, list[tuple]]:
    got = _key_lines(doc)
    total, misses = 0, []
    for line in truth["lines"]:
        if line["key"] is None:
            continue
        total += 1
        expected = (_amount(line["current"]), _amount(line["prior"]))
        if got.get(line["key"]) != expected:
            misses.append((truth["doc_type"], line["key"], expected, got.get(line["key"])))
    return total, misses


def test_samples_are_present() -> None:
    assert len(DIGITAL) >= 6 and len(SCANS) >= 3
    assert sum(p.stat().st_size for p in SAMPLES.iterdir()) < 5 * 1024 * 1024


@pytest.mark.parametrize(("source", "truth"), DIGITAL, ids=[p[0].name for p in DIGITAL])
def test_digital_set_is_split_into_its_statements(source: Path, truth: Path) -> None:
    expected = [(d["doc_type"], d["pages"]) for d in _truth(truth)["documents"]]
    assert [(d.doc_type, d.page_numbers) for d in _processed(source)] == expected


@pytest.mark.parametrize(("source", "truth"), DIGITAL, ids=[p[0].name for p in DIGITAL])
def test_digital_key_lines_are_exact(source: Path, truth: Path) -> None:
    misses = []
    for doc, expected in zip(_processed(source), _truth(truth)["documents"], strict=True):
        misses.extend(_line_misses(doc, expected)[1])
    assert misses == []


@pytest.mark.parametrize(("source", "truth"), DIGITAL, ids=[p[0].name for p in DIGITAL])
def test_digital_fields_match_truth(source: Path, truth: Path) -> None:
    wrong = {}
    for doc, expected in zip(_processed(source), _truth(truth)["documents"], strict=True):
        for name, value in expected["fields"].items():
            got = doc.value(name)
            text = None if got is None else str(got)
            same = text == value if name in HEADER_FIELDS else got == _amount(value)
            if not same:
                wrong[f"{expected['doc_type']}.{name}"] = (value, got)
    assert wrong == {}


@pytest.mark.parametrize(("source", "truth"), DIGITAL, ids=[p[0].name for p in DIGITAL])
def test_every_printed_line_is_kept(source: Path, truth: Path) -> None:
    for doc, expected in zip(_processed(source), _truth(truth)["documents"], strict=True):
        assert [i["label"].value for i in doc.items] == [line["label"] for line in expected["lines"]]
        assert [i["key"].value for i in doc.items] == [line["key"] for line in expected["lines"]]


@pytest.mark.parametrize(("source", "truth"), DIGITAL, ids=[p[0].name for p in DIGITAL])
def test_digital_set_raises_exactly_the_planted_findings(source: Path, truth: Path) -> None:
    expected = {(a["rule"], a["field"]) for a in _truth(truth)["sample"]["anomalies"]}
    found = {
        (f.rule, f.evidence[0].field)
        for doc in _processed(source)
        for f in doc.findings
        if f.code == "statement_inconsistent"
    }
    assert found == expected


def test_amount_evidence_keeps_page_box_and_printed_text() -> None:
    source = next(s for s, _ in DIGITAL if "wanyuan" in s.name)
    balance = _processed(source)[0]
    total = balance.fields["total_assets"]
    evidence = total.evidence[0]
    assert evidence.page == 1 and evidence.box is not None and evidence.box.width > 0
    assert Decimal(evidence.text.replace(",", "")) * 10000 == total.value


@pytest.mark.slow
def test_scanned_sets_key_line_accuracy() -> None:
    right = total = 0
    misses = []
    for source, truth in SCANS:
        docs = _processed(source)
        expected_docs = _truth(truth)["documents"]
        assert [d.doc_type for d in docs] == [d["doc_type"] for d in expected_docs], source.name
        for doc, expected in zip(docs, expected_docs, strict=True):
            count, missed = _line_misses(doc, expected)
            total += count
            right += count - len(missed)
            misses.extend((source.name, *m) for m in missed)
    assert right / total >= 0.95, misses


@pytest.mark.slow
def test_scanned_clean_sets_raise_no_inconsistency() -> None:
    found = [
        (source.name, f.message)
        for source, _ in SCANS
        for doc in _processed(source)
        for f in doc.findings
        if f.code == "statement_inconsistent"
    ]
    assert found == []

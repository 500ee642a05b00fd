"""Case findings compared with a dossier's `expected_findings.json`: per-case misses, per-code precision/recall.

`expected_findings.json` (written by `samples/generate_dossiers.py`) lists what the verifier must raise
for one case folder: `{"findings": [{"code", "rule" (optional), "note"}]}`. A finding counts when its
severity is above `info`, or when an expected finding has its code (a deliberately absent document is
an `info` finding that must appear). Findings are compared as (code, rule) pairs per case: a rule that
fires once per invoice is one decision, not several. An expected finding without a rule is met by any
rule emitting its code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from docintel.model import Severity
from docintel.verify.rules import CaseReport

EXPECTED_NAME = "expected_findings.json"


@dataclass(frozen=True)
class ExpectedFinding:
    code: str
    rule: str | None = None
    note: str = ""

    def met_by(self, code: str, rule: str) -> bool:
        return code == self.code and (self.rule is None or rule == self.rule)


def load_expected(folder: str | Path) -> list[ExpectedFinding] | None:
    """The expected findings of a case folder, or None when it has no `expected_findings.json`."""
    path = Path(folder) / EXPECTED_NAME
    if not path.is_file():
        return None
    data = json.loads(path.read_text("utf-8"))
    entries = data["findings"] if isinstance(data, dict) else data
    return [ExpectedFinding(e["code"], e.get("rule"), e.get("note", "")) for e in entries]


@dataclass(frozen=True)
class CaseScore:
    case_id: str
    expected: list[ExpectedFinding]
    actual: list[tuple[str, str]]  # (code, rule) counted, sorted
    missed: list[ExpectedFinding]
    unexpected: list[tuple[str, str]]

    @property
    def ok(self) -> bool:
        return not self.missed and not self.unexpected


def counted_findings(report: CaseReport, expected: Iterable[ExpectedFinding]) -> list[tuple[str, str]]:
    """(code, rule) of the case's and its documents' findings that count: above info, or info when expected."""
    expected_codes = {e.code for e in expected}
    return sorted(
        {(f.code, f.rule) for f in report.findings if f.severity is not Severity.INFO or f.code in expected_codes}
    )


def score_case(report: CaseReport, expected: list[ExpectedFinding]) -> CaseScore:
    actual = counted_findings(report, expected)
    missed = [e for e in expected if not any(e.met_by(code, rule) for code, rule in actual)]
    unexpected = [(code, rule) for code, rule in actual if not any(e.met_by(code, rule) for e in expected)]
    return CaseScore(report.case_id, expected, actual, missed, unexpected)


@dataclass
class CodeScore:
    """Per finding code: findings raised that were expected (true), not expected (false), expected ones met."""

    true_positives: int = 0
    false_positives: int = 0
    expected: int = 0
    expected_met: int = 0

    @property
    def precision(self) -> float | None:
        raised = self.true_positives + self.false_positives
        return self.true_positives / raised if raised else None

    @property
    def recall(self) -> float | None:
        return self.expected_met / self.expected if self.expected else None


def per_code(scores: Iterable[CaseScore]) -> dict[str, CodeScore]:
    by_code: dict[str, CodeScore] = {}
    for score in scores:
        for code, rule in score.actual:
            tally = by_code.setdefault(code, CodeScore())
            if (code, rule) in score.unexpected:
                tally.false_positives += 1
            else:
                tally.true_positives += 1
        for expected in score.expected:
            tally = by_code.setdefault(expected.code, CodeScore())
            tally.expected += 1
            tally.expected_met += expected not in score.missed
    return dict(sorted(by_code.items()))

"""Geometry over text spans: rows, characters with positions, labels and the values beside them.

Extractors use these instead of per-issuer templates: a value is found next to its printed label
(same span after the label, or the spans to its right on the same row), and table cells are placed
in columns by the x position of each character.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

from docintel.model import Box, Evidence, TextSpan

_FULLWIDTH = str.maketrans({"：": ":", "（": "(", "）": ")", "，": ",", "　": " ", "￥": "¥"})


def norm(text: str) -> str:
    """Normalise for matching (never for stored values): NFKC, ASCII punctuation, ¥ for ￥."""
    return unicodedata.normalize("NFKC", text).translate(_FULLWIDTH)


def vertical_overlap(a: Box, b: Box) -> float:
    """Overlap of the two boxes' y ranges as a share of the shorter height."""
    inter = min(a.y1, b.y1) - max(a.y0, b.y0)
    shorter = max(min(a.height, b.height), 1e-6)
    return max(0.0, inter) / shorter


@dataclass(slots=True)
class Row:
    spans: list[TextSpan]

    @property
    def box(self) -> Box:
        box = self.spans[0].box
        for span in self.spans[1:]:
            box = box.union(span.box)
        return box

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.spans)


def group_rows(spans: list[TextSpan], min_overlap: float = 0.5) -> list[Row]:
    """Group spans of one page into rows (reading order: top to bottom, left to right)."""
    rows: list[Row] = []
    for span in sorted(spans, key=lambda s: (s.box.cy, s.box.x0)):
        for row in reversed(rows[-3:]):
            # Compare with the row's typical line, not its union, so tall spans do not merge rows.
            if vertical_overlap(row.spans[0].box, span.box) >= min_overlap:
                row.spans.append(span)
                break
        else:
            rows.append(Row(spans=[span]))
    for row in rows:
        row.spans.sort(key=lambda s: s.box.x0)
    rows.sort(key=lambda r: r.box.cy)
    return rows


@dataclass(frozen=True, slots=True)
class Char:
    """One character with the x range it occupies (interpolated inside its span)."""

    char: str
    x0: float
    x1: float
    span: TextSpan


def chars_of(spans: list[TextSpan]) -> list[Char]:
    out: list[Char] = []
    for span in sorted(spans, key=lambda s: s.box.x0):
        text = span.text
        step = span.box.width / max(len(text), 1)
        for i, ch in enumerate(text):
            out.append(Char(ch, span.box.x0 + i * step, span.box.x0 + (i + 1) * step, span))
    return out


def sub_box(span: TextSpan, start: int, end: int) -> Box:
    """Approximate box of span.text[start:end] by the share of characters (good enough to highlight)."""
    n = max(len(span.text), 1)
    step = span.box.width / n
    return Box(x0=span.box.x0 + start * step, y0=span.box.y0, x1=span.box.x0 + end * step, y1=span.box.y1)


def evidence_for(span: TextSpan, start: int = 0, end: int | None = None) -> Evidence:
    end = len(span.text) if end is None else end
    return Evidence(
        page=span.page,
        box=sub_box(span, start, end),
        confidence=span.confidence,
        origin=span.origin,
        text=span.text[start:end],
    )


@dataclass(slots=True)
class Located:
    """A value read from one or more spans, with the evidence of where."""

    text: str
    evidence: list[Evidence]

    @property
    def confidence(self) -> float:
        return min((e.confidence for e in self.evidence), default=0.0)


def find_label(spans: list[TextSpan], pattern: re.Pattern[str]) -> list[tuple[TextSpan, re.Match[str]]]:
    """Spans whose normalised text contains the label, with the match (offsets valid for span.text
    because `norm` keeps the length of CJK text and punctuation one to one).

    A label printed with letter spacing ("地 址、电 话") may come as several spans; then a span
    joining those fragments (text concatenated, boxes united) stands for the label."""
    hits = []
    by_x: _ByX | None = None
    for span in spans:
        match = pattern.search(norm(span.text))
        if match:
            hits.append((span, match))
            continue
        if len(span.text) > 4:
            continue  # only short fragments are pieces of a spaced-out label
        by_x = by_x or _ByX(spans)
        joined = _joined_fragments(span, by_x)
        if joined is not None:
            match = pattern.search(norm(joined.text))
            if match and match.start() < len(span.text) and match.end() > len(span.text):
                hits.append((joined, match))
    return hits


class _ByX:
    """The spans in order of their left edge, to walk rightwards from any x without scanning all."""

    def __init__(self, spans: list[TextSpan]) -> None:
        self.spans = sorted(spans, key=lambda s: s.box.x0)
        self.x0s = [s.box.x0 for s in self.spans]

    def right_of(self, x: float) -> list[TextSpan]:
        return self.spans[bisect.bisect_right(self.x0s, x) :]


def _joined_fragments(start: TextSpan, by_x: _ByX, most: int = 4) -> TextSpan | None:
    """The fragment joined with up to `most - 1` fragments to its right on its line, each close to the last."""
    text, box = start.text, start.box
    max_gap = 1.5 * max(start.box.height, 1.0)
    taken = 0
    for other in by_x.right_of(start.box.x0):
        if other.box.x0 - box.x1 > max_gap:
            break  # the spans are in x order: nothing further right is close enough either
        if other.page != start.page or vertical_overlap(other.box, start.box) < 0.6:
            continue
        text, box = text + other.text, box.union(other.box)
        taken += 1
        if taken == most - 1:
            break
    if text == start.text:
        return None
    return TextSpan(text=text, page=start.page, box=box, confidence=start.confidence, origin=start.origin)


def text_after_label(
    span: TextSpan,
    match: re.Match[str],
    page_spans: list[TextSpan],
    stop: re.Pattern[str] | None = None,
    max_gap_factor: float = 12.0,
) -> Located | None:
    """The value printed after a label: the rest of the label's span, then spans to its right on
    the same row, until another label (`stop`) or a gap wider than `max_gap_factor` line heights."""
    pieces: list[tuple[str, Evidence]] = []
    rest_start = match.end()
    rest = norm(span.text)[rest_start:]
    lead = len(rest) - len(rest.lstrip(" :"))
    rest_start += lead
    if span.text[rest_start:].strip():
        cut = _stop_index(span.text[rest_start:], stop)
        if cut > 0:
            pieces.append((span.text[rest_start : rest_start + cut], evidence_for(span, rest_start, rest_start + cut)))
        if cut < len(span.text) - rest_start:
            return _located(pieces)
    right = sorted(
        (
            s
            for s in page_spans
            if s is not span
            and s.box.x0 >= span.box.x1 - span.box.height  # OCR boxes of neighbours overlap a little
            and vertical_overlap(s.box, span.box) >= 0.5
        ),
        key=lambda s: s.box.x0,
    )
    x_end = span.box.x1
    height = max(span.box.height, 1.0)
    for other in right:
        # The first piece may stand well apart from its label (dot-matrix print drifts); the rest of
        # a value is one contiguous run, so later pieces must be close.
        limit = max_gap_factor if not pieces else min(max_gap_factor, 3.0)
        if other.box.x0 - x_end > limit * height:
            break
        text = other.text.lstrip(":： ")
        offset = len(other.text) - len(text)
        cut = _stop_index(text, stop)
        if cut == 0:
            break
        pieces.append((text[:cut], evidence_for(other, offset, offset + cut)))
        if cut < len(text):
            break
        x_end = other.box.x1
    return _located(pieces)


def _stop_index(text: str, stop: re.Pattern[str] | None) -> int:
    if stop is None:
        return len(text)
    match = stop.search(norm(text))
    return len(text) if match is None else match.start()


def _located(pieces: list[tuple[str, Evidence]]) -> Located | None:
    pieces = [(t, e) for t, e in pieces if t.strip()]
    if not pieces:
        return None
    return Located(text=" ".join(t.strip() for t, _ in pieces), evidence=[e for _, e in pieces])


def nearest_marker(label: TextSpan, markers: list[tuple[TextSpan, str]]) -> str | None:
    """The role of the marker (购买方/销售方, 付款人/收款人 …) nearest to the left of or above a label.

    Block markers stand at the left edge of their block (vertical text on legacy forms, a column
    on 数电票 and 回单), so only markers not right of the label count; vertical distance weighs more.
    """
    best: tuple[float, str] | None = None
    for marker, role in markers:
        if marker.box.x0 > label.box.x0 + 2:
            continue
        dx = max(0.0, label.box.x0 - marker.box.x1)
        dy = max(0.0, marker.box.y0 - label.box.cy, label.box.cy - marker.box.y1)
        distance = dx + 3 * dy
        if best is None or distance < best[0]:
            best = (distance, role)
    return best[1] if best else None

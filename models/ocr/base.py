"""The OCR interface every engine implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np


@dataclass(frozen=True, slots=True)
class OcrLine:
    """One recognised text line: its polygon in image pixels, text and score in [0, 1]."""

    polygon: np.ndarray  # shape (4, 2), float, image pixel coordinates
    text: str
    score: float


class OcrEngine(ABC):
    """Reads upright RGB page images. Orientation and skew are fixed by the caller (readers.image)."""

    kind: ClassVar[str]

    @abstractmethod
    def read(self, image: np.ndarray) -> list[OcrLine]:
        """Detect and recognise every text line of an upright RGB image."""

    @abstractmethod
    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """Text-line polygons only (cheap; used to judge orientation and skew)."""

    def recognize(self, image: np.ndarray, polygons: list[np.ndarray]) -> list[OcrLine]:
        """Recognise the text lines at `polygons` (from `detect` on this very image). Engines that cannot
        take given boxes detect again; the default engine reuses them, so a page is detected once."""
        return self.read(image)

    @abstractmethod
    def upside_down_votes(self, image: np.ndarray, polygons: list[np.ndarray]) -> tuple[int, int]:
        """Classify line crops as upright or turned 180°; returns (upright, flipped) counts."""

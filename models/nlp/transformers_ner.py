"""Optional adapter for a local Hugging Face token-classification (NER) model.

The contract extractor uses it only when `DOCINTEL_NER_MODEL_DIR` points at a saved model (config,
weights and a fast tokenizer, e.g. a Chinese BERT fine-tuned for NER): its ORG entities are extra
party-name candidates beside the spaCy rules. Nothing is downloaded: the model is loaded with
`local_files_only=True`, and a missing `transformers`/`torch` raises `EngineUnavailableError`.

Entities come back as `models.nlp.zh_rules.Entity` with character offsets into the text; the model's
BIO/BIOES tags are mapped onto ORG, PER, LOC, MONEY and DATE (other labels are dropped).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from docintel.errors import EngineUnavailableError
from models.nlp.zh_rules import Entity

log = logging.getLogger(__name__)

# Entity types of common Chinese NER label sets (MSRA, People's Daily, CLUENER, OntoNotes) -> ours.
LABEL_MAP: dict[str, str] = {
    "ORG": "ORG", "ORGANIZATION": "ORG", "COMPANY": "ORG", "NT": "ORG", "GOVERNMENT": "ORG",
    "PER": "PER", "PERSON": "PER", "NAME": "PER", "NR": "PER",
    "LOC": "LOC", "LOCATION": "LOC", "GPE": "LOC", "ADDRESS": "LOC", "NS": "LOC",
    "MONEY": "MONEY",
    "DATE": "DATE", "TIME": "DATE",
}  # fmt: skip
_MAX_CHARS = 400  # per model call; BERT-style models take 512 tokens and Chinese is ~1 token a character


class TransformersNerAdapter:
    """`entities(text)` from a local token-classification model directory."""

    def __init__(self, model_dir: Path) -> None:
        try:
            import torch
            from transformers import AutoModelForTokenClassification, AutoTokenizer
        except ImportError as exc:
            raise EngineUnavailableError(
                "the NER adapter needs transformers and torch: pip install 'docintel[transformers]'",
                reason="ner_unavailable",
            ) from exc
        if not Path(model_dir).is_dir():
            raise EngineUnavailableError(f"NER model directory not found: {model_dir}", reason="ner_model_missing")
        self._torch = torch
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
            self._model = AutoModelForTokenClassification.from_pretrained(model_dir, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise EngineUnavailableError(
                f"cannot load NER model from {model_dir}: {exc}", reason="ner_model_missing"
            ) from exc
        if not getattr(self._tokenizer, "is_fast", False):
            raise EngineUnavailableError(
                "the NER adapter needs a fast tokenizer (character offsets)", reason="ner_model_missing"
            )
        self._model.eval()
        self._id2label: dict[int, str] = {int(k): v for k, v in self._model.config.id2label.items()}
        self._lock = threading.Lock()  # one forward pass at a time: torch models are not re-entrant here

    def entities(self, text: str) -> list[Entity]:
        """Entities in `text` with character offsets into `text`, in text order."""
        found: list[Entity] = []
        for start in range(0, len(text), _MAX_CHARS):
            chunk = text[start : start + _MAX_CHARS]
            for entity in self._chunk_entities(chunk):
                found.append(Entity(entity.label, entity.text, entity.start + start, entity.end + start))
        return found

    def _chunk_entities(self, text: str) -> list[Entity]:
        if not text.strip():
            return []
        encoded = self._tokenizer(text, return_offsets_mapping=True, return_tensors="pt", truncation=True)
        offsets = encoded.pop("offset_mapping")[0].tolist()
        with self._lock, self._torch.no_grad():
            logits = self._model(**encoded).logits[0]
        tags = [self._id2label.get(int(i), "O") for i in logits.argmax(dim=-1).tolist()]
        return _decode(text, tags, offsets)


def _split_tag(tag: str) -> tuple[str, str | None]:
    """("B", "ORG") from "B-ORG" / "B_ORG"; ("O", None) for O and unknown types."""
    if tag == "O" or len(tag) < 3 or tag[1] not in "-_":
        return "O", None
    prefix, kind = tag[0].upper(), LABEL_MAP.get(tag[2:].upper())
    return (prefix, kind) if kind else ("O", None)


def _decode(text: str, tags: list[str], offsets: list[Any]) -> list[Entity]:
    """Group per-token BIO/BIOES tags into character spans; special tokens have (0, 0) offsets.

    An I- tag whose type differs from the open entity (or with none open) starts a new entity, the
    usual lenient reading of imperfect model output."""
    entities: list[Entity] = []
    current: list[Any] | None = None  # [label, start, end]
    for tag, (start, end) in zip(tags, offsets, strict=True):
        if start == end:
            continue
        prefix, kind = _split_tag(tag)
        if kind is None:
            current = _close(text, current, entities)
            continue
        if prefix in ("B", "S") or current is None or current[0] != kind:
            current = _close(text, current, entities)
            current = [kind, start, end]
        else:
            current[2] = end
        if prefix in ("E", "S"):
            current = _close(text, current, entities)
    _close(text, current, entities)
    return entities


def _close(text: str, current: list[Any] | None, entities: list[Entity]) -> None:
    if current is not None:
        label, start, end = current
        entities.append(Entity(label, text[start:end], start, end))
    return None

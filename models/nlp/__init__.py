"""NLP components: a rule-based spaCy pipeline for Chinese business documents (no model download)."""

from __future__ import annotations

from models.nlp.zh_rules import LABELS, Entity, build_zh_pipeline, find_entities, rule_entities, zh_pipeline

__all__ = ["LABELS", "Entity", "build_zh_pipeline", "find_entities", "rule_entities", "zh_pipeline"]

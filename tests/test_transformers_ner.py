"""The transformers NER adapter's plumbing, on a tiny BERT built in the test (nothing downloaded).

The classifier's weights are zeroed and its bias set, so the model predicts one known tag for every
token; the test then checks tag decoding, label mapping and character offsets, not model quality.
"""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from docintel.errors import EngineUnavailableError  # noqa: E402 - after the import skips
from models.nlp.transformers_ner import TransformersNerAdapter, _decode  # noqa: E402

TEXT = "甲方南京恒润有限公司"
LABELS = ["O", "B-ORG", "I-ORG", "B-PER"]


def _tiny_model(directory: Path, predicted: str) -> Path:
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(set(TEXT + "乙方"))]
    vocab_file = directory / "vocab.txt"
    directory.mkdir(parents=True, exist_ok=True)
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = transformers.BertTokenizerFast(vocab_file=str(vocab_file), tokenize_chinese_chars=True)
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=1,
        intermediate_size=16,
        max_position_embeddings=64,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    torch.manual_seed(0)
    model = transformers.BertForTokenClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.fill_(-10.0)
        model.classifier.bias[LABELS.index(predicted)] = 10.0
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def test_all_inside_tags_make_one_entity_over_the_whole_text(tmp_path: Path) -> None:
    adapter = TransformersNerAdapter(_tiny_model(tmp_path / "org", "I-ORG"))
    (entity,) = adapter.entities(TEXT)
    assert (entity.label, entity.start, entity.end, entity.text) == ("ORG", 0, len(TEXT), TEXT)


def test_begin_tags_make_one_entity_per_character_with_offsets(tmp_path: Path) -> None:
    adapter = TransformersNerAdapter(_tiny_model(tmp_path / "per", "B-PER"))
    text = "乙方 甲方"
    entities = adapter.entities(text)
    assert [(e.label, e.start, e.end) for e in entities] == [("PER", 0, 1), ("PER", 1, 2), ("PER", 3, 4), ("PER", 4, 5)]
    assert all(text[e.start : e.end] == e.text for e in entities)


def test_outside_tags_give_no_entities(tmp_path: Path) -> None:
    assert TransformersNerAdapter(_tiny_model(tmp_path / "o", "O")).entities(TEXT) == []


def test_decode_handles_bioes_and_unknown_types() -> None:
    text = "恒润公司在南京"
    tags = ["O", "B-COMPANY", "I-COMPANY", "I-COMPANY", "E-COMPANY", "O", "S-NS", "B-FOOD", "O"]
    offsets = [(0, 0), (0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 7), (7, 7), (0, 0)]
    entities = _decode(text, tags, offsets)
    assert [(e.label, e.text) for e in entities] == [("ORG", "恒润公司"), ("LOC", "南京")]


def test_missing_model_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailableError, match="not found"):
        TransformersNerAdapter(tmp_path / "absent")


def test_contract_extractor_uses_ner_orgs_when_configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from extractors import contract

    model_dir = _tiny_model(tmp_path / "org", "I-ORG")
    monkeypatch.setenv(contract.NER_MODEL_ENV, str(model_dir))
    contract._ner_adapter.cache_clear()
    # No organisation suffix, so the spaCy rules find no ORG: the model's entity is the candidate.
    orgs = contract._ner_orgs("南京恒润")
    assert [(e.label, e.text) for e in orgs] == [("ORG", "南京恒润")]

"""Chunking: sentence-aware, inside the model window, exact offsets, nothing lost."""

from __future__ import annotations

import re

import pytest

from qabot.chunking import Chunker
from qabot.domain import Document
from qabot.loaders import load_document
from qabot.settings import BUNDLED_MODEL
from qabot.text import line_starts_of
from qabot.torch_embeddings import TorchEmbedder
from tests.common import CARTER, COOK, SEEDS


@pytest.fixture(scope="module")
def tokenizer():  # type: ignore[no-untyped-def]
    return TorchEmbedder(BUNDLED_MODEL).tokenizer


def _doc(text: str) -> Document:
    return Document("t.txt", "T", text, ((0, len(text)),), "h", line_starts_of(text))


@pytest.mark.parametrize("max_tokens", [40, 120, 200])
def test_seed_passages_fit_the_window_and_map_back(tokenizer, max_tokens: int) -> None:  # type: ignore[no-untyped-def]
    chunker = Chunker(tokenizer, max_tokens)
    for name in (CARTER, COOK):
        doc = load_document(SEEDS / name, name)
        passages = chunker.chunk(doc)
        assert passages
        for p in passages:
            assert doc.text[p.start_char : p.end_char] == p.text
            assert len(tokenizer.encode(p.text, add_special_tokens=False).ids) <= max_tokens
            assert doc.line_of(p.start_char) == p.start_line
            assert any(s <= p.start_char and p.end_char <= e for s, e in doc.spans)
        # nothing lost: every word of the cleaned content is in some passage
        content = " ".join(doc.text[s:e] for s, e in doc.spans).split()
        assert " ".join(" ".join(p.text.split()) for p in passages).split() == content


def test_overlong_sentence_and_giant_word_are_cut_not_truncated(tokenizer) -> None:  # type: ignore[no-untyped-def]
    words = " ".join(f"word{i}" for i in range(600))
    giant = "x" * 3000
    text = f"{words} {giant} end."
    chunker = Chunker(tokenizer, 64)
    passages = chunker.chunk(_doc(text))
    assert len(passages) > 5
    for p in passages:
        assert len(tokenizer.encode(p.text, add_special_tokens=False).ids) <= 64
    joined = "".join(re.sub(r"\s+", "", p.text) for p in passages)
    assert joined == re.sub(r"\s+", "", text)


def test_ids_are_content_derived(tokenizer) -> None:  # type: ignore[no-untyped-def]
    doc = load_document(SEEDS / COOK, COOK)
    a = [p.id for p in Chunker(tokenizer, 120).chunk(doc)]
    b = [p.id for p in Chunker(tokenizer, 120).chunk(doc)]
    assert a == b and len(set(a)) == len(a)

"""Ingestion's vectors: identical text is embedded once, reused from the store, or from a
snapshot after a repair."""

from __future__ import annotations

import numpy as np

from qabot.domain import Passage
from qabot.embeddings import get_embedder
from qabot.settings import Settings
from qabot.snapshot import Snapshot
from qabot.store import Store
from qabot.text import text_hash
from qabot.vectors import PassageVectors

TEXT = "The Glimmerbrook ferry resumed sailing on Friday after repairs."


def _passage(pid: str, source: str, text: str = TEXT) -> Passage:
    return Passage(pid, source, "Ferry", text, 0, len(text), 1, 1)


def test_a_text_is_embedded_once_then_found_in_the_store(settings: Settings) -> None:
    embedder = get_embedder(settings)
    store = Store(settings, embedder.model_id, embedder.backend)
    twins = [_passage("a", "a.txt"), _passage("b", "b.txt")]  # the same text in two files
    vectors, embedded = PassageVectors(store, embedder).for_passages(twins)
    assert embedded == 1 and list(vectors) == [text_hash("Ferry", TEXT)]
    store.upsert(twins, {"a.txt": "h", "b.txt": "h"}, vectors)
    again, embedded = PassageVectors(store, embedder).for_passages([_passage("c", "c.txt")])
    assert embedded == 0 and np.allclose(
        again[text_hash("Ferry", TEXT)], vectors[text_hash("Ferry", TEXT)], atol=1e-6
    )


def test_vectors_of_a_snapshot_are_reused(settings: Settings) -> None:
    embedder = get_embedder(settings)
    store = Store(settings, embedder.model_id, embedder.backend)
    p = _passage("a", "a.txt")
    saved = np.full((1, embedder.dimension), 0.5, dtype=np.float32)
    vectors = PassageVectors(store, embedder)
    assert vectors.seed(Snapshot({"a": p}, saved, ["a"])) == 1
    got, embedded = vectors.for_passages([p])
    assert embedded == 0 and got[text_hash("Ferry", TEXT)].tolist() == [0.5] * embedder.dimension

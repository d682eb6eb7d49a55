"""Vectors for the passages an ingest writes: identical text is embedded once.

A passage's vector is that of its indexed text (`text.indexed_text`), so a text already in
the store, seen earlier in this ingest, or held by the last snapshot (after a damaged vector
index was removed) is reused rather than embedded again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qabot.domain import Passage
from qabot.embedder import Embedder, Progress
from qabot.snapshot import Snapshot
from qabot.store import Store
from qabot.text import indexed_text, text_hash


class PassageVectors:
    """Vectors by text hash for one ingest: reused where known, embedded once otherwise."""

    #: Vectors of this ingest's texts kept in memory (float32), so repeats skip the lookup.
    KEEP = 20000

    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        self._known: dict[str, np.ndarray] = {}
        self._seed: dict[str, np.ndarray] = {}  # vectors of a snapshot, by text hash

    def forget(self) -> None:
        """Drop the vectors kept for this ingest (it has written them all)."""
        self._known.clear()
        self._seed.clear()

    def seed(self, snap: Snapshot | None) -> int:
        """Offer the vectors of a saved snapshot (after a damaged vector index was removed:
        its records are written again, not re-embedded); how many there are."""
        if snap is None or snap.matrix is None:
            return 0
        row = {pid: i for i, pid in enumerate(snap.matrix_ids)}
        self._seed = {
            text_hash(p.title, p.text): snap.matrix[row[pid]]
            for pid, p in snap.passages.items()
            if pid in row
        }
        return len(self._seed)

    def for_passages(
        self, passages: Sequence[Passage], progress: Progress | None = None
    ) -> tuple[dict[str, np.ndarray], int]:
        """Vectors for the passages' texts by text hash, and how many had to be embedded."""
        hashes = [text_hash(p.title, p.text) for p in passages]
        vectors = self._existing(hashes)
        todo: dict[str, str] = {}
        for p, th in zip(passages, hashes, strict=True):
            if th not in vectors and th not in todo:
                todo[th] = indexed_text(p.title, p.text)
        if todo:
            keys = list(todo)
            embedded = self.embedder.embed([todo[k] for k in keys], progress=progress)
            for key, vec in zip(keys, embedded, strict=True):
                vectors[key] = vec
            self._remember({k: vectors[k] for k in keys})
        return vectors, len(todo)

    def _existing(self, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors already known for these text hashes: remembered, seeded, or stored."""
        found: dict[str, np.ndarray] = {}
        wanted = []
        for h in dict.fromkeys(text_hashes):
            known = self._known.get(h)
            if known is None:
                known = self._seed.get(h)
            if known is not None:
                found[h] = known
            else:
                wanted.append(h)
        found.update(self.store.stored_vectors(wanted))
        self._remember(found)
        return found

    def _remember(self, vectors: dict[str, np.ndarray]) -> None:
        if len(self._known) + len(vectors) > self.KEEP:
            self._known.clear()
        for h, vec in list(vectors.items())[: self.KEEP]:
            self._known[h] = np.asarray(vec, dtype=np.float32)

"""BM25 over the passages' indexed text (bm25s), saved beside the store and derived from it.

A saved index is named by the fingerprint of the passage ids it was built from, so it is used
only while the store holds exactly those passages, whoever changed the store.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from qabot import snapshot
from qabot.text import terms

#: BM25 leaves out only the commonest words (bm25s's English list). Leaving out all of
#: `text.STOPWORDS` instead cost mrr on the BBC dev set (0.8546 -> 0.8541).
BM25_STOPWORDS = frozenset(
    """
    a an and are as at be but by for if in into is it no not of on or such that the their then
    there these they this to was will with
    """.split()  # noqa: SIM905 - a word list reads better as prose
)


class BM25:
    """A bm25s index over passage texts, tokenized by `text.terms`."""

    def __init__(self, retriever: Any, ids: list[str]) -> None:
        self.retriever = retriever
        self.ids = ids

    @classmethod
    def empty(cls) -> BM25:
        """An index of no passages (bm25s is not even imported)."""
        return cls(None, [])

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> BM25:
        import bm25s

        retriever = bm25s.BM25()
        if texts:
            retriever.index([terms(t, BM25_STOPWORDS) for t in texts], show_progress=False)
        return cls(retriever, ids)

    def save(self, base: Path, fingerprint: str, keep: int = 2) -> None:
        """Write to `base/<fingerprint>` atomically (a temp folder renamed into place).

        A saved index is never changed, only replaced by one with another fingerprint, so a
        reader in another process never loads half of one version and half of another.
        """
        with snapshot.new_version(base, fingerprint, "qabot.json", keep) as tmp:
            if tmp is None:
                return
            if self.ids:
                self.retriever.save(str(tmp), show_progress=False)
            meta = {"fingerprint": fingerprint, "ids": self.ids}
            (tmp / "qabot.json").write_text(json.dumps(meta))

    @classmethod
    def load(cls, base: Path, fingerprint: str) -> BM25 | None:
        """The saved index if it was built from exactly the current collection, else None."""
        import bm25s

        folder = base / fingerprint[:32]
        meta_file = folder / "qabot.json"
        try:
            meta = json.loads(meta_file.read_text())
            if meta.get("fingerprint") != fingerprint:
                return None
            ids = list(meta["ids"])
            retriever = (
                bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
                if ids
                else bm25s.BM25()
            )
            return cls(retriever, ids)
        except (OSError, ValueError, KeyError):
            return None

    def doc_freq(self) -> tuple[dict[str, int], int]:
        """Passages holding each (stemmed) term, and the number of passages."""
        if not self.ids:
            return {}, 0
        indptr = self.retriever.scores["indptr"]
        df = {
            t: int(indptr[i + 1] - indptr[i])
            for t, i in self.retriever.vocab_dict.items()
            if i + 1 < len(indptr)
        }
        return df, len(self.ids)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        if not self.ids or k <= 0:
            return []
        tokens = terms(query, BM25_STOPWORDS)
        if not tokens:
            return []
        # Scores for every passage, then a partial sort: ~0.1 ms where `retrieve` (thread
        # pool, progress bar) costs milliseconds per query.
        scores = self.retriever.get_scores(tokens)
        return [(pid, score) for pid, score in top_k(self.ids, scores, k) if score > 0]


def top_k(ids: list[str], scores: np.ndarray, k: int) -> list[tuple[str, float]]:
    """The k best (id, score) pairs, best first: a partial sort, not a full one."""
    k = min(k, len(ids))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k] if k < len(ids) else np.arange(len(ids))
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(ids[int(i)], float(scores[i])) for i in top]


def fingerprint_of(ids: Iterable[str]) -> str:
    """Names a set of passage ids: a saved BM25 index is used only for the same set."""
    h = hashlib.sha256()
    for pid in sorted(ids):
        h.update(pid.encode())
    return h.hexdigest()


def idf_from_counts(df: dict[str, int], n_docs: int) -> Callable[[str], float]:
    """BM25-style idf for a stemmed term; unseen terms get the rarest weight."""

    def idf(term: str) -> float:
        return math.log(1.0 + (n_docs - df.get(term, 0) + 0.5) / (df.get(term, 0) + 0.5))

    return idf

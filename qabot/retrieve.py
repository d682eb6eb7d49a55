"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by reciprocal rank fusion."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from qabot.domain import Passage
from qabot.index import PassageIndex

logger = logging.getLogger(__name__)

Mode = Literal["hybrid", "dense", "bm25"]


@dataclass(frozen=True)
class Retrieval:
    """Ranked passages (score = fused score) and the evidence behind the ranking."""

    passages: tuple[Passage, ...]
    dense: dict[str, float] = field(default_factory=dict)  # id -> cosine similarity
    sparse: dict[str, float] = field(default_factory=dict)  # id -> BM25 score
    query_vector: np.ndarray | None = None


def rrf(rankings: list[list[str]], k: int, weights: list[float] | None = None) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum over rankings of w / (k + rank), rank from 1."""
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, pid in enumerate(ranking, start=1):
            fused[pid] = fused.get(pid, 0.0) + weight / (k + rank)
    return fused


class Searcher:
    """One query embedding, one vector search and one BM25 query per question, fused."""

    def __init__(
        self,
        index: PassageIndex,
        candidates: int = 40,
        rrf_k: int = 10,
        mode: Mode = "hybrid",
        dense_weight: float = 0.5,
    ) -> None:
        self.index = index
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.mode = mode
        self.dense_weight = dense_weight

    def search(self, query: str, k: int) -> Retrieval:
        self.index.refresh()
        vector = None
        dense: list[tuple[str, float]] = []
        sparse: list[tuple[str, float]] = []
        if self.mode in ("hybrid", "dense"):
            vector = self.index.embedder.embed([query])[0]
            dense = self.index.dense(vector, self.candidates)
        if self.mode in ("hybrid", "bm25"):
            sparse = self.index.sparse(query, self.candidates)
        if self.mode == "dense":
            scores = dict(dense)
        elif self.mode == "bm25":
            scores = dict(sparse)
        else:
            scores = rrf(
                [[d for d, _ in dense], [s for s, _ in sparse]],
                self.rrf_k,
                [self.dense_weight, 1.0],
            )
        ranked = sorted(scores, key=lambda pid: (-scores[pid], pid))[:k]
        passages = tuple(replace(self.index.passages[pid], score=scores[pid]) for pid in ranked)
        return Retrieval(passages, dict(dense), dict(sparse), vector)

"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by reciprocal rank fusion."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from qabot.domain import Passage
from qabot.embedder import Embedder
from qabot.index import PassageIndex
from qabot.rerank import Reranker

logger = logging.getLogger(__name__)

Mode = Literal["hybrid", "dense", "bm25"]


@dataclass(frozen=True)
class Retrieval:
    """Ranked passages (score = reranking score, else fused score) and the evidence behind
    the ranking."""

    passages: tuple[Passage, ...]
    dense: dict[str, float] = field(default_factory=dict)  # id -> cosine similarity
    sparse: dict[str, float] = field(default_factory=dict)  # id -> BM25 score
    query_vector: np.ndarray | None = None
    #: the article a follow-up stays in (its passages come first), None for a new question
    story: str | None = None

    def in_story(self, passage: Passage) -> bool:
        """Whether `passage` is (a twin of) the article of the story a follow-up stays in."""
        return self.story is not None and self.story in (passage.source, *passage.also_in)

    def staying_in(self, story: str) -> Retrieval:
        """These passages with those of `story` first (in their order), if it is among them."""
        staying = replace(self, story=story)
        if not any(staying.in_story(p) for p in self.passages):
            return self
        first = sorted(self.passages, key=lambda p: not staying.in_story(p))  # stable
        return replace(staying, passages=tuple(first))


def rrf(rankings: list[list[str]], k: int, weights: list[float] | None = None) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum over rankings of w / (k + rank), rank from 1."""
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings), strict=True):
        for rank, pid in enumerate(ranking, start=1):
            fused[pid] = fused.get(pid, 0.0) + weight / (k + rank)
    return fused


class Searcher:
    """One query embedding, one vector search and one BM25 query per question, fused, then
    the head reranked when a `reranker` is given."""

    def __init__(
        self,
        index: PassageIndex,
        embedder: Embedder,
        candidates: int = 40,
        rrf_k: int = 10,
        mode: Mode = "hybrid",
        dense_weight: float = 0.5,
        reranker: Reranker | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.mode = mode
        self.dense_weight = dense_weight
        self.reranker = reranker

    def search(
        self, query: str, k: int, keep: Callable[[Passage], bool] | None = None
    ) -> Retrieval:
        """The `k` best passages for `query`; with `keep`, only passages it admits (each
        retriever then ranks the whole index, so that `candidates` admitted ones remain)."""
        self.index.refresh()
        vector = None
        dense: list[tuple[str, float]] = []
        sparse: list[tuple[str, float]] = []
        pool = self.candidates if keep is None else len(self.index.passages)
        if self.mode in ("hybrid", "dense"):
            vector = self.embedder.embed([query])[0]
            dense = self._admitted(self.index.dense(vector, pool), keep)
        if self.mode in ("hybrid", "bm25"):
            sparse = self._admitted(self.index.sparse(query, pool), keep)
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
        depth = max(k, self.reranker.depth) if self.reranker else k
        ranked = sorted(scores, key=lambda pid: (-scores[pid], pid))[: 3 * depth]
        passages = collapse_twins(
            [replace(self.index.passages[pid], score=scores[pid]) for pid in ranked], depth
        )
        if self.reranker:
            passages = self.reranker.rerank(query, passages, dict(dense))
        return Retrieval(passages[:k], dict(dense), dict(sparse), vector)

    def _admitted(
        self, ranked: list[tuple[str, float]], keep: Callable[[Passage], bool] | None
    ) -> list[tuple[str, float]]:
        if keep is None:
            return ranked
        passages = self.index.passages
        return [(pid, s) for pid, s in ranked if keep(passages[pid])][: self.candidates]


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = text.casefold().split()
    return {tuple(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def collapse_twins(ranked: list[Passage], k: int, overlap: float = 0.8) -> tuple[Passage, ...]:
    """The first `k` distinct passages of `ranked`; a passage whose word 3-grams overlap a
    kept one's by `overlap` (Jaccard) or more is its twin, and its file joins `also_in`."""
    kept: list[Passage] = []
    seen: list[set[tuple[str, ...]]] = []
    for p in ranked:
        grams = _shingles(p.text)
        for i, other in enumerate(seen):
            if len(grams & other) >= overlap * len(grams | other):
                twin = kept[i]
                if p.source != twin.source and p.source not in twin.also_in:
                    kept[i] = replace(twin, also_in=(*twin.also_in, p.source))
                break
        else:
            if len(kept) < k:
                kept.append(p)
                seen.append(grams)
    return tuple(kept)

"""Reranking: the fused candidates reordered by how likely their best sentence answers.

Fusion ranks passages by topic; the sentence scorer knows whether a passage holds a sentence of
the asked kind. The first `depth` candidates are reordered by their best sentence's probability
plus a small prior for the fused rank (`prior / (1 + rank)`), so a near tie keeps the fused
order; the rest keep the fused order below them. Tuned on SQuAD dev-a and the BBC dev set
(depth 8, prior 0.1: mrr 0.862 -> 0.886 and 0.827 -> 0.855; SQuAD dev-b, not tuned on,
0.840 -> 0.868), see benchmarks/README.md. With the answer reader, the best sentences are
rescored as the answerer rescores them (dev-b mrr 0.869 -> 0.891).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from qabot.answer_reader import AnswerReader, reread
from qabot.domain import Passage
from qabot.sentence_scorer import SentenceScorer


class Reranker:
    """Reorders the first `depth` candidates; `scorer` gives the current corpus's scorer, and
    the answer reader (when given) rescores the best sentences as the answerer does."""

    def __init__(
        self,
        scorer: Callable[[], SentenceScorer],
        depth: int = 8,
        prior: float = 0.1,
        reader: AnswerReader | None = None,
    ) -> None:
        self.scorer = scorer
        self.depth = depth
        self.prior = prior
        self.reader = reader

    def rerank(
        self, query: str, passages: tuple[Passage, ...], dense: dict[str, float]
    ) -> tuple[Passage, ...]:
        """`passages` in the new order, each `score` set to the reranking score: the best
        sentence's probability (for the first `depth`) plus the fused-rank prior, so the
        scores fall down the list as they do from fusion."""
        head = passages[: self.depth]
        scorer = self.scorer()
        ranked = scorer.sentences(scorer.question(query, query), head, dense)
        if self.reader is not None:
            ranked = reread(self.reader, query, ranked)
        best: dict[str, float] = {}
        for sentence in ranked:
            best.setdefault(sentence.passage.id, sentence.score)  # sentences come best first
        scored = [
            replace(p, score=best.get(p.id, 0.0) + self.prior / (1 + i))
            for i, p in enumerate(passages)
        ]
        return tuple(sorted(scored[: self.depth], key=lambda p: -p.score)) + tuple(
            scored[self.depth :]
        )

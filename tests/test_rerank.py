"""Reranking: the fused head reordered by how likely its best sentence answers."""

from __future__ import annotations

from qabot.domain import Passage
from qabot.rerank import Reranker
from qabot.sentence_scorer import SentenceScorer


def test_reranking_lifts_the_passage_that_holds_the_asked_thing() -> None:
    head = (
        Passage("a", "a.txt", "Talks", "The defence chiefs of Russia and the US met.", 0, 9, 1, 1),
        Passage("b", "b.txt", "Syria", "Officials met about Syria on Friday.", 0, 9, 1, 1),
        Passage("c", "c.txt", "Call", "The chiefs talked for 50 minutes.", 0, 9, 1, 1),
    )
    reranker = Reranker(lambda: SentenceScorer(lambda term: 1.0), depth=2)
    got = reranker.rerank("How long did the defence chiefs talk?", head, {})
    assert [p.id for p in got] == ["a", "b", "c"]  # beyond `depth`, the fused order stays
    got = Reranker(reranker.scorer, depth=3).rerank("How long did the chiefs talk?", head, {})
    assert got[0].id == "c"
    assert [p.score for p in got] == sorted((p.score for p in got), reverse=True)

"""Reranking: the fused head reordered by how likely its best sentence answers."""

from __future__ import annotations

from conftest import MODEL_CACHE

from qabot.answer_reader import AnswerReader, reread
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


def test_the_answer_reader_rescores_the_head_as_the_answerer_does() -> None:
    title = "Glazer makes fresh offer for Man Utd"
    lead = "Malcolm Glazer has made a fresh bid for Manchester United."
    detail = "The bid values the club at about £800m, people close to the talks said."
    head = (
        Passage("a", "a.txt", title, lead, 0, len(lead), 1, 1),
        Passage("b", "b.txt", title, detail, 0, len(detail), 1, 1),
    )
    question = "How much is Glazer's bid for the club worth?"
    plain = Reranker(lambda: SentenceScorer(lambda term: 1.0), depth=2, prior=0.0)
    read = Reranker(plain.scorer, depth=2, prior=0.0, reader=AnswerReader(MODEL_CACHE))
    got = read.rerank(question, head, {})
    scorer = plain.scorer()
    sentences = reread(
        read.reader, question, scorer.sentences(scorer.question(question, question), head, {})
    )
    assert [p.id for p in got] == [s.passage.id for s in sentences]
    assert [p.score for p in got] == [s.score for s in sentences]
    assert [p.score for p in got] != [p.score for p in plain.rerank(question, head, {})]

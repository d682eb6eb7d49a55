"""Answers: cited, verified, follow-ups resolved from history, and honest refusals."""

from __future__ import annotations

from qabot.conversation import condense, is_follow_up
from qabot.domain import REFUSAL_TEXT, Passage
from qabot.qa import QA
from qabot.rerank import Reranker
from qabot.sentence_scorer import SentenceScorer
from tests.common import CARTER


def test_who_did_carter_talk_to(seeded_qa: QA) -> None:
    answer = seeded_qa.ask("who did Carter talk to?")
    assert not answer.refused
    assert "Shoigu" in answer.text
    first = answer.citations[0]
    assert answer.text.index("Shoigu") < answer.text.index("[1]")
    assert (first.source, first.start_line, first.end_line) == (CARTER, 16, 16)
    assert "Sergei Shoigu" in first.quote
    assert seeded_qa.verifier.verify(first)
    # every marker in the text has a citation, and every citation is in the text
    for c in answer.citations:
        assert f"[{c.n}]" in answer.text
        assert seeded_qa.verifier.verify(c)


def test_follow_up_uses_history(seeded_qa: QA) -> None:
    answer = seeded_qa.ask("How long did they talk?", ["Who did Ash Carter speak to by telephone?"])
    assert answer.query == "Who did Ash Carter speak to by telephone? How long did they talk?"
    assert "50-minute" in answer.text
    assert answer.citations[0].source == CARTER


def test_refuses_what_the_corpus_does_not_hold(seeded_qa: QA) -> None:
    answer = seeded_qa.ask("What is the capital of Australia?")
    assert answer.refused
    assert answer.text.startswith(REFUSAL_TEXT)
    assert answer.citations == ()
    assert answer.passages  # what was searched is still reported


def test_condense_only_rewrites_follow_ups() -> None:
    assert condense("Who is Peter Cook?", ["Who did Carter talk to?"]) == "Who is Peter Cook?"
    assert condense("And why?", ["Did Carter call?"]) == "Did Carter call? And why?"
    assert condense("Why did they?", []) == "Why did they?"
    assert is_follow_up("When did that happen?")
    assert not is_follow_up("When did the defense chiefs speak?")
    assert is_follow_up("Who is the company's chief executive?")  # named by its kind
    assert is_follow_up("Who did he say is taking the lead with Russia?")  # "he" comes first
    # a question that names what its pronoun means stands alone (a topic switch)
    assert not is_follow_up("How much will Sony's PSP cost when it goes on sale in Japan?")


def test_langchain_retriever_returns_cited_documents(seeded_qa: QA) -> None:
    from qabot.langchain_retriever import HybridRetriever

    docs = HybridRetriever(searcher=seeded_qa.searcher, k=3).invoke("who did Carter talk to?")
    assert len(docs) == 3
    top = docs[0]
    assert top.metadata["source"] == CARTER and "Shoigu" in top.page_content
    text = (seeded_qa.settings.corpus_dir / CARTER).read_text(encoding="utf-8")
    assert text[top.metadata["start_char"] : top.metadata["end_char"]] == top.page_content
    assert [d.metadata["score"] for d in docs] == sorted(
        (d.metadata["score"] for d in docs), reverse=True
    )


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


def test_langchain_retriever_returns_the_reranked_order(seeded_qa: QA) -> None:
    from qabot.langchain_retriever import HybridRetriever

    question = "How long did the defense chiefs talk on the phone?"
    assert seeded_qa.searcher.reranker is not None
    passages = seeded_qa.retrieve(question, 5).passages
    assert "50-minute" in passages[0].text
    docs = HybridRetriever(searcher=seeded_qa.searcher, k=5).invoke(question)
    assert [d.id for d in docs] == [p.id for p in passages]

"""qabot's hybrid search as a LangChain retriever: cited documents, in the reranked order."""

from __future__ import annotations

from qabot.langchain_retriever import HybridRetriever
from qabot.qa import QA
from tests.common import CARTER


def test_langchain_retriever_returns_cited_documents(seeded_qa: QA) -> None:
    docs = HybridRetriever(searcher=seeded_qa.searcher, k=3).invoke("who did Carter talk to?")
    assert len(docs) == 3
    top = docs[0]
    assert top.metadata["source"] == CARTER and "Shoigu" in top.page_content
    text = (seeded_qa.settings.corpus_dir / CARTER).read_text(encoding="utf-8")
    assert text[top.metadata["start_char"] : top.metadata["end_char"]] == top.page_content
    assert [d.metadata["score"] for d in docs] == sorted(
        (d.metadata["score"] for d in docs), reverse=True
    )


def test_langchain_retriever_returns_the_reranked_order(seeded_qa: QA) -> None:
    question = "How long did the defense chiefs talk on the phone?"
    assert seeded_qa.searcher.reranker is not None
    passages = seeded_qa.retrieve(question, 5).passages
    assert "50-minute" in passages[0].text
    docs = HybridRetriever(searcher=seeded_qa.searcher, k=5).invoke(question)
    assert [d.id for d in docs] == [p.id for p in passages]

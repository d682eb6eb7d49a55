"""BM25 over the passages: tokenized by `text.terms`, saved under the fingerprint of its ids."""

from __future__ import annotations

from pathlib import Path

import bm25s
import Stemmer

from qabot.bm25 import BM25, BM25_STOPWORDS, fingerprint_of, idf_from_counts
from qabot.text import terms

TEXTS = [
    "Russian Defense Minister Sergei Shoigu spoke to Ash Carter by telephone.",
    "The Pentagon press secretary Peter Cook said the talks were constructive.",
    "Ferries to Glimmerbrook resumed on Friday after the repairs were finished.",
]


def test_its_tokens_are_those_of_the_bm25s_tokenizer_it_replaced() -> None:
    """Indexes saved before qabot tokenized them itself still match their queries."""
    texts = [*TEXTS, "Who did the Defense Secretary call, and when? It's 50-minute talks."]
    old = bm25s.tokenize(
        texts,
        stopwords="en",
        stemmer=Stemmer.Stemmer("english"),
        return_ids=False,
        show_progress=False,
    )
    assert [terms(t, BM25_STOPWORDS) for t in texts] == old


def test_search_ranks_the_passage_that_holds_the_words() -> None:
    bm25 = BM25.build(["a", "b", "c"], TEXTS)
    hits = bm25.search("Who did Shoigu talk to by telephone?", 3)
    assert hits[0][0] == "a" and all(score > 0 for _, score in hits)
    assert [pid for pid, _ in bm25.search("ferries repaired", 3)] == ["c"]
    assert bm25.search("the of and", 3) == []  # stop words only
    assert BM25.empty().search("Shoigu", 3) == []


def test_a_saved_index_loads_only_for_the_same_passages(tmp_path: Path) -> None:
    ids = ["a", "b", "c"]
    BM25.build(ids, TEXTS).save(tmp_path, fingerprint_of(ids))
    loaded = BM25.load(tmp_path, fingerprint_of(reversed(ids)))  # the same set, any order
    assert loaded is not None and loaded.ids == ids
    assert loaded.search("Peter Cook", 1)[0][0] == "b"
    assert BM25.load(tmp_path, fingerprint_of(["a", "b"])) is None


def test_document_frequencies_and_idf() -> None:
    df, n = BM25.build(["a", "b", "c"], TEXTS).doc_freq()
    assert n == 3 and df["shoigu"] == 1 and df["were"] == 2
    idf = idf_from_counts(df, n)
    assert idf("shoigu") > idf("were") > 0
    assert idf("unseen") > idf("shoigu")  # unseen terms get the rarest weight

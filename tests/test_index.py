"""The reader's index: the published snapshot of the last complete generation, searched dense
and sparse, without opening the store."""

from __future__ import annotations

from dataclasses import replace

from qabot.qa import QA
from qabot.settings import Settings
from qabot.text import indexed_text
from tests.common import CARTER, COOK


def test_a_new_process_sees_the_same_index(settings: Settings) -> None:
    QA(settings).ingest()
    fresh = QA(settings)
    fresh.warm_up()
    assert len(fresh.index.passages) == fresh.index.count() > 0
    answer = fresh.ask("Who is the Pentagon's press secretary?")
    assert "Peter Cook" in answer.text
    assert not fresh.store.opened  # the snapshot was enough: Chroma never opened


def test_dense_and_sparse_search_and_whole_articles(seeded_qa: QA) -> None:
    index = seeded_qa.index
    target = next(p for p in index.passages.values() if p.source == COOK)
    vector = seeded_qa.embedder.embed([indexed_text(target.title, target.text)])[0]
    dense = index.dense(vector, 3)
    assert len(dense) == 3 and [s for _, s in dense] == sorted((s for _, s in dense), reverse=True)
    assert dense[0][0] == target.id and dense[0][1] > 0.99  # its own vector
    sparse = index.sparse("Shoigu", 10)
    assert sparse and {index.passages[pid].source for pid, _ in sparse} == {CARTER}
    carter = [p for p in index.passages.values() if p.source == CARTER]
    article = index.article_text(carter[-1])
    assert all(p.text in article for p in carter)
    assert index.article_text(replace(carter[0], source="gone.txt")) == ""

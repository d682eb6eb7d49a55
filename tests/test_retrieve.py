"""Hybrid retrieval: dense and BM25 candidates fused by weighted reciprocal rank, twins as one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from qabot.domain import Passage
from qabot.qa import QA
from qabot.retrieve import Retrieval, Searcher, collapse_twins, rrf
from tests.common import CARTER


def _passage(pid: str, source: str, text: str) -> Passage:
    return Passage(pid, source, "t", text, 0, len(text), 1, 1)


def test_collapse_twins_keeps_the_first_and_names_the_others() -> None:
    text = "The defence chiefs spoke for fifty minutes on the telephone about Syria today."
    near = text.replace("today.", "today!")
    ranked = [
        _passage("a", "x.txt", text),
        _passage("b", "y.txt", text),
        _passage("c", "z.txt", near),
        _passage("d", "w.txt", "Something else entirely, about cooking and recipes."),
    ]
    got = collapse_twins(ranked, k=2)
    assert [p.id for p in got] == ["a", "d"]
    assert got[0].also_in == ("y.txt", "z.txt")


def test_a_follow_up_puts_its_story_first_twins_included() -> None:
    a, b = _passage("a", "x.txt", "A."), _passage("b", "y.txt", "B.")
    c = _passage("c", "x.txt", "C.")
    twin = replace(_passage("d", "z.txt", "D."), also_in=("w.txt",))
    retrieval = Retrieval((a, b, c, twin))
    assert retrieval.story is None and not retrieval.in_story(a)
    assert [p.id for p in retrieval.staying_in("y.txt").passages] == ["b", "a", "c", "d"]
    assert [p.id for p in retrieval.staying_in("w.txt").passages] == ["d", "a", "b", "c"]
    assert retrieval.staying_in("x.txt").in_story(c)
    assert retrieval.staying_in("gone.txt") == retrieval  # not found: no story, same order


def test_weighted_reciprocal_rank_fusion() -> None:
    fused = rrf([["a", "b"], ["b", "c"]], k=10, weights=[0.5, 1.0])
    assert fused == pytest.approx({"a": 0.5 / 11, "b": 0.5 / 12 + 1 / 11, "c": 1 / 12})
    assert max(fused, key=fused.__getitem__) == "b"  # found by both


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_each_mode_searches_its_own_way(seeded_qa: QA, mode: str) -> None:
    searcher = Searcher(seeded_qa.index, seeded_qa.embedder, mode=mode)  # type: ignore[arg-type]
    got = searcher.search("the 50-minute phone call with Sergei Shoigu", 3)
    assert len(got.passages) == 3 and got.passages[0].source == CARTER
    assert bool(got.dense) == (mode != "bm25") and bool(got.sparse) == (mode != "dense")
    assert (got.query_vector is not None) == (mode != "bm25")
    scores = [p.score for p in got.passages]
    assert scores == sorted(scores, reverse=True)

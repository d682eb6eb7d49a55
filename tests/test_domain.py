"""The records that flow through qabot: a refusal, and the passages behind an answer."""

from __future__ import annotations

from qabot.domain import REFUSAL_TEXT, Answer, Citation, Passage


def _passage(n: int) -> Passage:
    return Passage(f"p{n}", f"doc{n}.txt", f"Title {n}", f"Text {n}.", 0, 8, n, n)


def test_a_refusal_cites_nothing_but_reports_what_was_searched() -> None:
    passages = (_passage(1), _passage(2))
    answer = Answer.refusal("Why?", "Why?", passages, 0.05, notice="checked")
    assert answer.refused and answer.text == REFUSAL_TEXT and answer.citations == ()
    assert (answer.passages, answer.evidence, answer.notice) == (passages, 0.05, "checked")


def test_sources_are_the_cited_passages_else_the_closest() -> None:
    passages = (_passage(1), _passage(2), _passage(3))
    cites = (
        Citation(1, "doc3.txt", "Title 3", 3, 3, 0, 8, "Text 3.", "p3"),
        Citation(2, "gone.txt", "Gone", 1, 1, 0, 4, "Gone", "not-retrieved"),
    )
    cited = Answer("q", "q", "Text 3. [1]", cites, passages)
    assert cited.sources() == [(1, passages[2])]
    uncited = Answer.refusal("q", "q", passages, 0.0)
    assert uncited.sources() == [(None, p) for p in passages]

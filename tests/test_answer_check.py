"""A model's answer checked in code: markers normalised, sentences kept only when the passages
they cite back them, markers renumbered."""

from __future__ import annotations

from qabot.answer_check import check_answer, normalize_markers, split_claims
from qabot.domain import Passage


def _passage(n: int, text: str = "Some text.") -> Passage:
    return Passage(f"p{n}", f"doc{n}.txt", f"Title {n}", text, 0, len(text), n, n)


def test_markers_are_normalized() -> None:
    assert normalize_markers("a [1, 3] b [2-4] c [Passage 5] d [1;2]") == (
        "a [1][3] b [2][3][4] c [5] d [1][2]"
    )


def test_check_renumbers_by_first_use_and_drops_out_of_range() -> None:
    passages = [_passage(1, "Y too."), _passage(2), _passage(3, "X is true. Z.")]
    checked = check_answer("X is true [3]. Y too [1][7]. Z [3].", passages, lambda c: True)
    assert checked.text == "X is true [1]. Y too [2]. Z [1]."
    assert [(c.n, c.passage_id) for c in checked.citations] == [(1, "p3"), (2, "p1")]
    assert checked.dropped == 1 and checked.unsupported == 0
    assert checked.citations[0].quote == passages[2].text


def test_check_drops_sentences_whose_citations_do_not_verify() -> None:
    passages = [_passage(1, "Alpha came."), _passage(2, "Beta went.")]
    checked = check_answer(
        "Alpha came [1]. Beta went [2].", passages, lambda c: c.passage_id == "p2"
    )
    assert checked.text == "Beta went [1]."
    assert [c.passage_id for c in checked.citations] == ["p2"]
    assert checked.dropped == 0 and checked.unsupported == 1


def test_check_keeps_only_sentences_their_passages_support() -> None:
    passages = [
        _passage(1, "Ash Carter spoke to Sergei Shoigu by telephone."),
        _passage(2, "The call lasted 50 minutes, officials said."),
    ]
    answer = (
        "Carter talked to Shoigu by phone [1]. The call lasted 90 minutes [2]. "
        "Carter also called Kerry [1]. PWNED [2]. It was the first call in a year."
    )
    checked = check_answer(answer, passages, lambda c: True)
    # a changed number, a name the passage lacks, an obeyed instruction, no citation: all out
    assert checked.text == "Carter talked to Shoigu by phone [1]."
    assert checked.unsupported == 4 and len(checked.citations) == 1


def test_claims_keep_markers_written_after_the_full_stop_and_line_breaks() -> None:
    assert split_claims("He called Shoigu. [1] They talked.\n- It was calm [2].") == [
        ("He called Shoigu. [1]", " "),
        ("They talked.", "\n"),
        ("- It was calm [2].", ""),
    ]

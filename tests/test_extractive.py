"""The offline answerer: the sentence that answers, quoted from its file and cited, or an honest
refusal."""

from __future__ import annotations

from qabot.domain import REFUSAL_TEXT, Answer
from qabot.qa import QA
from tests.common import CARTER


def _answer(qa: QA, question: str) -> Answer:
    return qa.extractive.answer(question, question, qa.retrieve(question))


def test_who_did_carter_talk_to(seeded_qa: QA) -> None:
    answer = _answer(seeded_qa, "who did Carter talk to?")
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


def test_refuses_what_the_corpus_does_not_hold(seeded_qa: QA) -> None:
    answer = _answer(seeded_qa, "What is the capital of Australia?")
    assert answer.refused
    assert answer.text.startswith(REFUSAL_TEXT)
    assert answer.citations == ()
    assert answer.passages  # what was searched is still reported

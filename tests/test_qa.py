"""QA, the core end to end: a follow-up resolved from the history, and the answerer chosen once."""

from __future__ import annotations

from collections.abc import Callable

from qabot.llm import LLMAnswerer
from qabot.qa import QA
from qabot.settings import Settings
from tests.common import CARTER, COOK


def test_follow_up_uses_history(seeded_qa: QA) -> None:
    answer = seeded_qa.ask("How long did they talk?", ["Who did Ash Carter speak to by telephone?"])
    assert answer.query == "Who did Ash Carter speak to by telephone? How long did they talk?"
    assert "50-minute" in answer.text
    assert answer.citations[0].source == CARTER


def test_a_follow_up_is_answered_from_the_story_it_stays_in(seeded_qa: QA) -> None:
    """Both seed articles tell of the call; a follow-up quotes the one its conversation is
    about, wherever retrieval ranked it."""
    question = "What did they discuss?"
    retrieval = seeded_qa.retrieve(question)
    for story in (CARTER, COOK):
        answer = seeded_qa.extractive.answer(question, question, retrieval.staying_in(story))
        assert not answer.refused
        assert {c.source for c in answer.citations} == {story}, answer.text


def test_the_answerer_is_chosen_once_with_the_extractive_one_as_fallback(
    seeded_qa: QA, make_settings: Callable[..., Settings]
) -> None:
    assert seeded_qa.answerer() is seeded_qa.extractive
    llm = QA(make_settings(llm="openai:gpt-4o-mini"))
    chosen = llm.answerer()
    assert isinstance(chosen, LLMAnswerer) and chosen.fallback is llm.extractive
    assert llm.answerer() is chosen

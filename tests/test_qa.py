"""QA, the core end to end: a follow-up resolved from the history, and the answerer chosen once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from qabot.llm import LLMAnswerer
from qabot.qa import QA
from qabot.retrieve import Retrieval
from qabot.settings import Settings
from tests.common import CARTER, COOK


def test_follow_up_uses_history(seeded_qa: QA) -> None:
    answer = seeded_qa.ask("How long did they talk?", ["Who did Ash Carter speak to by telephone?"])
    assert answer.query == "Who did Ash Carter speak to by telephone? How long did they talk?"
    assert "50-minute" in answer.text
    assert answer.citations[0].source == CARTER


def test_a_question_typed_without_capitals_is_read_with_the_corpus_s_capitals(
    seeded_qa: QA,
) -> None:
    """The names of a question typed in small letters are found as if typed properly, in the
    question and in the history it leans on (`truecase`); the answer keeps it as typed."""
    proper = seeded_qa.ask("Who did Ash Carter speak to by telephone?")
    typed = seeded_qa.ask("who did ash carter speak to by telephone?")
    assert typed.query == proper.query == "Who did Ash Carter speak to by telephone?"
    assert typed.text == proper.text
    assert typed.question == "who did ash carter speak to by telephone?"  # kept as typed
    follow_up = seeded_qa.ask("how long did they talk?", ["who did ash carter speak to?"])
    assert follow_up.query == "Who did Ash Carter speak to? How long did they talk?"


def test_a_follow_up_searches_once_when_its_earlier_question_was_just_asked(
    seeded_qa: QA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The article the earlier question found first is remembered; a follow-up to a question
    not asked here searches for it again, and stays in the same story."""
    searched: list[str] = []
    retrieve = seeded_qa.retrieve

    def counting(query: str, *args: Any) -> Retrieval:
        searched.append(query)
        return retrieve(query, *args)

    earlier = "Who did Ash Carter speak to by telephone?"
    seeded_qa.ask(earlier)
    monkeypatch.setattr(seeded_qa, "retrieve", counting)
    answer = seeded_qa.ask("How long did they talk?", [earlier])
    assert searched == [f"{earlier} How long did they talk?"]
    assert "50-minute" in answer.text and answer.citations[0].source == CARTER
    searched.clear()
    unasked = "Who did Ash Carter phone?"
    answer = seeded_qa.ask("How long did they talk?", [unasked])
    assert searched == [f"{unasked} How long did they talk?", unasked]
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

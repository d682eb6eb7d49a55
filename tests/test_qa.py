"""QA, the core end to end: a follow-up resolved from the history, and the answerer chosen once."""

from __future__ import annotations

from collections.abc import Callable

from qabot.llm import LLMAnswerer
from qabot.qa import QA
from qabot.settings import Settings
from tests.common import CARTER


def test_follow_up_uses_history(seeded_qa: QA) -> None:
    answer = seeded_qa.ask("How long did they talk?", ["Who did Ash Carter speak to by telephone?"])
    assert answer.query == "Who did Ash Carter speak to by telephone? How long did they talk?"
    assert "50-minute" in answer.text
    assert answer.citations[0].source == CARTER


def test_the_answerer_is_chosen_once_with_the_extractive_one_as_fallback(
    seeded_qa: QA, make_settings: Callable[..., Settings]
) -> None:
    assert seeded_qa.answerer() is seeded_qa.extractive
    llm = QA(make_settings(llm="openai:gpt-4o-mini"))
    chosen = llm.answerer()
    assert isinstance(chosen, LLMAnswerer) and chosen.fallback is llm.extractive
    assert llm.answerer() is chosen

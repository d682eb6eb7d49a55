"""Refusal from evidence: a question's years, numbers and names must be in the article."""

from __future__ import annotations

from qabot.answerability import constraints
from qabot.qa import QA
from tests.common import CARTER


def test_constraints_are_years_numbers_and_names() -> None:
    assert constraints("According to Nicholas Negroponte, how much does China spend?") == [
        "Nicholas Negroponte",
        "China",
    ]
    assert constraints("Who won the 2007 Six Nations?") == ["2007", "Six Nations"]


def test_a_question_about_another_year_is_refused_and_says_why(seeded_qa: QA) -> None:
    answered = seeded_qa.ask("Who did Ash Carter talk to by telephone?")
    assert not answered.refused and "Shoigu" in answered.text
    assert "Shoigu" in answered.short_answer  # not "U.S.-Russian": "and" does not join names
    refused = seeded_qa.ask("Who did Ash Carter talk to by telephone in Beijing?")
    assert refused.refused and refused.citations == ()
    assert refused.text.startswith("I could not find that in the corpus. Closest: ")
    assert f"({CARTER}), which does not mention Beijing." in refused.text

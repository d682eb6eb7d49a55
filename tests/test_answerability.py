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


def test_years_are_checked_against_the_whole_article(seeded_qa: QA) -> None:
    # The Carter story names 2014 (when talks were severed), in a passage that retrieval for
    # this question need not bring: the check reads the whole indexed article.
    first = min(
        (p for p in seeded_qa.index.passages.values() if p.source == CARTER),
        key=lambda p: p.start_char,
    )
    assert "2014" in seeded_qa.index.article_text(first)
    refused = seeded_qa.ask("Who did Ash Carter talk to by telephone in 2019?")
    assert refused.refused and refused.text.endswith("which does not mention 2019.")
    # the year after the latest it names may be its own, unwritten: 2015 is not refused
    answered = seeded_qa.ask("Who did Ash Carter talk to by telephone in 2015?")
    assert not answered.refused and "Shoigu" in answered.text

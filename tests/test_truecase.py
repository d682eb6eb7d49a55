"""Truecase: a question typed without capitals is written back as the corpus writes its words."""

from __future__ import annotations

import pytest

from qabot.truecase import Truecaser, uncased

STORIES = [
    "Drinks firm Pernod Ricard has agreed to buy Allied Domecq. Shares in Pernod Ricard rose.",
    "The deal was approved by LVMH, and a city council in the City of London backed it.",
    "Labour said the city would gain. Officials of Labour and of LVMH met the Bank of England.",
    "Every bank in the city lent to a bank abroad.",
    "Ms Chavez's plan, said Chavez, would help, the US said.",
]


@pytest.fixture(scope="module")
def truecaser() -> Truecaser:
    return Truecaser(STORIES)


@pytest.mark.parametrize(
    ("typed", "restored"),
    [
        # names, acronyms and possessives as the corpus writes them; the first letter a capital
        (
            "did pernod ricard buy from lvmh?",
            "Did Pernod Ricard buy from LVMH?",
        ),
        ("what did labour say about chavez's plan?", "What did Labour say about Chavez's plan?"),
        # "city" and "bank" are written both ways: a word stays small unless the corpus
        # capitalises it far more often than not ("Labour", "US")
        ("which city bank did the us back?", "Which city bank did the US back?"),
        # a word the corpus never writes is left as typed: a name it lacks, or a typo
        ("who wrote middlemarch?", "Who wrote middlemarch?"),
        # typed in capitals, it is typed without case as well
        ("WHAT DID LVMH APPROVE?", "What did LVMH approve?"),
    ],
)
def test_a_question_typed_without_capitals_gets_the_corpus_s_capitals(
    truecaser: Truecaser, typed: str, restored: str
) -> None:
    assert uncased(typed)
    assert truecaser.restore(typed) == restored


def test_a_question_with_a_capital_after_its_first_letter_is_taken_as_written(
    truecaser: Truecaser,
) -> None:
    question = "who did Pernod Ricard buy from lvmh?"
    assert not uncased(question)
    assert truecaser.restore(question) == question


def test_a_word_that_only_starts_sentences_is_not_taken_for_a_name() -> None:
    truecaser = Truecaser(['Shares rose. Shares fell.\nShares slid, "Shares dipped."'])
    assert truecaser.restore("why did shares rise?") == "Why did shares rise?"


def test_a_headline_in_title_case_is_not_read_as_how_words_are_written() -> None:
    truecaser = Truecaser(["Defense Chiefs Talk By Telephone\n\nThe Pentagon chiefs spoke."])
    assert truecaser.restore("did the pentagon chiefs talk?") == "Did the Pentagon chiefs talk?"

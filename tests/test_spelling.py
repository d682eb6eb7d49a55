"""Spelling: a mistyped word of a question is put right to the word the corpus writes."""

from __future__ import annotations

from collections import Counter

import pytest

from qabot.spelling import Speller

CORPUS = Counter(
    {
        "parmalat": 40,
        "government": 900,
        "governments": 30,
        "ricard": 20,
        "shot": 300,
        "grammy": 12,
        "civilization": 3,
        "burt": 5,
        "mclaren": 9,
        "carter": 7,
    }
)


#: the words the corpus writes as names
NAMES = {"parmalat", "ricard", "burt", "mclaren", "carter"}


@pytest.fixture(scope="module")
def speller() -> Speller:
    return Speller(CORPUS, NAMES, {"mclaren": "McLaren"})


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        # two letters swapped, one left out, one doubled, a key beside the right one
        ("How big a fine did Parmaalt receive?", "How big a fine did Parmalat receive?"),
        ("What did Pernod Ricrd buy?", "What did Pernod Ricard buy?"),
        ("What did the govvernment plan?", "What did the government plan?"),
        ("What did the governmrnt plan?", "What did the government plan?"),
        # "-tre" is no British ending here
        ("Who did Cartre talk to?", "Who did Carter talk to?"),
        # the first word has its capital as any first word has
        ("Governmnet plans?", "Government plans?"),
        # the word's case and a possessive are kept
        ("WHAT WAS PARMAALT'S FINE?", "WHAT WAS PARMALAT'S FINE?"),
        ("what was parmaalt's fine?", "what was parmalat's fine?"),
        # a name is given as the corpus writes it
        ("Who drives for Mclaern?", "Who drives for McLaren?"),
    ],
)
def test_a_slip_is_put_right(speller: Speller, typed: str, meant: str) -> None:
    assert speller.correct(typed)[0] == meant


def test_what_was_put_right_is_told(speller: Speller) -> None:
    assert speller.correct("Parmaalt and the governmnet")[1] == {
        "Parmaalt": "Parmalat",
        "governmnet": "government",
    }


@pytest.mark.parametrize(
    "typed",
    [
        # an English word the corpus does not write is not a slip of one it does
        "Who had the first shoot?",
        # British spelling: the dictionary is American
        "Where did civilisation start?",
        # a last letter more or less is an ending, not a slip
        "How many Grammys did she win?",
        # a short word, or a letter changed to one far from it on the keyboard
        "How tall is the Burj?",
        # part of a hyphenated word, or written as a name is ("McLarin" is not "Mclaren")
        "Was it a Parmaalt-led deal for McLarin?",
        # a word nothing in the corpus is near
        "Who wrote Middlemarch?",
        # written as a name, it is a slip of a name or of nothing
        "Who ran the General Goverment?",
    ],
)
def test_a_word_is_left_as_typed(speller: Speller, typed: str) -> None:
    assert speller.correct(typed) == (typed, {})

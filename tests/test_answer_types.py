"""What a question asks for, and the typed spans of news sentences."""

from __future__ import annotations

import pytest

from qabot.answer_types import asked_type, typed_spans


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who did Carter talk to?", "person"),
        ("Which Arsenal goalkeeper was the hero of the shoot-out?", "person"),
        ("Which company has licensed the drug?", "org"),
        ("How long did they talk?", "duration"),
        ("How much pre-tax profit did BA make?", "money"),
        ("By how much did sales rise?", "percent"),
        ("What was the score against Blackburn?", "score"),
        ("When did he resign?", "date"),
        ("How many people died?", "count"),
        ("How old is Patti Smith?", "age"),
        ("At what age did he retire?", "age"),
        ("Where was the summit held?", "place"),
        ("Why did shares fall?", "reason"),
        ("What did the report say about the plan?", "other"),
    ],
)
def test_asked_type(question: str, kind: str) -> None:
    assert asked_type(question) == kind


def test_typed_spans_of_a_news_sentence() -> None:
    sentence = (
        "Profits at TimeWarner jumped 76% to $1.13bn (£600m) in the three months to "
        "December, Mr Richard Parsons said in New York on 18 September 2015, after a 2-1 win."
    )
    got = {(s.kind, s.text) for s in typed_spans(sentence)}
    assert {
        ("percent", "76%"),
        ("money", "$1.13bn"),
        ("money", "£600m"),
        ("duration", "three months"),
        ("date", "18 September 2015"),
        ("person", "Richard Parsons"),
        ("place", "New York"),
        ("score", "2-1"),
    } <= got


def test_seas_straits_and_armed_forces_are_not_people() -> None:
    # Two capitalised words read as a person unless a word marks a place or a body: the
    # seeds' "name of the Russian navy's flagship" was answered with "Bosphorus Strait".
    sentence = (
        "Three Russian Navy amphibious assault ships also have crossed through the Bosphorus "
        "Strait from the Black Sea to the Mediterranean Sea."
    )
    got = {(s.kind, s.text) for s in typed_spans(sentence)}
    assert {
        ("org", "Russian Navy"),
        ("place", "Bosphorus Strait"),
        ("place", "Black Sea"),
        ("place", "Mediterranean Sea"),
    } == got


@pytest.mark.parametrize(
    ("sentence", "age"),
    [
        ("Mr Tanzi, 66, issued a statement through his lawyer.", "66"),
        ("The 58-year-old US singer told The Observer.", "58"),
        ("Rinus Michels has died aged 77.", "77"),
        ("Mr Wong has been blind from the age of seven.", "seven"),
        ("He joined the KGB as an idealistic 20 year-old.", "20"),
        ("I was 18 when she was conceived.", "18"),
        ("He moved to Warsaw when he was seven months old.", "seven"),
        ("He retired at 35, his agent said.", "35"),
        ("They found the 1.6-million-year-old skeleton.", "1.6-million"),
        ("Fossils from 525 million years ago were found.", "525 million"),
    ],
)
def test_an_age_is_the_number_of_how_news_copy_writes_one(sentence: str, age: str) -> None:
    assert [s.text for s in typed_spans(sentence) if s.kind == "age"] == [age]


@pytest.mark.parametrize(
    "sentence",
    [
        "They met at 10 Downing Street at 5pm.",
        "Rates were held at 4.75% for a 20-year period.",
        "The firm sold 2, 3 and 4 units.",
    ],
)
def test_numbers_that_are_not_ages(sentence: str) -> None:
    assert not [s for s in typed_spans(sentence) if s.kind == "age"]

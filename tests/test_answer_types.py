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

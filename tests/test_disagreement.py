"""Values read alike however they are written; a rival is another article's other value."""

from __future__ import annotations

import numpy as np

from qabot.answer_types import Span
from qabot.disagreement import rival, value
from qabot.domain import Passage
from qabot.sentence_scorer import FEATURES, Sentence


def test_values_read_alike() -> None:
    assert value(Span("count", 0, 4, "nine")) == value(Span("count", 0, 1, "9"))
    assert value(Span("money", 0, 5, "£2.1m")) == value(Span("money", 0, 12, "£2.1 million"))
    assert value(Span("percent", 0, 4, "4.9%")) == value(Span("percent", 0, 12, "4.9 per cent"))
    assert value(Span("count", 0, 5, "3,000")) == value(Span("count", 0, 4, "3000"))
    assert value(Span("person", 0, 7, "Mr Hale")) == value(Span("person", 0, 4, "hale"))
    assert value(Span("count", 0, 2, "12")) != value(Span("count", 0, 1, "9"))


QUESTION = "How many people did the storm kill?"
STORY = "The storm that struck the coast on Friday night killed {} people, police said."


def _sentence(
    source: str, answer: str, score: float, coverage: float = 0.8, story: str = STORY
) -> Sentence:
    text = story.format(answer)
    passage = Passage(source, source, "", text, 0, len(text), 1, 1)
    features = np.zeros(len(FEATURES))
    features[FEATURES.index("coverage")] = coverage
    at = text.index(answer)
    spans = (Span("count", at, at + len(answer), answer),)
    return Sentence(passage, 0, 0, len(text), text, features, spans, score)


def test_a_rival_is_another_article_with_another_value_of_the_same_event() -> None:
    best = _sentence("a.txt", "12", 0.4)

    def rival_of(other: Sentence) -> Sentence | None:
        return rival(QUESTION, [best, other])

    assert rival_of(_sentence("a.txt", "9", 0.3)) is None  # the same article
    assert rival_of(_sentence("b.txt", "twelve", 0.3)) is None  # the same value
    assert rival_of(_sentence("b.txt", "9", 0.05)) is None  # unlikely to answer
    assert rival_of(_sentence("b.txt", "9", 0.3, coverage=0.3)) is None  # off the question
    other_event = "A bus crash on the ring road killed {} people, police said."
    assert rival_of(_sentence("b.txt", "9", 0.3, story=other_event)) is None
    other = _sentence("b.txt", "9", 0.2)
    assert rival_of(other) is other

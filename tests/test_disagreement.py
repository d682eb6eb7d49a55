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


def _sentence(source: str, answer: str, score: float, coverage: float = 0.8) -> Sentence:
    passage = Passage(source, source, "", f"It was {answer}.", 0, 8, 1, 1)
    features = np.zeros(len(FEATURES))
    features[FEATURES.index("coverage")] = coverage
    span = Span("count", 7, 7 + len(answer), answer)
    return Sentence(passage, 0, 0, 8, passage.text, features, (span,), score)


def test_a_rival_is_another_article_with_another_value() -> None:
    best = _sentence("a.txt", "12", 0.4)
    assert rival([best, _sentence("a.txt", "9", 0.3)], 0.1) is None  # the same article
    assert rival([best, _sentence("b.txt", "twelve", 0.3)], 0.1) is None  # the same value
    assert rival([best, _sentence("b.txt", "9", 0.05)], 0.1) is None  # unlikely to answer
    assert rival([best, _sentence("b.txt", "9", 0.3, coverage=0.3)], 0.1) is None  # off topic
    other = _sentence("b.txt", "9", 0.2)
    assert rival([best, other], 0.1) is other

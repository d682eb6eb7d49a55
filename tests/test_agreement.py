"""Sources that agree: another article's sentence stating the same value, and the same words
in several files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from qabot.agreement import ally, copies, note
from qabot.answer_types import Span
from qabot.domain import ArticleMeta, Citation, Passage
from qabot.qa import QA
from qabot.sentence_scorer import FEATURES, Sentence
from qabot.settings import Settings

QUESTION = "Who won the Oscar for costume design?"
STORY = "{} won the costume design Oscar for The Aviator at the ceremony in Hollywood."
RETOLD = "British designer {} took the Aviator costume design Oscar at the Hollywood ceremony."


def _sentence(
    source: str, name: str, score: float, story: str = STORY, coverage: float = 0.8
) -> Sentence:
    text = story.format(name)
    passage = Passage(source, source, "", text, 0, len(text), 1, 1)
    at = text.index(name)
    spans = (Span("person", at, at + len(name), name),)
    features = np.zeros(len(FEATURES))
    features[FEATURES.index("coverage")] = coverage
    return Sentence(passage, 0, 0, len(text), text, features, spans, score)


def test_an_ally_is_another_article_stating_the_same_value_of_the_same_event() -> None:
    best = _sentence("a.txt", "Sandy Powell", 0.9)

    def ally_of(other: Sentence) -> Sentence | None:
        return ally(QUESTION, [best, other])

    assert ally_of(_sentence("a.txt", "Ms Powell", 0.5, RETOLD)) is None  # the same article
    assert ally_of(_sentence("b.txt", "Alexandra Byrne", 0.5, RETOLD)) is None  # another value
    assert ally_of(_sentence("b.txt", "Sandy Powell", 0.05, RETOLD)) is None  # unlikely
    assert ally_of(_sentence("b.txt", "Sandy Powell", 0.5)) is None  # the same words: a copy
    other_event = "{} designed the costumes for a West End musical that opened in May."
    assert ally_of(_sentence("b.txt", "Sandy Powell", 0.08, other_event, coverage=0.2)) is None
    # the same event told again needs to be neither as likely nor as close to the question
    retold = _sentence("b.txt", "Sandy Powell", 0.08, RETOLD, coverage=0.2)
    assert ally_of(retold) is retold


def test_an_ally_may_answer_the_question_alike_in_a_story_of_its_own() -> None:
    """Two articles naming the same costume designer in answer to the question agree, though
    they share no words beyond the question's and the second covers less of the question
    ("…the first leg will be in Istanbul", "The first stop…will be Istanbul, Turkey…"), when
    the second is at least a tenth as likely to answer."""
    best = _sentence("a.txt", "Sandy Powell", 0.9)
    own_words = "Costume design went to {} on the night."
    alike = _sentence("b.txt", "Sandy Powell", 0.1, own_words, coverage=0.2)
    assert ally(QUESTION, [best, alike]) is alike
    assert ally(QUESTION, [best, _sentence("b.txt", "Sandy Powell", 0.08, own_words)]) is None

    # a date in another story is often the same by chance ("1983", "Sunday")
    def dated(s: Sentence) -> Sentence:
        return replace(s, answers=tuple(replace(a, kind="date") for a in s.answers))

    assert ally(QUESTION, [dated(best), dated(alike)]) is None


def test_when_the_best_states_no_value_the_same_event_told_elsewhere_is_its_ally() -> None:
    """A question asking "Which film…?" asks for what no span types: another article's sentence
    telling the same event ("…gritty drama Wasp", "Arnold's film Wasp won…") is quoted too."""

    def unvalued(source: str, score: float, story: str = STORY) -> Sentence:
        return replace(_sentence(source, "Sandy Powell", score, story), answers=())

    best = unvalued("a.txt", 0.6)
    retold = unvalued("b.txt", 0.15, RETOLD)
    assert ally(QUESTION, [best, retold]) is retold
    assert ally(QUESTION, [best, unvalued("a.txt", 0.5, RETOLD)]) is None  # the same article
    assert ally(QUESTION, [best, unvalued("b.txt", 0.1, RETOLD)]) is None  # unlikely
    assert ally(QUESTION, [best, unvalued("b.txt", 0.5)]) is None  # the same words: a copy
    elsewhere = "Sandy Powell designed the costumes for a West End musical that opened in May."
    assert ally(QUESTION, [best, unvalued("b.txt", 0.5, elsewhere)]) is None  # another event
    cites = (
        Citation(1, "a.txt", "", 1, 1, 0, 5, "Sandy"),
        Citation(2, "b.txt", "", 1, 1, 0, 5, "B"),
    )
    assert note(best, cites) == "Two articles tell it: [1] (a.txt); [2] (b.txt)."


def test_the_same_words_in_other_files_are_copies() -> None:
    best = _sentence("a.txt", "Sandy Powell", 0.6)
    spaced = _sentence("c.txt", "Sandy  Powell", 0.6)  # the same words, spaced otherwise
    ranked = [best, _sentence("b.txt", "Sandy Powell", 0.5, RETOLD), spaced, spaced]
    assert copies(best, ranked) == ("c.txt",)
    assert copies(ranked[1], ranked) == ()


def test_the_note_says_the_value_and_where_each_article_says_it() -> None:
    best = _sentence("a.txt", "Sandy Powell", 0.6)
    dated = ArticleMeta(site="BBC News", published="2005-02-28")
    cites = (
        Citation(1, "a.txt", "", 1, 1, 0, 5, "Sandy", meta=dated),
        Citation(2, "b.txt", "", 1, 1, 0, 5, "Sandy"),
    )
    assert note(best, cites) == (
        'Two articles say "Sandy Powell": [1] (BBC News, 28 Feb 2005); [2] (b.txt).'
    )


OSCARS = """Aviator takes five Oscars

Martin Scorsese's The Aviator won five Oscars at the Academy Awards in Hollywood on Sunday night.
British costume designer Sandy Powell won the costume design Oscar for The Aviator,
beating Alexandra Byrne.
Cate Blanchett was named best supporting actress for playing Katharine Hepburn in the film.
The ceremony was watched by 42 million viewers in the United States, the organisers said.
"""
BRITONS = """Britons fare badly at Oscars

Mike Leigh's Vera Drake went home empty-handed from the Academy Awards on Sunday.
The only British winner of the night was Sandy Powell, who took the Aviator costume design
Oscar at the Hollywood ceremony.
Imelda Staunton had been nominated for best actress but lost to Hilary Swank.
"""
RATINGS = """Television ratings of the week

Football and soap operas led the ratings in Britain this week, with EastEnders on top.
The ceremony was watched by 42 million viewers in the United States, the organisers said.
Channel 4's coverage of the Academy Awards drew a smaller audience than last year.
"""


def test_answers_cite_the_agreeing_article_and_every_copy(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in (("oscars.txt", OSCARS), ("britons.txt", BRITONS), ("ratings.txt", RATINGS)):
        (corpus / name).write_text(text, encoding="utf-8")
    qa = QA(make_settings(corpus_dir=corpus))
    qa.ingest()

    told = qa.ask("Who won the Oscar for costume design for The Aviator?")
    assert [c.source for c in told.citations] in (
        ["oscars.txt", "britons.txt"],
        ["britons.txt", "oscars.txt"],
    )
    assert told.short_answer == "Sandy Powell"
    assert told.notice.startswith('Two articles say "Sandy Powell": [1] (')

    copied = qa.ask("How many viewers watched the ceremony in the United States?")
    assert len(copied.citations) == 1  # the same words are never cited twice
    (cited,) = copied.citations
    assert {cited.source, *cited.also_in} == {"oscars.txt", "ratings.txt"}
    assert "42 million viewers" in copied.text and not copied.notice

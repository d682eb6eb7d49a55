"""Sources that disagree: when the best evidence for a number or a name comes from two
articles that state different values (two death tolls, two prices for the same thing), the
answer quotes both, each cited and dated, newest first, under a one-line note, and never
silently one of them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from qabot.answer_types import NAMED_TYPES, Span
from qabot.domain import Citation, shown_date
from qabot.sentence_scorer import FEATURES, Sentence
from qabot.text import one_line, terms

#: How much of the question a rival sentence must cover, as a share of what the best covers
#: (its chance to answer also counts its retrieval rank, which says nothing of agreement).
SHARE = 0.8
#: A rival sentence must be at least this likely to hold the answer on its own: the level
#: below which qabot declined to answer from a single sentence before answerability was
#: learned (`answerability`).
LIKELY = 0.075
#: Words besides the question's that two sentences about the same event share, at least:
#: so many, and such a share of the shorter one's.
SHARED_WORDS = 3
SHARED_SHARE = 0.3
_COVERAGE = FEATURES.index("coverage")
_NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        """
        zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
        fifteen sixteen seventeen eighteen nineteen twenty
        """.split()  # noqa: SIM905 - a word list reads better as prose
    )
}
_SCALES = {"bn": "billion", "m": "million", "k": "thousand", "tn": "trillion"}
_PERCENT = {"%", "per", "cent", "percent"}  # a value of the kind "percent" says it already
_TITLES = re.compile(r"^(?:mr|mrs|ms|miss|dr|sir|lord|lady|dame|prof)\.?\s+")


def value(span: Span) -> str:
    """What a span states, written one way: "nine" and "9", "£2.1m" and "£2.1 million",
    "Mr Hale" and "hale" read alike."""
    text = one_line(span.text.casefold().replace(",", ""))
    if span.kind in NAMED_TYPES or span.kind == "name":
        return _TITLES.sub("", text)
    pieces = re.findall(r"[\d.]+|[^\W\d]+|\S", text)
    return "".join(_SCALES.get(w, _NUMBER_WORDS.get(w, w)) for w in pieces if w not in _PERCENT)


def same_article(a: Sentence, b: Sentence) -> bool:
    pa, pb = a.passage, b.passage
    return pa.source == pb.source or pa.source in pb.also_in or pb.source in pa.also_in


def rival(question: str, ranked: Sequence[Sentence]) -> Sentence | None:
    """The best sentence of another article than `ranked[0]`'s that states another value of
    the same kind about the same thing; None when no source disagrees.

    "The same thing": the rival is likely enough to answer, covers the question nearly as well,
    and shares words beyond the question's with the best sentence (the same event told
    twice). "Another value": neither sentence states the other's (a sentence giving
    "18 years and 185 days" agrees with one giving "18 years")."""
    for cand in accounts(question, ranked):
        best = ranked[0]
        if (
            cand.answers[0].kind == best.answers[0].kind
            and cand.features[_COVERAGE] >= SHARE * best.features[_COVERAGE]
            and value(cand.answers[0]) not in {value(s) for s in best.answers}
            and value(best.answers[0]) not in {value(s) for s in cand.answers}
        ):
            return cand
    return None


def elsewhere(ranked: Sequence[Sentence]) -> Iterator[Sentence]:
    """The sentences after `ranked[0]`, best first, of another article that state a value and
    are likely enough to answer on their own."""
    for cand in ranked[1:]:
        if cand.score < LIKELY:
            return  # ranked best first: no later one is likely enough
        if cand.answers and not same_article(ranked[0], cand):
            yield cand


def accounts(question: str, ranked: Sequence[Sentence]) -> Iterator[Sentence]:
    """The sentences of `elsewhere` that tell the event of `ranked[0]`: sharing words beyond
    the question's with it. Nothing when the first states no value."""
    if not ranked or not ranked[0].answers:
        return
    asked = set(terms(question))
    yield from (cand for cand in elsewhere(ranked) if same_story(ranked[0], cand, asked))


def same_story(a: Sentence, b: Sentence, asked: set[str]) -> bool:
    """Whether two sentences tell the same event: enough words in common besides the
    question's (`asked`; most sentences that answer one question share only its words)."""
    mine, theirs = set(terms(a.text)) - asked, set(terms(b.text)) - asked
    shared = len(mine & theirs)
    return shared >= SHARED_WORDS and shared >= SHARED_SHARE * min(len(mine), len(theirs))


def newest_first(sentences: Sequence[Sentence]) -> list[Sentence]:
    """Sentences of the newest article first; undated ones last."""
    return sorted(sentences, key=lambda s: s.passage.meta.published or "", reverse=True)


def note(sentences: Sequence[Sentence], citations: Sequence[Citation]) -> str:
    """The one line above an answer whose sources disagree: each value, where and when."""
    parts = [
        f"{one_line(s.answers[0].text)} [{c.n}] ({where(c)})"
        for s, c in zip(sentences, citations, strict=True)
    ]
    return "Sources differ: " + "; ".join(parts) + "."


def where(c: Citation) -> str:
    """Where and when a citation's article says it: its site (else file) and date."""
    said = c.meta.site or c.source
    return f"{said}, {shown_date(c.meta.published)}" if c.meta.published else said

"""Sources that agree: the quoted sentence, or the value it gives, in another article too.

The mirror of `disagreement`. A sentence that another retrieved article holds word for word
(a story filed twice, a paragraph reused in a later one) is one citation that names both
files, as twin passages are (`retrieve.collapse_twins`), never the same words cited as [1] and
[2]. And when another article states the same value about the same event ("Sandy Powell won
the costume design Oscar"), or in answer to the same question ("Istanbul"), or tells the
same event when the first states no value of the asked kind, it is quoted after the first
under a one-line note naming both articles, so the second never reads as if it were the same
story."""

from __future__ import annotations

from collections.abc import Sequence

from qabot.disagreement import LIKELY, elsewhere, same_article, same_story, value, where
from qabot.domain import Citation
from qabot.sentence_scorer import Sentence
from qabot.text import one_line, terms

#: A sentence of another article that retells the best's event when the best states no value
#: (`retold`) is quoted when at least this share as likely to answer: from 0.1 to 0.3, the
#: same 3 more `bbc_train.jsonl` answers cite their own article.
ALONE = 0.2
#: Another article's sentence that states the best's value ("Istanbul", "£15,000") and tells
#: another event agrees with it when at least this share as likely to answer, whatever else
#: it covers: the same name or sum in answer to one question is seldom chance. A date is not
#: ("1983", "Sunday": many stories share one). 0.1 (from 0.2 and covering the question nearly
#: as well as the best): 1 more of 1,019 `bbc_train` answers cites its own article, none fewer.
SAME_VALUE = 0.1


def _words(sentence: Sentence) -> str:
    return one_line(sentence.text)


def copies(sentence: Sentence, ranked: Sequence[Sentence]) -> tuple[str, ...]:
    """The other files among `ranked` that hold `sentence` word for word."""
    own = {sentence.passage.source, *sentence.passage.also_in}
    words = _words(sentence)
    found: list[str] = []
    for cand in ranked:
        if cand.passage.source not in own and _words(cand) == words:
            own.add(cand.passage.source)
            found.append(cand.passage.source)
    return tuple(found)


def ally(question: str, ranked: Sequence[Sentence]) -> Sentence | None:
    """The best sentence of another article than `ranked[0]`'s that states its value in other
    words, about the same event or in answer to the same question; None when none does.

    Likely enough to answer on its own (`disagreement.elsewhere`) and stating the value the
    best states; sharing words beyond the question's with the best sentence, as a rival must
    (`disagreement.rival`), or, unless a date, at least `SAME_VALUE` times as likely. When the
    best states no value (no span of the asked kind: "…for her gritty drama Wasp"), another
    article's sentence that tells the same event (`retold`)."""
    if not ranked:
        return None
    best = ranked[0]
    if not best.answers:
        return retold(question, ranked)
    said, asked = value(best.answers[0]), set(terms(question))
    for cand in elsewhere(ranked):
        if (
            value(cand.answers[0]) == said
            and _words(cand) != _words(best)
            and (
                same_story(best, cand, asked)
                or (cand.answers[0].kind != "date" and cand.score >= SAME_VALUE * best.score)
            )
        ):
            return cand
    return None


def retold(question: str, ranked: Sequence[Sentence]) -> Sentence | None:
    """The best sentence of another article than `ranked[0]`'s that tells its event in other
    words (sharing words beyond the question's, `disagreement.same_story`), at least `ALONE`
    times as likely to answer; None when none does. A fact that two stories report is cited
    in both: the reader sees it twice, and each story is named."""
    best = ranked[0]
    asked = set(terms(question))
    for cand in ranked[1:]:
        if (
            cand.score >= max(LIKELY, ALONE * best.score)
            and not same_article(best, cand)
            and _words(cand) != _words(best)
            and same_story(best, cand, asked)
        ):
            return cand
    return None


def note(best: Sentence, citations: Sequence[Citation]) -> str:
    """The one line above an answer two articles give: the value (if the best states one),
    and where each says it."""
    said = "; ".join(f"[{c.n}] ({where(c)})" for c in citations)
    if not best.answers:
        return f"Two articles tell it: {said}."
    return f'Two articles say "{one_line(best.answers[0].text)}": {said}.'

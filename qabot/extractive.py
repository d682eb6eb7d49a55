"""The offline answerer: quotes the corpus sentence that answers the question, and cites it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from qabot import agreement, disagreement
from qabot.acronyms import read_as
from qabot.answer_reader import AnswerReader, reread
from qabot.answer_types import Span, asked_role, asked_type, holds_role, known_people
from qabot.answerability import Verdict, judge, refusal_text, sum_unstated
from qabot.answerer import TokenFn
from qabot.citations import CitationVerifier
from qabot.conversation import condense
from qabot.domain import Answer, Citation, Passage
from qabot.retrieve import Retrieval
from qabot.sentence_scorer import Sentence, SentenceScorer
from qabot.text import one_line, split_sentences

#: A second sentence of the same article is shown when its probability is at least this share
#: of the first's: on the BBC dev set 0.3 shows 1.4 sentences an answer and holds the asked
#: fact 4 points more often than 0.5 (1.25 sentences); two from one story read as one.
ADDS_RATIO = 0.3
#: When the first sentence gives no short answer (no name, sum, date… of the asked kind) and
#: no second one scores `ADDS_RATIO` as well, the best of the next `FILLS_DEPTH` that gives one,
#: from the same article and at least `FILLS_RATIO` as likely, is the second: a story's opening
#: often shares the question's words while the detail stands further down. Its span is not
#: the short answer: on bbc_train 2 in 3 of those were wrong. It never replaces a second
#: sentence: in SQuAD that one often holds an answer no span types.
FILLS_RATIO = 0.1
FILLS_DEPTH = 5


class ExtractiveAnswerer:
    """Quotes the best-scored sentence of the top passages, its short answer in front.

    `SentenceScorer` gives each sentence the probability that it holds the answer, and the
    answer reader (when given) rescores the best of them by reading each with the question (a
    name it writes in full followed by the short form the passages define, `acronyms`); the
    best one whose article meets the question's years, numbers and names
    (`answerability.judge`) is quoted, and its probability is the evidence for answering at
    all. A second sentence is added when it comes from the same article and scores at least
    `ADDS_RATIO` as well, or else names the holder of the post asked about (`_holder`), or
    gives the short answer the first lacks (`FILLS_RATIO`); from another article only under a
    note that names both, when the two disagree (`disagreement`), state the same value, or
    tell the same event when the first states none (`agreement`): a sentence from another
    story never reads as if it were the same one. An answer to "how much…" money that quotes no
    sum is a refusal (`sum_unstated`). The same words in several files are one
    citation. `scorer()` gives the scorer of the corpus as indexed now (its idf changes with
    each ingest).
    """

    def __init__(
        self,
        verifier: CitationVerifier,
        scorer: Callable[[], SentenceScorer],
        threshold: float,
        max_sentences: int = 2,
        article_text: Callable[[Passage], str] | None = None,
        reader: AnswerReader | None = None,
    ) -> None:
        self.verifier = verifier
        self.scorer = scorer
        self.threshold = threshold
        self.max_sentences = max_sentences
        self.article_text = article_text
        self.reader = reader
        #: the answerability weights; None: `answerability.json` (a training script sets them)
        self.answerability: tuple[np.ndarray, float] | None = None

    def select(
        self, question: str, query: str, retrieval: Retrieval
    ) -> tuple[list[Sentence], Verdict]:
        """The sentences, best first, and the verdict on answering from the first."""
        scorer = self.scorer()
        asked = read_as(question, (p.text for p in retrieval.passages))
        q = scorer.question(asked, query)
        ranked = scorer.sentences(q, retrieval.passages, retrieval.dense)
        if self.reader is not None:
            ranked = reread(self.reader, with_story(asked, retrieval), ranked)
        if retrieval.story is not None:  # a follow-up: the story's sentences first
            ranked = sorted(ranked, key=lambda s: not retrieval.in_story(s.passage))
        verdict = judge(
            question,
            ranked,
            retrieval.passages,
            q.kind,
            self.threshold,
            self.article_text,
            self.answerability,
            query,
        )
        chosen = verdict.sentence
        if chosen is not None and chosen is not ranked[0]:  # the best of the story asked about
            ranked = [chosen, *(s for s in ranked if s is not chosen)]
        return ranked, verdict

    def _fills(self, question: str, ranked: Sequence[Sentence]) -> Sentence | None:
        """The sentence that gives the short answer `ranked[0]` lacks (`FILLS_RATIO`)."""
        best = ranked[0]
        return next(
            (
                c
                for c in ranked[1:FILLS_DEPTH]
                if _adds_to(best, c, FILLS_RATIO) and short_answer(question, c, self.article_text)
            ),
            None,
        )

    def condense(self, question: str, history: Sequence[str]) -> str:
        """The question, preceded by the earlier questions it leans on (`conversation`)."""
        return condense(question, list(history))

    def warm_up(self) -> None:
        """Build the sentence scorer (this corpus's idf) and load the answer reader now."""
        self.scorer()
        if self.reader is not None:
            self.reader.warm_up()

    def answer(
        self, question: str, query: str, retrieval: Retrieval, on_token: TokenFn | None = None
    ) -> Answer:
        """The best sentences, quoted and cited, or a refusal that names the closest article
        (`on_token` is never called: nothing streams)."""
        ranked, verdict = self.select(question, query, retrieval)
        refused = Answer.refusal(
            question, query, retrieval.passages, verdict.evidence, refusal_text(verdict)
        )
        if not verdict.answerable:
            return refused
        best = ranked[0]
        lead = short_answer(question, best, self.article_text)
        evidence = verdict.evidence
        other = disagreement.rival(question, ranked)
        ally = holder = None
        if other is not None:
            chosen = disagreement.newest_first([best, other])
        else:
            seconds = [c for c in ranked[1:] if _adds_to(best, c)]
            holder = _holder(question, ranked)
            if not seconds and holder:
                seconds = [holder[0]]
            elif not seconds and not lead and (fills := self._fills(question, ranked)):
                seconds = [fills]
            chosen = [best, *seconds[: self.max_sentences - 1]]
            chosen.sort(key=lambda c: c.start)
            if len(chosen) == 1 and self.max_sentences > 1:
                ally = agreement.ally(question, ranked)
                if ally is not None:
                    chosen.append(ally)
        if (unstated := sum_unstated(question, asked_type(question), chosen)) is not None:
            return Answer.refusal(
                question, query, retrieval.passages, unstated.evidence, refusal_text(unstated)
            )
        citations: list[Citation] = []
        parts: list[str] = []
        for cand in chosen:
            citation = self.verifier.cite(len(citations) + 1, cand.passage, cand.start, cand.end)
            if citation is None:
                continue  # never show a quote that is not in the file as cited
            if more := agreement.copies(cand, ranked):  # one citation names every copy
                citation = replace(citation, also_in=(*citation.also_in, *more))
            citations.append(citation)
            parts.append(f"{one_line(cand.text)} [{citation.n}]")
        if not citations:
            return refused
        verified = {c.start_char for c in citations}
        short = lead if best.start in verified else ""
        if not short and holder and holder[0].start in verified:  # the post's holder
            short = holder[1].text
        differ = other is not None and len(citations) == 2
        if differ:  # both values, newest first: never silently one of them
            short = " or ".join(c.answers[0].text for c in chosen)
            notice = disagreement.note(chosen, citations)
        elif ally is not None and len(citations) == 2:
            notice = agreement.note(best, citations)
        else:
            notice = ""
        return Answer(
            question,
            query,
            " ".join(parts),
            tuple(citations),
            retrieval.passages,
            refused=False,
            evidence=evidence,
            notice=notice,
            short_answer=one_line(short),
        )


def with_story(question: str, retrieval: Retrieval) -> str:
    """`question` as the answer reader reads it: a follow-up with the headline of the story it
    stays in, which says what "it" or "the company" is ("Who runs the company? (Electrolux to
    export Europe jobs)"). New conversation sets, answer_hit: 0.760 -> 0.773 and held out
    0.653 -> 0.720, false refusals 0.133 -> 0.080 and 0.147 -> 0.093."""
    if retrieval.story is None:
        return question
    title = next((p.title for p in retrieval.passages if retrieval.in_story(p) and p.title), "")
    return f"{question} ({title})" if title else question


def short_answer(
    question: str, best: Sentence, article_text: Callable[[Passage], str] | None = None
) -> str:
    """The span of `best` shown first, in bold: its first span of the asked kind, or "".

    A lone capitalised word ("Blades", "Plans") is wrong more often than right when a person
    or a place is asked for (BBC training questions: 2 in 3). It is shown for a person only
    when the article (`article_text(passage)`, else the passage) names someone in full with it
    as the last word ("Manuel Almunia"), and never for a place. A company is often one word
    ("Tesco"): for one it is shown."""
    if not best.answers:
        return ""
    if (roles := asked_role(question)) and (
        holder := next((sp for sp in best.answers if holds_role(best.text, sp, roles)), None)
    ):  # "the chairman of Migration Watch UK, Sir Andrew Green": him, not "UK"
        return holder.text
    kind, span = asked_type(question), best.answers[0]
    if span.kind != "name" or kind not in ("person", "place"):
        return span.text
    if kind == "place":
        return ""
    article = article_text(best.passage) if article_text else best.passage.text
    people = known_people(article[s:e] for s, e in split_sentences(article))
    return span.text if span.text in people else ""


def _holder(question: str, ranked: Sequence[Sentence]) -> tuple[Sentence, Span] | None:
    """When `question` asks who holds a post ("Who is the chairman of the World Anti-Doping
    Agency?") and `ranked[0]` names no one in it, the first other sentence of its article that
    does ("Wada chairman Dick Pound said…"), with the holder's name. The story's opening shares
    the question's words; the name it asks for stands beside the post further down."""
    roles = asked_role(question)
    if not roles:
        return None
    for c in ranked:
        if not disagreement.same_article(c, ranked[0]):
            continue
        span = next(
            (sp for sp in c.answers if sp.kind == "person" and holds_role(c.text, sp, roles)),
            None,
        )
        if span is not None:
            return None if c is ranked[0] else (c, span)
    return None


def _adds_to(best: Sentence, cand: Sentence, ratio: float = ADDS_RATIO) -> bool:
    """Whether `cand` adds to `best`: the same story, and nearly as likely to answer."""
    if cand.passage.source != best.passage.source or cand.start == best.start:
        return False
    return cand.score >= ratio * best.score

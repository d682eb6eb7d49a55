"""The offline answerer: picks the corpus sentences that answer the question, and cites them."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from qabot.chunking import split_sentences
from qabot.citations import CitationVerifier
from qabot.domain import REFUSAL_TEXT, Answer, Citation, Passage
from qabot.retrieve import Retrieval

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
STOPWORDS = frozenset(
    """
    a an and are as at be been but by can could did do does done for from had has have he
    her him his how i if in into is it its just may me might my no not of on or our out over
    she should so such than that the their them then there these they this those to too up
    us was we were what when where which while who whom whose why will with would you your
    about after also any because before being both each few more most much other same some
    very s t tell say said says know
    """.split()  # noqa: SIM905 - a word list reads better as prose
)

# Cue words of an answer type, checked in the question (the current one, not the history).
_DATE = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|week|month|year|(?:1[89]|20)\d\d)\b",
    re.I,
)
_NUMBER = re.compile(
    r"\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|"
    r"hundreds?|thousands?|millions?|billions?|several|many|few)\b",
    re.I,
)
_DURATION = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|several|many)[\s-]+"
    r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)\b|\bsince\b|\bfor\b",
    re.I,
)
_REASON = re.compile(r"\b(?:because|since|due to|so that|in order to|over|after|as|aim|fear)", re.I)
_PLACE = re.compile(r"\b(?:in|at|to|from|near|across|through)\s+(?:the\s+)?[A-Z][a-z]")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[\s-][A-Z][a-z]+)*\b")

Stem = Callable[[str], str]


@lru_cache(maxsize=1)
def _stemmer() -> Stem:
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    return lambda word: stemmer.stemWord(word)


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed content words of `text`."""
    stem = _stemmer()
    # The same word pattern as the BM25 index (bm25s), so idf look-ups line up.
    return [stem(w) for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS]


def answer_type(question: str) -> str:
    q = question.lower().strip()
    if re.match(r"^(?:how long|for how long)\b", q):
        return "duration"
    if re.match(r"^(?:how many|how much|what number|what percentage)\b", q):
        return "number"
    if re.match(r"^(?:when|what (?:day|date|year|month|time))\b", q) or "what day" in q:
        return "date"
    if re.match(r"^(?:who|whom|whose)\b", q) or re.search(
        r"\bwhich (?:\w+ )?(?:person|official|"
        r"minister|secretary|spokesman)\b",
        q,
    ):
        return "person"
    if re.match(r"^(?:where|from where)\b", q):
        return "place"
    if re.match(r"^why\b", q):
        return "reason"
    return "other"


def _type_match(kind: str, sentence: str, question: str) -> float:
    if kind == "duration":
        return 1.0 if _DURATION.search(sentence) else 0.0
    if kind == "number":
        return 1.0 if _NUMBER.search(sentence) else 0.0
    if kind == "date":
        return 1.0 if _DATE.search(sentence) else 0.0
    if kind == "place":
        return 1.0 if _PLACE.search(sentence) else 0.0
    if kind == "reason":
        return 1.0 if _REASON.search(sentence) else 0.0
    if kind == "person":
        asked = {w.lower() for w in _WORD.findall(question)}
        names = [n for n in _NAME.findall(sentence) if n.split()[0].lower() not in asked]
        # A name that the question does not already hold is a candidate answer.
        return (
            1.0
            if any(n.lower() not in asked and n.lower() not in STOPWORDS for n in names)
            else 0.0
        )
    return 0.5


@dataclass(frozen=True)
class Candidate:
    passage: Passage
    rank: int
    start: int  # offsets within the source file
    end: int
    text: str
    score: float
    coverage: float


class ExtractiveAnswerer:
    """Scores the sentences of the top passages against the question and quotes the best.

    A sentence's score mixes how much of the question's (idf-weighted) content it covers,
    whether it holds the kind of thing asked for (a name for "who", a number for "how
    many", ...), and how highly retrieval ranked its passage. Evidence for answering at all
    is the best passage's cosine similarity blended with the best sentence's coverage; below
    `threshold` qabot declines.
    """

    def __init__(
        self,
        verifier: CitationVerifier,
        idf: Callable[[str], float],
        threshold: float,
        max_sentences: int = 2,
    ) -> None:
        self.verifier = verifier
        self.idf = idf
        self.threshold = threshold
        self.max_sentences = max_sentences

    def candidates(
        self, question: str, query: str, passages: tuple[Passage, ...]
    ) -> list[Candidate]:
        kind = answer_type(question)
        q_terms = set(terms(query)) | set(terms(question))
        now_terms = set(terms(question))
        # The question asks; earlier turns folded into the query only give context.
        boost = 1.5 if query == question else 3.0
        weights = {t: self.idf(t) * (boost if t in now_terms else 1.0) for t in q_terms}
        total = sum(weights.values()) or 1.0
        out: list[Candidate] = []
        for rank, passage in enumerate(passages):
            prior = 1.0 / (1.0 + 0.35 * rank)
            for s, e in split_sentences(passage.text):
                sentence = passage.text[s:e]
                s_terms = set(terms(sentence))
                coverage = sum(w for t, w in weights.items() if t in s_terms) / total
                novelty = 1.0 if s_terms - q_terms else 0.0
                score = (
                    0.55 * coverage
                    + 0.25 * _type_match(kind, sentence, question) * novelty
                    + 0.20 * prior
                )
                out.append(
                    Candidate(
                        passage,
                        rank,
                        passage.start_char + s,
                        passage.start_char + e,
                        sentence,
                        score,
                        coverage,
                    )
                )
        out.sort(key=lambda c: (-c.score, c.rank, c.start))
        return out

    def evidence(self, retrieval: Retrieval, best: Candidate | None) -> float:
        dense = max((retrieval.dense.get(p.id, 0.0) for p in retrieval.passages), default=0.0)
        coverage = best.coverage if best is not None else 0.0
        return 0.5 * dense + 0.5 * coverage

    def answer(self, question: str, query: str, retrieval: Retrieval) -> Answer:
        ranked = self.candidates(question, query, retrieval.passages)
        best = ranked[0] if ranked else None
        evidence = self.evidence(retrieval, best)
        refused = Answer(
            question, query, REFUSAL_TEXT, (), retrieval.passages, refused=True, evidence=evidence
        )
        if best is None or evidence < self.threshold:
            return refused
        chosen: list[Candidate] = []
        for cand in ranked:
            if len(chosen) >= self.max_sentences:
                break
            if chosen and (cand.score < 0.75 * best.score or cand.coverage == 0):
                break
            if any(
                c.passage.source == cand.passage.source and c.start == cand.start for c in chosen
            ):
                continue
            chosen.append(cand)
        citations: list[Citation] = []
        parts: list[str] = []
        for cand in chosen:
            p = cand.passage
            start_line = p.start_line + p.text.count("\n", 0, cand.start - p.start_char)
            citation = Citation(
                n=len(citations) + 1,
                source=p.source,
                title=p.title,
                start_line=start_line,
                end_line=start_line + cand.text.count("\n"),
                start_char=cand.start,
                end_char=cand.end,
                quote=cand.text,
                passage_id=p.id,
            )
            if not self.verifier.verify(citation):
                continue  # never show a quote that is not in the file as cited
            citations.append(citation)
            parts.append(f"{' '.join(cand.text.split())} [{citation.n}]")
        if not citations:
            return refused
        return Answer(
            question,
            query,
            " ".join(parts),
            tuple(citations),
            retrieval.passages,
            refused=False,
            evidence=evidence,
        )


def idf_from_counts(df: dict[str, int], n_docs: int) -> Callable[[str], float]:
    """BM25-style idf for a stemmed term; unseen terms get the rarest weight."""

    def idf(term: str) -> float:
        return math.log(1.0 + (n_docs - df.get(term, 0) + 0.5) / (df.get(term, 0) + 0.5))

    return idf

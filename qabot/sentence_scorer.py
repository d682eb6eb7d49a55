"""How likely each sentence of the retrieved passages is to hold the answer.

Every sentence of the top passages gets a handful of features (below), and a logistic
regression over them gives the probability that it holds the answer. The weights are learned
on SQuAD dev-a by `benchmarks/train_sentence_scorer.py` and ship as `sentence_scorer.json`;
the probability of the best sentence is also the evidence the answerers use to decide whether
to answer at all.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from qabot.answer_types import (
    NAMED_TYPES,
    Span,
    asked_type,
    category_words,
    drop_front,
    known_people,
    matches,
    typed_spans,
)
from qabot.domain import Passage
from qabot.text import one_line, split_sentences, term_spans, terms

WEIGHTS_FILE = Path(__file__).with_name("sentence_scorer.json")

FEATURES = (
    "coverage",  # idf-weighted share of the question's words found in the sentence
    "context",  # ... in the sentence, its predecessor and the article title
    "passage",  # ... anywhere in the passage
    "bigram",  # share of the question's word pairs found in the sentence
    "typed",  # the sentence holds a span of the asked kind the question does not
    "untyped",  # the question asks for nothing typed ("what did X say about Y")
    "proximity",  # how close that span stands to the question's words
    "novelty",  # share of the sentence's words that the question does not hold
    "rank",  # 1 / (1 + retrieval rank of the passage)
    "dense",  # cosine of the question to the passage
    "title",  # the sentence is the article's headline
    "lead",  # the sentence opens the article
    "length",  # words in the sentence, capped
    "predicate",  # coverage of the question's lower-case words (what is asked, not about whom)
    "named",  # coverage of the question's capitalised words in the sentence or its context
    "exact_type",  # the span is of exactly the asked kind (not just a capitalised word)
)
_AT = {name: i for i, name in enumerate(FEATURES)}
#: what stands before a sum given again in another currency, in brackets after the sum the
#: story states: "$168m (", "900 rupees ($20.40; "
_CONVERSION_BEFORE = re.compile(r"\d[\w.,]*(?: [a-z]+)?\s*\((?:[^()]{0,30};\s*)?$")
#: how a question names a currency, by the sign a sum of it is written with
_CURRENCY = {"£": ("£", "pound", "sterling"), "$": ("$", "dollar"), "€": ("€", "euro")}


@dataclass(frozen=True)
class Sentence:
    """A sentence of a retrieved passage, with offsets into its source file."""

    passage: Passage
    rank: int
    start: int
    end: int
    text: str
    features: np.ndarray = field(repr=False)
    answers: tuple[Span, ...] = ()  # spans of the asked kind, best first
    score: float = 0.0


@dataclass(frozen=True)
class Question:
    """What the scorer needs to know about a question, worked out once per question."""

    text: str
    kind: str
    weights: dict[str, float]  # stemmed term -> weight
    named: frozenset[str]  # terms from capitalised words of the question
    pairs: frozenset[tuple[str, str]]
    #: stemmed words of the question itself, for span novelty (not those naming the category
    #: asked for: "which *stadium*")
    asked_terms: frozenset[str]
    #: stemmed words naming what is asked for ("which US *bank*"): a name right after them is
    #: the one asked for ("US bank Wells Fargo")
    category: frozenset[str] = frozenset()


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -50 else 0.0


def log_odds(p: float) -> float:
    """The inverse of `sigmoid`, for a probability kept off 0 and 1."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@cache
def load_weights(path: Path, features: tuple[str, ...] = FEATURES) -> tuple[np.ndarray, float]:
    """The weights and bias of a logistic regression over `features`, as its training script
    wrote them to `path`."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    if tuple(raw["features"]) != features:
        raise ValueError(f"{path} was trained on other features; rerun its training script")
    return np.asarray(raw["weights"], dtype=np.float64), float(raw["bias"])


class SentenceScorer:
    """Features and a learned probability for each sentence of the retrieved passages."""

    def __init__(
        self,
        idf: Callable[[str], float],
        weights: tuple[np.ndarray, float] | None = None,
    ) -> None:
        self.idf = idf
        self.weights = weights if weights is not None else load_weights(WEIGHTS_FILE)

    def question(self, question: str, query: str) -> Question:
        now = terms(question)
        # Earlier turns folded into the query give context; the question itself asks. At a
        # tenth of the weight, the words of the last question no longer pull its own answer
        # back ("How old is she?" after "Who got an Oscar nomination?"): BBC dev follow-ups
        # 0.613 -> 0.677 answer_hit (0.5 before).
        weights = {t: 0.1 * self.idf(t) for t in terms(query)}
        for t in now:
            weights[t] = self.idf(t)
        pairs = frozenset(zip(now, now[1:], strict=False))
        named = frozenset(
            t for w in question.split()[1:] if w[:1].isupper() or w[:1].isdigit() for t in terms(w)
        )
        # A name is not the answer when the question already holds it, but the words naming
        # what is asked for do not count: "Sydney's Olympic Stadium" answers "Which stadium…".
        category = frozenset(terms(category_words(question)))
        asked = frozenset(now) - category
        return Question(question, asked_type(question), weights, named, pairs, asked, category)

    def sentences(
        self,
        q: Question,
        passages: tuple[Passage, ...],
        dense: dict[str, float],
    ) -> list[Sentence]:
        """Every sentence of `passages`, scored, best first."""
        total = sum(q.weights.values()) or 1.0
        w, b = self.weights
        out: list[Sentence] = []
        for rank, passage in enumerate(passages):
            title_terms = set(terms(passage.title))
            p_terms = set(terms(passage.text))
            passage_cov = sum(w for t, w in q.weights.items() if t in p_terms) / total
            previous: set[str] = set()
            bounds = split_sentences(passage.text)
            people = (
                known_people(passage.text[s:e] for s, e in bounds)
                if q.kind in NAMED_TYPES
                else frozenset()
            )
            for s, e in bounds:
                text = passage.text[s:e]
                spans = term_spans(text)
                s_terms = {t for t, _, _ in spans}
                features, answers = self._features(
                    q, text, spans, s_terms, previous | title_terms, total, people
                )
                start = passage.start_char + s
                features[_AT["passage"]] = passage_cov
                features[_AT["rank"]] = 1.0 / (1.0 + rank)
                features[_AT["dense"]] = dense.get(passage.id, 0.0)
                features[_AT["title"]] = float(
                    start < len(passage.title) + 2 and text.strip() == passage.title.strip()
                )
                features[_AT["lead"]] = float(start < len(passage.title) + 400)
                score = sigmoid(float(features @ w) + b)
                out.append(
                    Sentence(
                        passage, rank, start, passage.start_char + e, text, features, answers, score
                    )
                )
                previous = s_terms
        out.sort(key=lambda c: (-c.score, c.rank, c.start))
        return out

    def _features(
        self,
        q: Question,
        text: str,
        spans: tuple[tuple[str, int, int], ...],
        s_terms: set[str],
        around: set[str],
        total: float,
        people: frozenset[str] = frozenset(),
    ) -> tuple[np.ndarray, tuple[Span, ...]]:
        f = np.zeros(len(FEATURES))
        f[_AT["coverage"]] = sum(w for t, w in q.weights.items() if t in s_terms) / total
        f[_AT["context"]] = (
            sum(w for t, w in q.weights.items() if t in s_terms or t in around) / total
        )
        s_pairs = set(zip([t for t, _, _ in spans], [t for t, _, _ in spans][1:], strict=False))
        f[_AT["bigram"]] = len(q.pairs & s_pairs) / len(q.pairs) if q.pairs else 0.0
        f[_AT["novelty"]] = len(s_terms - q.weights.keys()) / len(s_terms) if s_terms else 0.0
        f[_AT["length"]] = min(len(spans), 40) / 40
        named = sum(w for t, w in q.weights.items() if t in q.named) or 1.0
        f[_AT["predicate"]] = sum(
            w for t, w in q.weights.items() if t in s_terms and t not in q.named
        ) / (total - named + 1e-9 if total > named else 1.0)
        f[_AT["named"]] = (
            sum(w for t, w in q.weights.items() if t in q.named and (t in s_terms or t in around))
            / named
            if q.named
            else 1.0
        )
        answers: tuple[Span, ...] = ()
        if q.kind == "other" or q.kind == "reason":
            f[_AT["untyped"]] = 1.0
        else:
            found = [
                sp
                for sp in (_unasked(sp, q, people) for sp in typed_spans(text))
                if sp is not None and matches(q.kind, sp)
            ]
            if found:
                hits = [(s + e) / 2 for t, s, e in spans if t in q.weights]
                ranked = sorted(
                    found,
                    key=lambda sp: (
                        not _named_as(sp, text, q.category),
                        sp.kind != q.kind,
                        _distance(sp, hits),
                    ),
                )
                best = _distance(ranked[0], hits)
                f[_AT["typed"]] = 1.0
                f[_AT["proximity"]] = math.exp(-best / 60.0) if hits else 0.0
                f[_AT["exact_type"]] = float(ranked[0].kind == q.kind or q.kind not in NAMED_TYPES)
                answers = tuple(sorted(ranked, key=lambda sp: _currency_order(sp, text, q.text)))
        return f, answers


def _unasked(span: Span, q: Question, people: frozenset[str]) -> Span | None:
    """`span` as an answer to `q`: None when the question already holds it. A name loses the
    words in front that the question holds ("Carib Chief Charles Williams" answers "Who is the
    chief of the Carib Indians?" as "Charles Williams"), and a lone capitalised word is a
    person's surname when the passage names them in full (`people`)."""
    if span.kind not in NAMED_TYPES and span.kind != "name":
        return None if one_line(span.text.lower()) in one_line(q.text.lower()) else span

    def held(text: str) -> bool:  # the question holds a word of `text`
        return any(t in q.asked_terms for t in terms(text))

    words, start = drop_front(span.text.split(), span.start, lambda word, _: held(word))
    if not words or held(" ".join(words)):
        return None
    kind = "name" if len(words) == 1 and span.kind == "person" else span.kind
    if kind == "name" and words[0] in people:
        kind = "person"
    return Span(kind, start, span.end, span.text[start - span.start :], span.sure)


def _named_as(span: Span, text: str, category: frozenset[str]) -> bool:
    """Whether `span` follows a word of `category` closely: "auditors Grant Thornton",
    "energy drink company, Red Bull"."""
    return bool(category) and any(
        t in category for t in terms(text[max(0, span.start - 25) : span.start])[-2:]
    )


def _currency_order(span: Span, text: str, question: str) -> int:
    """Where a sum stands among the answers: first in the currency the question asks in
    ("How many pounds…"), then the sum the story states, last one given again in another
    currency after it ("£89m" of "$168m (£89m)")."""
    if span.kind != "money":
        return 1
    cues = _CURRENCY.get(span.text[0]) or (("euro",) if "euro" in span.text else ())
    if any(cue in question.lower() for cue in cues):
        return 0
    return 2 if _CONVERSION_BEFORE.search(text, 0, span.start) else 1


def _distance(span: Span, hits: list[float]) -> float:
    if not hits:
        return 1e3
    middle = (span.start + span.end) / 2
    return min(abs(middle - h) for h in hits)

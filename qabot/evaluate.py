"""Run a fixture set through QA and compute the metrics of docs/DESIGN.md."""

from __future__ import annotations

import json
import logging
import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qabot.domain import Answer
from qabot.errors import QabotError
from qabot.text import one_line

logger = logging.getLogger(__name__)

_PUNCTUATION = frozenset(string.punctuation)

_QUOTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "′": "'",
        "″": '"',
        "«": '"',
        "»": '"',
    }
)


def normalize(text: str) -> str:
    """NFKC, typographic quotes folded to ASCII, whitespace collapsed, case folded."""
    return one_line(unicodedata.normalize("NFKC", text).translate(_QUOTES)).casefold()


class FixtureError(QabotError, ValueError):
    """A fixture file line that is not a valid fixture."""


@dataclass(frozen=True)
class Fixture:
    id: str
    question: str
    source: str | None
    answers: tuple[str, ...]
    history: tuple[str, ...] = ()
    unanswerable: bool = False
    #: "near" for a question about the corpus's own subjects that it cannot answer, "far" for
    #: an off-topic one; "" when answerable
    kind: str = ""


def load_fixtures(path: Path) -> list[Fixture]:
    fixtures: list[Fixture] = []
    seen: set[str] = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            unanswerable = raw.get("unanswerable", False)
            fx = Fixture(
                id=str(raw["id"]),
                question=str(raw["question"]),
                source=raw.get("source"),
                answers=tuple(raw.get("answers") or ()),
                history=tuple(raw.get("history") or ()),
                unanswerable=bool(unanswerable),
                kind="near" if unanswerable == "near" else "far" if unanswerable else "",
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise FixtureError(f"{path}:{lineno}: not a fixture ({exc})") from None
        if not fx.unanswerable and (not fx.source or not fx.answers):
            raise FixtureError(f"{path}:{lineno}: an answerable fixture needs source and answers")
        if fx.id in seen:
            raise FixtureError(f"{path}:{lineno}: duplicate id {fx.id!r}")
        seen.add(fx.id)
        fixtures.append(fx)
    if not fixtures:
        raise FixtureError(f"{path}: no fixtures")
    return fixtures


def _contains(text: str, answers: Iterable[str]) -> bool:
    norm = normalize(text)
    return any(normalize(a) in norm for a in answers)


@dataclass
class Scored:
    fixture: Fixture
    answer: Answer
    k: int

    @property
    def first_source_rank(self) -> int | None:
        for rank, p in enumerate(self.answer.passages[: self.k], start=1):
            if self.fixture.source in (p.source, *p.also_in):
                return rank
        return None

    @property
    def first_answer_rank(self) -> int | None:
        for rank, p in enumerate(self.answer.passages[: self.k], start=1):
            if self.fixture.source in (p.source, *p.also_in) and _contains(
                p.text, self.fixture.answers
            ):
                return rank
        return None

    @property
    def answer_hit(self) -> bool:
        cites_source = any(
            self.fixture.source in (c.source, *c.also_in) for c in self.answer.citations
        )
        return (
            not self.answer.refused
            and cites_source
            and _contains(self.answer.text, self.fixture.answers)
        )

    @property
    def short_scores(self) -> tuple[float, float]:
        """(exact, token F1) of the short answer against the best-matching answer string."""
        if self.answer.refused or not self.answer.short_answer:
            return 0.0, 0.0
        got = squad_tokens(self.answer.short_answer)
        exact = max(float(got == squad_tokens(a)) for a in self.fixture.answers)
        return exact, max(token_f1(got, squad_tokens(a)) for a in self.fixture.answers)

    def record(self) -> dict[str, Any]:
        d = self.answer.to_dict()
        return {
            "id": self.fixture.id,
            "question": self.fixture.question,
            "query": d["query"],
            "passages": d["passages"],
            "answer": d["answer"],
            "short_answer": d["short_answer"],
            "citations": d["citations"],
            "refused": d["refused"],
            "latency_ms": d["latency_ms"],
            "evidence": d["evidence"],
            "notice": d["notice"],
            "history": list(self.fixture.history),
            "source": self.fixture.source,
            "answers": list(self.fixture.answers),
            "unanswerable": self.fixture.unanswerable,
            "answer_hit": self.answer_hit if not self.fixture.unanswerable else None,
        }


@dataclass
class Report:
    k: int
    scored: list[Scored] = field(default_factory=list)

    def metrics(self) -> dict[str, float | int]:
        answerable = [s for s in self.scored if not s.fixture.unanswerable]
        n = len(answerable) or 1

        def frac(pred: Callable[[Scored], bool], items: list[Scored]) -> float:
            return sum(1 for s in items if pred(s)) / (len(items) or 1)

        refused = [s for s in self.scored if s.answer.refused]
        unanswerable = [s for s in self.scored if s.fixture.unanswerable]
        latencies = sorted(s.answer.latency_ms for s in self.scored)
        shorts = [s.short_scores for s in answerable]
        by_kind: dict[str, float] = {}
        for kind in ("near", "far"):
            marked = [s for s in unanswerable if s.fixture.kind == kind]
            if not marked:
                continue
            pool = [s for s in answerable + marked if s.answer.refused]
            by_kind[f"refusal_precision_{kind}"] = (
                frac(lambda s: s.fixture.unanswerable, pool) if pool else 1.0
            )
            by_kind[f"refusal_recall_{kind}"] = frac(lambda s: s.answer.refused, marked)
        return {
            "questions": len(self.scored),
            "answerable": len(answerable),
            "unanswerable": len(unanswerable),
            "k": self.k,
            "doc_recall@1": frac(lambda s: s.first_source_rank == 1, answerable),
            f"doc_recall@{self.k}": frac(lambda s: s.first_source_rank is not None, answerable),
            f"answer_recall@{self.k}": frac(lambda s: s.first_answer_rank is not None, answerable),
            "mrr": sum(1.0 / r for s in answerable if (r := s.first_answer_rank)) / n,
            "answer_hit": frac(lambda s: s.answer_hit, answerable),
            "refusal_precision": frac(lambda s: s.fixture.unanswerable, refused)
            if refused
            else 1.0,
            "refusal_recall": frac(lambda s: s.answer.refused, unanswerable)
            if unanswerable
            else 1.0,
            # answerable questions refused: what honesty costs
            "false_refusals": frac(lambda s: s.answer.refused, answerable),
            **by_kind,
            "short_exact": sum(e for e, _ in shorts) / n,
            "short_f1": sum(f for _, f in shorts) / n,
            "latency_ms_p50": _percentile(latencies, 50),
            "latency_ms_p95": _percentile(latencies, 95),
        }

    def write_records(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as fh:
            for s in self.scored:
                fh.write(json.dumps(s.record(), ensure_ascii=False) + "\n")

    def calibrate(self) -> tuple[float, float]:
        """The refusal threshold that best separates answerable from unanswerable items
        by evidence (most items right; ties go to the midpoint of the widest gap)."""
        points = sorted((s.answer.evidence, s.fixture.unanswerable) for s in self.scored)
        best = (-1, 0.0, 0.0)  # (correct, gap, threshold)
        values = [e for e, _ in points]
        cuts = (
            [values[0] - 1e-6]
            + [(a + b) / 2 for a, b in zip(values, values[1:], strict=False)]
            + [values[-1] + 1e-6]
        )
        for i, cut in enumerate(cuts):
            correct = sum(1 for e, u in points if (e < cut) == u)
            lo = values[i - 1] if i > 0 else cut
            hi = values[i] if i < len(values) else cut
            gap = hi - lo
            if (correct, gap) > best[:2]:
                best = (correct, gap, cut)
        return best[2], best[0] / len(points)

    def highest_threshold(self, max_false_refusals: float = 0.05) -> tuple[float, float] | None:
        """The highest refusal threshold that refuses at most `max_false_refusals` of the
        answerable items (the rule qabot's default was chosen by), and the share of the
        unanswerable items it refuses; None without answerable items."""
        answerable = sorted(s.answer.evidence for s in self.scored if not s.fixture.unanswerable)
        if not answerable:
            return None
        # refusing below the (m+1)-th lowest evidence refuses at most m answerable items
        threshold = answerable[math.floor(max_false_refusals * len(answerable) + 1e-9)]
        unanswerable = [s.answer.evidence for s in self.scored if s.fixture.unanswerable]
        caught = (
            sum(e < threshold for e in unanswerable) / len(unanswerable) if unanswerable else 1.0
        )
        return threshold, caught


_ARTICLES = re.compile(r"\b(?:a|an|the)\b")


def squad_tokens(text: str) -> list[str]:
    """SQuAD's answer normalisation: lower case, no punctuation or articles, then words."""
    text = "".join(ch for ch in normalize(text) if ch not in _PUNCTUATION)
    return _ARTICLES.sub(" ", text).split()


def token_f1(got: list[str], gold: list[str]) -> float:
    common = sum((Counter(got) & Counter(gold)).values())
    if not common:
        return 0.0
    precision, recall = common / len(got), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    rank = max(0, math.ceil(pct / 100 * len(values)) - 1)
    return round(values[rank], 2)


def run_fixtures(
    ask: Callable[[str, list[str], int], Answer],
    fixtures: list[Fixture],
    k: int,
    progress: Callable[[], None] | None = None,
) -> Report:
    """Ask every fixture question (with its history) and keep the answers for scoring."""
    report = Report(k=k)
    for fx in fixtures:
        answer = ask(fx.question, list(fx.history), k)
        report.scored.append(Scored(fx, answer, k))
        if progress:
            progress()
    return report

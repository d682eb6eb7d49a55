"""The frozen records that flow through qabot: Document, Passage, Citation, Answer."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

from qabot.text import line_label, line_of


@dataclass(frozen=True)
class ArticleMeta:
    """Who wrote an article, when and where it was published; "" where unknown."""

    author: str = ""
    published: str = ""  # YYYY-MM-DD
    site: str = ""
    url: str = ""  # the canonical URL


ARTICLE_FIELDS = tuple(f.name for f in fields(ArticleMeta))


@dataclass(frozen=True)
class Document:
    """A decoded source file. `text` is the text citations quote: the file's text exactly as
    decoded, or for HTML, Markdown and PDF the text a reader sees (the citation check extracts
    it again); offsets refer to it. `spans` are the (start, end) character ranges of article
    content, chrome excluded. `line_starts` maps offsets to the file's lines (pages of a PDF).
    """

    source: str  # path relative to the corpus root, with forward slashes
    title: str
    text: str
    spans: tuple[tuple[int, int], ...]
    file_hash: str
    line_starts: tuple[int, ...] = field(repr=False, default=())
    meta: ArticleMeta = ArticleMeta()

    def line_of(self, offset: int) -> int:
        """1-based line number (page of a PDF) of the file holding character `offset`."""
        return line_of(self.line_starts, offset)


@dataclass(frozen=True)
class Passage:
    """A retrievable piece of a Document: `text == document.text[start_char:end_char]`."""

    id: str
    source: str
    title: str
    text: str
    start_char: int
    end_char: int
    start_line: int
    end_line: int
    score: float = 0.0
    also_in: tuple[str, ...] = ()  # other files holding the same (or nearly the same) text
    meta: ArticleMeta = ArticleMeta()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """The n-th source of an answer: a verbatim quote of `source` at the given span."""

    n: int
    source: str
    title: str
    start_line: int
    end_line: int
    start_char: int
    end_char: int
    quote: str
    passage_id: str = ""
    also_in: tuple[str, ...] = ()  # twins of `source` that hold the same text
    meta: ArticleMeta = ArticleMeta()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


REFUSAL_TEXT = "I could not find that in the corpus."


@dataclass(frozen=True)
class Answer:
    """What front ends render: text with `[n]` markers, its citations and the ranked passages."""

    question: str
    query: str
    text: str
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    refused: bool = False
    latency_ms: float = 0.0
    evidence: float = 0.0  # how strongly the corpus supports answering at all
    notice: str = ""  # e.g. "the model's answer could not be checked; showing the extract"
    short_answer: str = ""  # the asked-for span of the first cited sentence, when found

    @classmethod
    def refusal(
        cls,
        question: str,
        query: str,
        passages: tuple[Passage, ...],
        evidence: float,
        text: str = REFUSAL_TEXT,
        notice: str = "",
    ) -> Answer:
        """qabot declines: no citations; the passages searched are still reported."""
        return cls(question, query, text, (), passages, True, evidence=evidence, notice=notice)

    def sources(self) -> list[tuple[int | None, Passage]]:
        """The passages behind the answer, as `/sources` shows them: (n, passage) for each
        cited one, else (None, passage) for each one retrieved, the closest first."""
        by_id = {p.id: p for p in self.passages}
        shown: list[tuple[int | None, Passage]] = [
            (c.n, by_id[c.passage_id]) for c in self.citations if c.passage_id in by_id
        ]
        return shown or [(None, p) for p in self.passages]

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "query": self.query,
            "passages": [
                {
                    "id": p.id,
                    "source": p.source,
                    "title": p.title,
                    "start_line": p.start_line,
                    "end_line": p.end_line,
                    "text": p.text,
                    "score": round(p.score, 6),
                    "also_in": list(p.also_in),
                    **meta_record(p.meta),
                }
                for p in self.passages
            ],
            "answer": self.text,
            "short_answer": self.short_answer,
            "citations": [
                {
                    "n": c.n,
                    "source": c.source,
                    "title": c.title,
                    "start_line": c.start_line,
                    "end_line": c.end_line,
                    "start_char": c.start_char,  # of the file's text as quoted (see Document)
                    "end_char": c.end_char,
                    "quote": c.quote,
                    "also_in": list(c.also_in),
                    **meta_record(c.meta),
                }
                for c in self.citations
            ],
            "refused": self.refused,
            "evidence": round(self.evidence, 4),
            "notice": self.notice,
            "latency_ms": round(self.latency_ms, 2),
        }


def meta_record(meta: ArticleMeta) -> dict[str, str | None]:
    """An article's metadata as JSON records carry it: null where unknown."""
    return {k: v or None for k, v in asdict(meta).items()}


def location(item: Citation | Passage) -> str:
    """Where a citation or passage stands: `file:16`, `file:16-18`, or `file p. 3` for a PDF
    (whose "lines" are pages)."""
    a, b = item.start_line, item.end_line
    if item.source.lower().endswith(".pdf"):
        return f"{item.source} p. {a}" if a == b else f"{item.source} pp. {a}-{b}"
    return f"{item.source}:{line_label(a, b)}"


def shown_date(iso: str) -> str:
    """A YYYY-MM-DD date as a reader reads it: "5 Jun 2022"."""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {day:%b %Y}"


def credit(meta: ArticleMeta) -> str:
    """Site, author and date of an article, as far as known: "Harbour Herald, Jane Smith,
    5 Jun 2022" ("" when none is known)."""
    parts = [meta.site, meta.author, shown_date(meta.published) if meta.published else ""]
    return ", ".join(p for p in parts if p)


#: Bidi embedding, override and isolate controls. Shown as they are, they reorder what the
#: reader sees, so a quote would not read as the file does ("Trojan Source"). C0 and C1
#: control characters (but newline and tab) would reach the terminal as commands: ESC starts
#: the sequences that retitle a window or clear the screen. Passages keep them all (they must
#: match the file); renderers drop them with `displayable`.
_HIDDEN: dict[int, None] = dict.fromkeys(
    [
        *(c for c in range(0x20) if chr(c) not in "\t\n"),
        *range(0x7F, 0xA0),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)
_PRINTABLE_ASCII = re.compile(r"[\t\n\x20-\x7e]*")


def displayable(text: str) -> str:
    """`text` as a terminal or chat shows it: without control characters or bidi controls."""
    return text if _PRINTABLE_ASCII.fullmatch(text) else text.translate(_HIDDEN)

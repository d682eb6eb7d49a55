"""Questions about an article itself, answered from its metadata: "When was the story about
the harbour bridge published?", "Who wrote the article on the ferry strike?".

The article is the one retrieval ranks first, if it is about what the question names; the
answer cites the line of it that gives the date or the byline. An article that does not say
is left to the ordinary answerers, which read its text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from qabot.article_meta import where
from qabot.citations import CitationVerifier
from qabot.domain import Answer, Passage
from qabot.retrieve import Retrieval
from qabot.text import one_line, terms

_DOC = (
    r"(?:article|story|report|piece|item|post|column|feature|coverage|news|page|interview|"
    r"editorial|dispatch|blog)s?"
)
#: "the story about X", "this report", "the BBC article": an article of the corpus, named in
#: lower case ("the Fourth Assessment Report" is a document the articles report on), and not
#: described by a clause ("the short story that the film was based on").
_ARTICLE = (
    rf"\b(?:the|this|that)\s+(?:[\w'’-]+\s+){{0,4}}?(?-i:{_DOC})\b"
    r"(?!\s+(?:that|which|in which|on which)\b)"
)
_PUBLISHED = [
    re.compile(
        rf"^(?:when|(?:on )?(?:what|which) (?:date|day))\b.*{_ARTICLE}.*\b"
        r"(?:published|posted|written|filed|reported|put online|dated|updated)\b",
        re.I,
    ),
    re.compile(rf"^when did\b.*{_ARTICLE}.*\b(?:appear|come out|run)\b", re.I),
    re.compile(rf"^when (?:is|was)\b.*{_ARTICLE}\s+(?:from|dated)\b", re.I),
    re.compile(rf"\bhow old is\b.*{_ARTICLE}", re.I),
    re.compile(rf"\b(?:publication date|date of publication|date) of\b.*{_ARTICLE}", re.I),
]
_AUTHOR = [
    re.compile(rf"^who\s+(?:wrote|reported|authored|filed|penned)\s+{_ARTICLE}", re.I),
    re.compile(
        rf"\bwho (?:is|was) the (?:author|writer|reporter|journalist|correspondent) of {_ARTICLE}",
        re.I,
    ),
    re.compile(
        r"\b(?:which|what) (?:reporter|journalist|writer|author|correspondent)\b.*"
        rf"\b(?:wrote|write|reported|filed)\b.*{_ARTICLE}",
        re.I,
    ),
    re.compile(r"\bwhose byline\b|\bby ?line of\b", re.I),
]
#: Words of such questions that say what is asked, not which article it is about.
_ASKING = frozenset(
    terms(
        """
        when date day published posted written filed reported online dated updated appear
        come run old publication who wrote authored penned author writer reporter journalist
        correspondent byline article story report piece item post column feature coverage news
        page interview editorial dispatch blog
        """
    )
)
#: Share of the question's other words the article must hold to be the one it asks about.
TOPIC_SHARE = 0.6


def asks_about(question: str) -> str | None:
    """Whether `question` asks when an article was published ("published") or who wrote
    it ("author"); None when it asks anything else."""
    q = one_line(question)
    if any(p.search(q) for p in _PUBLISHED):
        return "published"
    if any(p.search(q) for p in _AUTHOR):
        return "author"
    return None


def _is_about(question: str, article: Passage, article_text: Callable[[Passage], str]) -> bool:
    topic = [t for t in terms(question) if t not in _ASKING]
    held = set(terms(f"{article.title} {article_text(article)}"))
    return sum(t in held for t in topic) >= TOPIC_SHARE * len(topic)


def _long_date(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def answer(
    question: str,
    query: str,
    retrieval: Retrieval,
    verifier: CitationVerifier,
    article_text: Callable[[Passage], str],
) -> Answer | None:
    """The answer from the metadata of the article asked about; None when the question is not
    about an article's date or author, or the article does not give it."""
    asked = asks_about(question)
    if asked is None or not retrieval.passages:
        return None
    top = retrieval.passages[0]
    value = top.meta.published if asked == "published" else top.meta.author
    if not value or not _is_about(question, top, article_text):
        return None
    shown = _long_date(value) if asked == "published" else value
    name = f"“{top.title}”" if top.title else top.source
    if top.meta.site:
        name += f" ({top.meta.site})"
    said = f"was published on {shown}" if asked == "published" else f"was written by {shown}"
    text = verifier.text_of(top.source)
    span = where(text, top.meta, asked) if text is not None else None
    citation = verifier.cite(1, top, *span) if span is not None else None
    if citation is None:
        return Answer(
            question,
            query,
            f"{name} {said}.",
            (),
            retrieval.passages,
            evidence=1.0,
            notice=f"From the metadata of {top.source}; no line of the article states it.",
            short_answer=shown,
        )
    return Answer(
        question,
        query,
        f"{name} {said}. [1]",
        (citation,),
        retrieval.passages,
        evidence=1.0,
        short_answer=shown,
    )

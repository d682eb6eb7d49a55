"""Who wrote an article, when and where it was published: from the page's metadata (HTML via
trafilatura and htmldate, Markdown front matter, PDF document information) and from the
article's own lines (a byline, a "Published 5 June 2022" line, a dateline). Never from the
file's modification time: a date is shown only where the article gives one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from qabot.domain import ARTICLE_FIELDS, ArticleMeta
from qabot.text import one_line

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_NAME = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+"
_DATE = re.compile(
    rf"(?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d)"
    rf"|(?:{_DAY_NAME})?(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?\s+(?P<m1>{_MONTH})\.?,?\s+(?P<y1>(?:19|20)\d\d)"
    rf"|(?:{_DAY_NAME})?(?P<m2>{_MONTH})\.?\s+(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d\d)",
    re.I,
)
#: Words around a date on a line that holds nothing else: times, zones, separators.
_DATE_LINE_REST = re.compile(
    r"^(?:[\s,|·•–—-]|\d{1,2}[:.]\d\d(?:\s?[ap]\.?m\.?)?|(?-i:[A-Z]{2,4})\b|[ap]m\b|at\b|on\b)*$",
    re.I,
)
_STAMP = re.compile(
    r"^(?P<what>(?:first\s+)?published|posted|(?:last\s+)?updated|date)(?:\s+on)?\s*:?\s+(?P<rest>.+)$",
    re.I,
)
_NAME_WORD = r"(?:[A-Z][\w'’.-]*|de|da|van|von|der|del|la|le|al|bin)"
_NAME = rf"[A-Z][\w'’.-]*(?:\s+{_NAME_WORD}){{0,5}}"
_BYLINE = re.compile(
    r"^(?:[Bb]y|[Ww]ritten by|[Aa]uthors?:|[Bb]yline:)\s+"
    rf"(?P<name>{_NAME}(?:\s*(?:,|and|&)\s+{_NAME})*?)\s*(?:$|[,|–—-]|\s+in\s+[A-Z])"
)
_AUTHOR_IN_STAMP = re.compile(rf"\bby\s+(?P<name>{_NAME}(?:\s+(?:and|&)\s+{_NAME})*)")
#: "LONDON, 5 June 2022 (Reuters) -": a dateline opening the first paragraph.
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z .'-]{2,40}),\s+(?P<date>[^()–—-]{6,40}?)\s*"
    r"(?:\((?P<agency>[^)]{2,30})\))?\s*[–—-]"
)
#: Lines read from the top of an article, looking for its byline and date.
HEAD_LINES = 15
#: A byline or date line is short.
_META_LINE_WORDS = 16


def parse_date(text: str) -> str:
    """The first full date written in `text` (ISO, "5 June 2022", "June 5, 2022"), as
    YYYY-MM-DD; "" when there is none."""
    for m in _DATE.finditer(text):
        if m.group("iso"):
            y, mo, d = (int(x) for x in m.group("iso").split("-"))
        else:
            d = int(m.group("d1") or m.group("d2"))
            mo = _MONTHS[(m.group("m1") or m.group("m2")).lower()]
            y = int(m.group("y1") or m.group("y2"))
        try:
            return date(y, mo, d).isoformat()
        except ValueError:
            continue
    return ""


def _only_date(line: str) -> str:
    """The date of a line that holds a date and nothing else ("Sunday 5 June 2022, 08:30")."""
    m = _DATE.search(line)
    if m is None or not _DATE_LINE_REST.match(line[: m.start()] + " " + line[m.end() :]):
        return ""
    return parse_date(m.group(0))


def _leading_date(text: str) -> str:
    """The date `text` opens with ("5 June 2022, by Staff Reporter", "on June 5, 2022 at
    10:15"; "figures show prices rose on 5 June 2022" opens with none)."""
    m = _DATE.search(text)
    if m is None or not _DATE_LINE_REST.match(text[: m.start()]):
        return ""
    return parse_date(m.group(0))


@dataclass(frozen=True)
class MetaLine:
    """A line of the text that gives the author or the date: `text[start:end]`."""

    start: int
    end: int
    author: str = ""
    published: str = ""
    updated: str = ""
    in_body: bool = False  # a dateline opening a paragraph: article text, not a meta line


def _head_lines(
    text: str, skip: Sequence[tuple[int, int]], limit: int
) -> list[tuple[int, int, str]]:
    """The first `limit` non-blank lines of `text` outside `skip`: (start, end, stripped)."""
    out: list[tuple[int, int, str]] = []
    skip = sorted(skip)
    pos = i = 0
    for raw in text.split("\n"):
        start, pos = pos, pos + len(raw) + 1
        while i < len(skip) and skip[i][1] <= start:
            i += 1
        stripped = raw.strip()
        if not stripped or (i < len(skip) and skip[i][0] < start + len(raw)):
            continue
        lead = len(raw) - len(raw.lstrip())
        out.append((start + lead, start + lead + len(stripped), stripped))
        if len(out) >= limit:
            break
    return out


def meta_lines(
    text: str, skip: Sequence[tuple[int, int]] = (), limit: int = HEAD_LINES
) -> list[MetaLine]:
    """The byline, date and dateline lines among the first lines of an article's `text`
    (lines overlapping `skip`, page boxes, are passed over)."""
    found: list[MetaLine] = []
    for start, end, line in _head_lines(text, skip, limit):
        if len(line.split()) > _META_LINE_WORDS:
            dateline = _DATELINE.match(line)
            if dateline and (day := parse_date(dateline.group("date"))):
                found.append(MetaLine(start, start + dateline.end(), published=day, in_body=True))
                break  # the body has begun
            continue
        stamp = _STAMP.match(line)
        if stamp and (day := _leading_date(stamp.group("rest"))):
            author = _AUTHOR_IN_STAMP.search(stamp.group("rest"))
            name = _clean_name(author.group("name")) if author else ""
            if "updated" in stamp.group("what").lower():
                found.append(MetaLine(start, end, name, updated=day))
            else:
                found.append(MetaLine(start, end, name, published=day))
            continue
        byline = _BYLINE.match(line)
        if byline:
            found.append(MetaLine(start, end, author=_clean_name(byline.group("name"))))
            continue
        if day := _only_date(line):
            found.append(MetaLine(start, end, published=day))
    return found


def _clean_name(name: str) -> str:
    return one_line(name.replace(" & ", " and ")).rstrip(".,")


def from_lines(lines: Sequence[MetaLine]) -> ArticleMeta:
    """The author and date the article's own lines give."""
    author = next((m.author for m in lines if m.author), "")
    published = next((m.published for m in lines if m.published), "")
    updated = next((m.updated for m in lines if m.updated), "")
    return ArticleMeta(author=author, published=published or updated)


def merged(primary: ArticleMeta, fallback: ArticleMeta) -> ArticleMeta:
    """`primary`, with its unknown fields taken from `fallback`."""
    return replace(
        primary,
        **{k: getattr(fallback, k) for k in ARTICLE_FIELDS if not getattr(primary, k)},
    )


def from_trafilatura(found: Any) -> tuple[ArticleMeta, str]:
    """(metadata, title) of a page as trafilatura's `bare_extraction` read it."""

    def field(name: str) -> str:
        return one_line(str(getattr(found, name, None) or ""))

    meta = ArticleMeta(
        author=field("author").replace("; ", ", "),
        published=parse_date(field("date")),
        site=field("sitename"),
        url=field("url"),
    )
    return meta, field("title")


def from_front_matter(lines: Sequence[str]) -> tuple[ArticleMeta, str]:
    """(metadata, title) from the `key: value` lines of Markdown front matter."""
    values: dict[str, str] = {}
    key = ""
    for line in lines:
        item = re.match(r"^\s+-\s+(.+)$", line)
        if item and key:  # a YAML list under the last key
            values[key] = ", ".join(v for v in (values.get(key, ""), _unquote(item.group(1))) if v)
            continue
        m = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$", line)
        if m:
            key = m.group(1).lower().replace("-", "_")
            value = m.group(2).strip()
            if value.startswith("[") and value.endswith("]"):
                value = ", ".join(_unquote(v) for v in value[1:-1].split(",") if v.strip())
            values[key] = _unquote(value)

    def first(*keys: str) -> str:
        return next((values[k] for k in keys if values.get(k)), "")

    meta = ArticleMeta(
        author=first("author", "authors", "byline", "creator"),
        published=parse_date(first("date", "published", "pubdate", "publishdate", "published_at")),
        site=first("site", "site_name", "sitename", "publication", "publisher", "source"),
        url=first("canonical_url", "canonical", "url", "link"),
    )
    return meta, first("title", "headline")


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return one_line(value)


def where(text: str, meta: ArticleMeta, what: str) -> tuple[int, int] | None:
    """The span of the line of `text` that states the article's date or author (`what`: a
    field of `ArticleMeta`), for a citation; None when no line states it (it came from the
    page's metadata). Every line is looked at: a page may open with many lines of links."""
    lines = meta_lines(text, limit=len(text))
    if what == "published":
        found = [m for m in lines if meta.published and meta.published in (m.published, m.updated)]
    else:
        found = [m for m in lines if meta.author and m.author and m.author in meta.author]
    return (found[0].start, found[0].end) if found else None

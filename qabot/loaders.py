"""Find, decode and clean article files into Documents whose offsets refer to the decoded file."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qabot.domain import Document, line_starts_of

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES

#: Lines that are web-page furniture, never article text (compared case-folded, stripped).
CHROME_LINES = {
    "accessibility links",
    "breaking news",
    "updated",
    "xs",
    "sm",
    "md",
    "lg",
    "xl",
    "skip to main content",
    "skip to content",
    "advertisement",
    "share",
    "share this article",
    "print",
    "email",
    "comments",
    "related",
    "related content",
    "see also",
    "menu",
    "search",
    "16x9 image",
    "image",
    "photo",
    "video",
    "to find out more, click here.",
    "click here",
    "read more",
    "more",
    "log in",
    "sign in",
    "subscribe",
    "close",
}
_BULLET = re.compile(r"^\s*[•·▪►]")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


class SkipFile(Exception):
    """A file that cannot become a Document; the message is the one-line reason."""


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM), else cp1252; rejects binary and undecodable bytes."""
    if not data.strip():
        raise SkipFile("empty file")
    if b"\x00" in data:
        raise SkipFile("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise SkipFile(f"undecodable as UTF-8 or cp1252 (byte {exc.start})") from None
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f")
    if controls > max(2, len(text) // 100):
        raise SkipFile("binary file (control characters)")
    return text


def _html_text(data: bytes) -> tuple[str, str]:
    import trafilatura

    html = decode_bytes(data)
    doc = trafilatura.bare_extraction(html, include_comments=False, include_tables=False)
    if doc is None or not getattr(doc, "text", None):
        raise SkipFile("no article text found in HTML")
    return doc.text, (doc.title or "")


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as exc:
        raise SkipFile(f"unreadable PDF ({exc.__class__.__name__})") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise SkipFile("PDF has no extractable text (scanned?)")
    return text


def read_source_text(path: Path) -> tuple[str, str, str]:
    """(text, html_title, file_hash) for a file: the text citations are checked against."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SkipFile(f"unsupported file type {suffix or '(none)'}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SkipFile(f"unreadable ({exc.strerror or exc.__class__.__name__})") from None
    digest = file_sha256(data)
    if suffix in HTML_SUFFIXES:
        if not data.strip():
            raise SkipFile("empty file")
        text, title = _html_text(data)
        return text, title, digest
    if suffix in PDF_SUFFIXES:
        if not data.strip():
            raise SkipFile("empty file")
        return _pdf_text(data), "", digest
    return decode_bytes(data), "", digest


def _norm(line: str) -> str:
    return " ".join(line.split()).casefold()


def _is_headline(line: str) -> bool:
    words = line.split()
    return 3 <= len(words) <= 25 and not _SENTENCE_END.search(line.strip())


def clean(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Split `text` into the headline and the content spans, dropping page chrome.

    Chrome: known furniture lines, bullet lines and everything after them (site footers),
    short label lines (three words or fewer without a full stop), and lines that occur more
    than once (photo captions). Spans are maximal runs of content lines, so a span may hold
    several paragraphs separated by blank lines but never a chrome line.
    """
    lines: list[tuple[int, int, str]] = []  # (start, end-without-newline, stripped text)
    pos = 0
    for raw in text.split("\n"):
        end = pos + len(raw)
        body = raw.rstrip("\r")
        lines.append((pos, pos + len(body), body.strip()))
        pos = end + 1
    counts = Counter(_norm(s) for _, _, s in lines if s)

    title = ""
    spans: list[tuple[int, int]] = []
    run_start: int | None = None
    run_end = 0
    body_started = False

    def close_run() -> None:
        nonlocal run_start
        if run_start is not None:
            spans.append((run_start, run_end))
            run_start = None

    for start, end, stripped in lines:
        if not stripped:
            continue  # blank lines do not break a run
        norm = _norm(stripped)
        chrome = (
            norm in CHROME_LINES
            or counts[norm] > 1
            or (body_started and _BULLET.match(stripped) is not None)
        )
        if body_started and _BULLET.match(stripped):
            close_run()
            break  # a bullet after the body starts the site footer
        if not chrome and not title and not body_started and _is_headline(stripped):
            title = stripped
            continue
        if not chrome and len(stripped.split()) <= 3 and not _SENTENCE_END.search(stripped):
            chrome = True
        if chrome:
            close_run()
            continue
        body_started = True
        # offsets of the stripped text within the raw line
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        if run_start is None:
            run_start = start + lead
        run_end = start + lead + len(stripped)
    close_run()
    return title, tuple(spans)


def load_document(path: Path, source: str) -> Document:
    """Read, decode and clean one file; raises SkipFile with the reason when it cannot."""
    text, html_title, digest = read_source_text(path)
    headline, spans = clean(text)
    if not spans:
        raise SkipFile("no article text after removing page chrome")
    title = html_title or headline or _title_from_text(text, spans) or _title_from_name(source)
    return Document(
        source=source,
        title=title,
        text=text,
        spans=spans,
        file_hash=digest,
        line_starts=line_starts_of(text),
    )


def _title_from_text(text: str, spans: tuple[tuple[int, int], ...], words: int = 10) -> str:
    """A title for an article without a headline: the opening words of its first line."""
    first = text[spans[0][0] : spans[0][1]].split("\n", 1)[0].split()
    return " ".join(first[:words]) + ("…" if len(first) > words else "")


def _title_from_name(source: str) -> str:
    stem = Path(source).stem
    return re.sub(r"[_\-]+", " ", stem).strip() or source


def iter_corpus_files(root: Path) -> Iterator[tuple[Path, str]]:
    """(path, source) for every file under `root`, sorted; hidden files and folders skipped."""
    if root.is_file():
        yield root, root.name
        return
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file():
            yield path, rel.as_posix()

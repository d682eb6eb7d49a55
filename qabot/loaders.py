"""Find, decode and clean article files into Documents whose offsets refer to the decoded file."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

from qabot import article_meta
from qabot.clutter import CHROME_LINES, clean, norm
from qabot.domain import ArticleMeta, Document
from qabot.html_text import html_text, non_article_blocks
from qabot.markdown_text import markdown_text
from qabot.pdf_text import PdfError, PdfText, pdf_text
from qabot.text import line_starts_of

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES
#: How files are read (text, line map, spans, metadata). Index records carry it, and a file
#: whose records an older version wrote is read again by the next ingest: bump it whenever
#: what reading a file gives changes.
READER_VERSION = "2"
#: What htmldate may take for a publication date: what the page says it first published,
#: looked for in its text too, with bounds that do not depend on this machine's clock.
_FULL_STOP = re.compile(r"(?<!\.)\.[\"'”’)]*$")
_DATE_PARAMS = {"original_date": True, "extensive_search": True, "max_date": "2099-12-31"}


class SkipFile(Exception):
    """A file that cannot become a Document; the message is the one-line reason."""


class Unreadable(SkipFile):
    """The file could not be read this time (gone, a folder now, no permission): a transient
    failure, so ingest keeps what the index already holds for it."""


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


#: Control characters (Unicode category Cc) but the whitespace ones: many mean binary data.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def count_controls(text: str) -> int:
    return sum(1 for _ in _CONTROL.finditer(text))  # a scan, not a copy: files may be large


def decode_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM), else cp1252; rejects binary and undecodable bytes.

    NUL bytes are rejected rather than dropped, since dropping them would shift every offset
    after them away from the file. Zero-width and bidi characters are kept (they are text);
    the index ignores them (`text.index_text`).
    """
    if not data.strip():
        raise SkipFile("empty file")
    if b"\x00" in data:
        if data.startswith(_UTF16_BOMS):
            raise SkipFile("UTF-16 text is not supported; save the file as UTF-8")
        raise SkipFile("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise SkipFile(f"undecodable as UTF-8 or cp1252 (byte {exc.start})") from None
    if count_controls(text) > max(2, len(text) // 100):
        raise SkipFile("binary file (control characters)")
    return text


@dataclass(frozen=True)
class SourceText:
    """A file's text as citations quote it (see `Document.text`), with the file's line (for a
    PDF, page) of every offset: what the citation check compares a quote with."""

    text: str
    line_starts: tuple[int, ...]


def read_file(path: Path) -> bytes:
    """The file's bytes; a failure to read is `Unreadable` (transient), not a bad file."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"unreadable ({exc.strerror or exc.__class__.__name__})") from None


def _suffix(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SkipFile(f"unsupported file type {suffix or '(none)'}")
    if suffix in HTML_SUFFIXES | PDF_SUFFIXES and not data.strip():
        raise SkipFile("empty file")
    return suffix


def _pdf(data: bytes) -> PdfText:
    try:
        pdf = pdf_text(data)
    except PdfError as exc:
        raise SkipFile(str(exc)) from None
    if not pdf.text:
        raise SkipFile("PDF has no extractable text (scanned?)")
    return pdf


def source_text(path: Path, data: bytes) -> SourceText:
    """The text of a file's bytes, already read, as citations quote it."""
    suffix = _suffix(path, data)
    if suffix in HTML_SUFFIXES:
        page = html_text(decode_bytes(data))
        return SourceText(page.text, page.line_starts)
    if suffix in PDF_SUFFIXES:
        pdf = _pdf(data)
        return SourceText(pdf.text, pdf.page_starts)
    text = decode_bytes(data)
    if suffix in MARKDOWN_SUFFIXES:
        text = markdown_text(text).text
    return SourceText(text, line_starts_of(text))


def load_document(path: Path, source: str, data: bytes | None = None) -> Document:
    """Read (unless `data` is given), decode and clean one file; SkipFile says why not."""
    data = read_file(path) if data is None else data
    suffix = _suffix(path, data)
    digest = file_sha256(data)
    title = ""
    meta = ArticleMeta()
    not_text: list[tuple[int, int]] = []  # what the format says is not article text
    boxes: list[tuple[int, int]] = []  # page furniture, where no byline or date is looked for
    if suffix in HTML_SUFFIXES:
        html = decode_bytes(data)
        page = html_text(html)
        found = _trafilatura(html)
        text, line_starts = page.text, page.line_starts
        not_text = non_article_blocks(page, str(getattr(found, "text", None) or ""))
        boxes = [(b.start, b.end) for b in page.blocks if b.in_box]
        meta, title = article_meta.from_trafilatura(found)
    elif suffix in PDF_SUFFIXES:
        pdf = _pdf(data)
        text, line_starts = pdf.text, pdf.page_starts
        published = pdf.created.date().isoformat() if pdf.created else ""
        meta, title = ArticleMeta(author=pdf.author, published=published), pdf.title
    else:
        text = decode_bytes(data)
        if suffix in MARKDOWN_SUFFIXES:
            md = markdown_text(text)
            text = md.text
            meta, title = article_meta.from_front_matter(md.front_matter)
            not_text = [(0, md.front_matter_end)] if md.front_matter_end else []
            if md.heading is not None:
                title = title or text[md.heading[0] : md.heading[1]]
                not_text.append(md.heading)
        line_starts = line_starts_of(text)
    found_lines = article_meta.meta_lines(text, boxes)
    own = article_meta.from_lines(found_lines)
    # A PDF's creation date is when the file was made: the article's own date comes first.
    if suffix in PDF_SUFFIXES:
        meta = article_meta.merged(own, meta)
    else:
        meta = article_meta.merged(meta, own)
    not_text += [(m.start, m.end) for m in found_lines if not m.in_body]
    headline, spans = clean(text, not_text)
    if not spans:
        raise SkipFile("no article text after removing page chrome")
    title = title or headline or ("" if suffix in HTML_SUFFIXES else _title_line(text, not_text))
    if suffix not in HTML_SUFFIXES:  # saved text keeps entities: "&#163;1.8m fine for Viacom"
        title = unescape(title)
    return Document(
        source=source,
        title=title,
        text=text,
        spans=spans,
        file_hash=digest,
        line_starts=line_starts,
        meta=meta,
    )


def _trafilatura(html: str) -> Any:
    """trafilatura's reading of a page: its main text and metadata (None if it found none)."""
    import trafilatura

    return trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        date_extraction_params=_DATE_PARAMS,
    )


def _title_line(text: str, not_text: list[tuple[int, int]], words: int = 25) -> str:
    """The first line of the text when it stands alone and short, as a headline does, though
    it may end like a question ("Could Yukos be a blessing in disguise?") or be a name
    ("Amazon rainforest"); "" when the text opens with a paragraph. Never a file name: a
    title is embedded with every passage, and a renamed file keeps its vectors."""
    start = len(text) - len(text.lstrip())
    first, _, rest = text[start:].partition("\n")
    first = first.strip()
    if (
        not first
        or len(first.split()) > words
        or rest.partition("\n")[0].strip()  # the line runs on
        or _FULL_STOP.search(first)
        or norm(first) in CHROME_LINES
        or any(s <= start < e for s, e in not_text)
    ):
        return ""
    return first

"""Find, decode and clean article files into Documents whose offsets refer to the decoded file."""

from __future__ import annotations

import codecs
import errno
import hashlib
import logging
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qabot import article_meta
from qabot.clutter import CHROME_LINES, clean, is_headline, norm
from qabot.domain import ArticleMeta, Document
from qabot.html_text import html_text, non_article_blocks
from qabot.markdown_text import markdown_text
from qabot.pdf_text import PdfError, PdfText, pdf_text
from qabot.text import PARAGRAPH_BREAK, line_starts_of

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


def _count_controls(text: str) -> int:
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
    if _count_controls(text) > max(2, len(text) // 100):
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
    return Document(
        source=source,
        title=title or headline or ("" if suffix in HTML_SUFFIXES else _title_line(text, not_text)),
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


def iter_corpus_files(
    root: Path, corpus_root: Path | None = None, skipped: list[Skipped] | None = None
) -> Iterator[tuple[Path, str]]:
    """(path, source) for every file under `root`, sorted; hidden files and folders skipped.

    `source` is relative to `corpus_root` (default `root`). What cannot be indexed is left
    out, and listed in `skipped` with the reason: a name that is not UTF-8 (it could not be
    stored or shown), a path too long to open, a link that leaves the corpus folder (its
    text could never be cited), a link to a folder (not followed, so no loops), a link loop,
    a dangling link, a FIFO, socket or device.
    """
    base = corpus_root or root
    if root.is_file():
        source = root.relative_to(base).as_posix() if root != base else root.name
        if _utf8(source):
            yield root, source
        elif skipped is not None:
            skipped.append(Skipped(shown_name(source), _BAD_NAME.format(kind="file")))
        return
    prefix = root.relative_to(base).as_posix()
    yield from _walk(root, "" if prefix == "." else prefix + "/", base.resolve(), skipped)


def _walk(
    folder: Path, prefix: str, real_root: Path, skipped: list[Skipped] | None
) -> Iterator[tuple[Path, str]]:
    def skip(source: str, reason: str) -> None:
        if skipped is not None:
            skipped.append(Skipped(shown_name(source), reason))

    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        skip(prefix or ".", _os_reason(exc, "folder"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        source = prefix + entry.name
        path = folder / entry.name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            reason = _link_problem(path, real_root) if entry.is_symlink() else None
            mode = path.stat().st_mode if reason is None and not is_dir else 0
        except OSError as exc:
            skip(source, _os_reason(exc, "file"))
            continue
        if not _utf8(entry.name):
            skip(source, _BAD_NAME.format(kind="folder" if is_dir else "file"))
        elif reason is not None:
            skip(source, reason)
        elif is_dir:
            yield from _walk(path, source + "/", real_root, skipped)
        elif stat.S_ISREG(mode):
            yield path, source
        else:
            skip(source, f"not a regular file ({_KINDS.get(stat.S_IFMT(mode), 'special file')})")


_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def _link_problem(link: Path, real_root: Path) -> str | None:
    """Why a symbolic link is not followed, or None for a link to a file in the corpus."""
    try:
        target = link.resolve(strict=True)
    except FileNotFoundError:
        return "dangling link (its target does not exist)"
    except RuntimeError:  # Python 3.11 reports a loop so; later versions raise ELOOP
        return "link loop"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "link loop"
        raise
    if not target.is_relative_to(real_root):
        return "link leads outside the corpus folder (not followed)"
    if target.is_dir():
        return "link to a folder (not followed)"
    return None


_BAD_NAME = "{kind} name is not valid UTF-8; rename the {kind}"


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in a file name become lone surrogates
        return False
    return True


def shown_name(source: str) -> str:
    """A file name as it can be printed: undecodable bytes become U+FFFD."""
    return source.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _os_reason(exc: OSError, kind: str) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return f"path too long to open (over PATH_MAX); move the {kind} nearer the corpus root"
    return f"unreadable {kind} ({exc.strerror or exc.__class__.__name__})"


# --- big plain-text files, read in windows ---------------------------------------------------
#: Bytes read at a time from a big file.
STREAM_BLOCK = 1 << 20
#: Most characters in one window of a big file (a window ends at a paragraph break if it can).
WINDOW_CHARS = 1 << 20


@dataclass(frozen=True)
class TextWindow:
    """A piece of a big file: `text` starts at character `char_offset` of the decoded file,
    after `line_offset` newlines; `bytes_read` says how far the reader has got."""

    text: str
    char_offset: int
    line_offset: int
    bytes_read: int


def _open(path: Path):  # type: ignore[no-untyped-def]
    try:
        return path.open("rb")
    except OSError as exc:
        raise Unreadable(f"unreadable ({exc.strerror or exc.__class__.__name__})") from None


def _blocks(path: Path) -> Iterator[bytes]:
    with _open(path) as f:
        while block := f.read(STREAM_BLOCK):
            yield block


def _check_decodes(path: Path, encoding: str) -> tuple[str, bool, int, int]:
    """(sha256, non-blank, characters, control characters) of `path` decoded as `encoding`."""
    h = hashlib.sha256()
    decoder = codecs.getincrementaldecoder(encoding)()
    nonblank = False
    chars = controls = 0
    for block in _blocks(path):
        h.update(block)
        if b"\x00" in block:
            raise SkipFile("binary file (contains NUL bytes)")
        text = decoder.decode(block)
        nonblank = nonblank or bool(text.strip())
        chars += len(text)
        controls += _count_controls(text)
    decoder.decode(b"", final=True)
    return h.hexdigest(), nonblank, chars, controls


def scan_big_text(path: Path) -> tuple[str, str]:
    """(file_hash, encoding) of a big text file, read in blocks; the checks of `decode_bytes`."""
    try:
        digest, nonblank, chars, controls = _check_decodes(path, "utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        try:
            digest, nonblank, chars, controls = _check_decodes(path, "cp1252")
        except UnicodeDecodeError as exc:
            raise SkipFile(f"undecodable as UTF-8 or cp1252 (byte {exc.start})") from None
        encoding = "cp1252"
    if not nonblank:
        raise SkipFile("empty file")
    if controls > max(2, chars // 100):
        raise SkipFile("binary file (control characters)")
    return digest, encoding


def _cut(buf: str, limit: int) -> int:
    """Where to end a window of `buf`: the last paragraph break before `limit`, else the last
    line end, else the last space, else `limit`."""
    last = None
    for match in PARAGRAPH_BREAK.finditer(buf, limit // 2, limit):
        last = match
    if last is not None:
        return last.end()
    for sep in ("\n", " "):
        at = buf.rfind(sep, 0, limit)
        if at > 0:
            return at + 1
    return limit


def iter_windows(
    path: Path, encoding: str, window_chars: int = WINDOW_CHARS
) -> Iterator[TextWindow]:
    """The decoded text of a big file in windows that end at paragraph breaks.

    The cuts depend only on the text, so the same file always gives the same windows (and so
    the same passage ids).
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    buf = ""
    char_offset = line_offset = read = 0
    blocks = _blocks(path)
    while True:
        block = next(blocks, b"")
        read += len(block)
        buf += decoder.decode(block, final=not block)
        while buf and (len(buf) >= window_chars or not block):
            cut = _cut(buf, window_chars) if len(buf) >= window_chars else len(buf)
            piece, buf = buf[:cut], buf[cut:]
            yield TextWindow(piece, char_offset, line_offset, read)
            char_offset += len(piece)
            line_offset += piece.count("\n")
        if not block:
            return


def window_document(window: TextWindow, source: str, title: str, file_hash: str) -> Document:
    """A window as a Document in window coordinates: one span of all its non-blank text.

    Big files get no page-chrome removal (that needs the whole file); they are taken as text.
    """
    text = window.text
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    spans = ((start, end),) if end > start else ()
    return Document(
        source=source,
        title=title,
        text=text,
        spans=spans,
        file_hash=file_hash,
        line_starts=line_starts_of(text),
    )


def big_file_title(window: TextWindow) -> str:
    """The first line of a big file if it reads as a headline, else none."""
    first = next((line.strip() for line in window.text.split("\n") if line.strip()), "")
    return first if is_headline(first) else ""

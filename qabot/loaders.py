"""Find, decode and clean article files into Documents whose offsets refer to the decoded file."""

from __future__ import annotations

import codecs
import errno
import hashlib
import logging
import os
import re
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qabot.domain import Document
from qabot.text import PARAGRAPH_BREAK, line_starts_of

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


def _html_text(data: bytes) -> tuple[str, str]:
    import trafilatura

    html = decode_bytes(data)
    doc = trafilatura.bare_extraction(html, include_comments=False, include_tables=False)
    text = getattr(doc, "text", None)
    if not text:
        raise SkipFile("no article text found in HTML")
    return str(text), str(getattr(doc, "title", None) or "")


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
    return decode_source(path, read_file(path))


def read_file(path: Path) -> bytes:
    """The file's bytes; a failure to read is `Unreadable` (transient), not a bad file."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"unreadable ({exc.strerror or exc.__class__.__name__})") from None


def decode_source(path: Path, data: bytes) -> tuple[str, str, str]:
    """(text, html_title, file_hash) of a file's bytes, already read."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SkipFile(f"unsupported file type {suffix or '(none)'}")
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


def load_document(path: Path, source: str, data: bytes | None = None) -> Document:
    """Read (unless `data` is given), decode and clean one file; SkipFile says why not."""
    text, html_title, digest = read_source_text(path) if data is None else decode_source(path, data)
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


def big_file_title(window: TextWindow, source: str) -> str:
    """The first line of a big file if it reads as a headline, else a title from its name."""
    first = next((line.strip() for line in window.text.split("\n") if line.strip()), "")
    return first if _is_headline(first) else _title_from_name(source)

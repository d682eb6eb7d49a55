"""Big plain-text files, read and decoded in windows so that memory stays bounded."""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qabot.clutter import is_headline
from qabot.domain import Document
from qabot.loaders import SkipFile, Unreadable, count_controls
from qabot.text import PARAGRAPH_BREAK, line_starts_of

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
        controls += count_controls(text)
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

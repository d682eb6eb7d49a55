"""Citations are checked, not hoped: quotes must occur verbatim in the file at their offsets."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qabot.domain import Citation, Passage
from qabot.loaders import SkipFile, file_sha256, read_file, source_text
from qabot.text import line_of

logger = logging.getLogger(__name__)


class CitationVerifier:
    """Checks a citation against the current bytes of its source file under `corpus_dir`.

    Every check reads the file (articles are small): a decoded text is reused only while the
    file's bytes hash the same, since size and mtime say nothing when an edit keeps the size
    and restores the mtime. Inside `reading_once()` (one question) a file is read only once.
    The text is the file's text as citations quote it (`loaders.source_text`: for HTML,
    Markdown and PDF the text a reader sees), and the lines are the file's (a PDF's pages).
    """

    def __init__(self, corpus_dir: Path) -> None:
        self.corpus_dir = corpus_dir.resolve()
        self._cache: dict[str, tuple[str, str, tuple[int, ...]]] = {}
        self._lock = threading.Lock()
        self._question = threading.local()

    @contextmanager
    def reading_once(self) -> Iterator[None]:
        """Within the block, in this thread, each file is read and hashed once: the checks of
        one question all see the same bytes, and a large file is not read again per passage."""
        if getattr(self._question, "read", None) is not None:
            yield  # already inside a question
            return
        self._question.read = {}
        try:
            yield
        finally:
            self._question.read = None

    def _text(self, source: str) -> tuple[str, tuple[int, ...]] | None:
        read: dict[str, tuple[str, tuple[int, ...]] | None] | None = getattr(
            self._question, "read", None
        )
        if read is None:
            return self._read(source)
        if source not in read:
            read[source] = self._read(source)
        return read[source]

    def _read(self, source: str) -> tuple[str, tuple[int, ...]] | None:
        path = (self.corpus_dir / source).resolve()
        if not path.is_relative_to(self.corpus_dir):
            return None
        try:
            data = read_file(path)
        except SkipFile:
            return None
        digest = file_sha256(data)
        with self._lock:
            hit = self._cache.get(source)
        if hit is not None and hit[0] == digest:
            return hit[1], hit[2]
        try:
            got = source_text(path, data)
        except SkipFile:
            return None
        text, starts = got.text, got.line_starts
        with self._lock:
            self._cache[source] = (digest, text, starts)
        return text, starts

    def holds(self, passage: Passage) -> bool:
        """True when the passage is still the text of its file there, so it can be cited."""
        got = self._text(passage.source)
        return got is not None and got[0][passage.start_char : passage.end_char] == passage.text

    def text_of(self, source: str) -> str | None:
        """The current text of `source` as citations quote it; None if it cannot be read."""
        got = self._text(source)
        return got[0] if got is not None else None

    def cite(self, n: int, passage: Passage, start: int, end: int) -> Citation | None:
        """Citation `[n]` of characters `start:end` of the passage's file, with the file's
        lines; None unless it verifies. Within the passage the quote is the passage's own
        text (so a file changed since it was indexed fails the check); outside it (a byline,
        a date line) the quote is the file's text, and the citation names no passage."""
        got = self._text(passage.source)
        if got is None or not 0 <= start < end:
            return None
        inside = passage.start_char <= start and end <= passage.end_char
        lo = start - passage.start_char
        citation = Citation(
            n=n,
            source=passage.source,
            title=passage.title,
            start_line=line_of(got[1], start),
            end_line=line_of(got[1], end - 1),
            start_char=start,
            end_char=end,
            quote=passage.text[lo : lo + end - start] if inside else got[0][start:end],
            passage_id=passage.id if inside else "",
            also_in=passage.also_in if inside else (),
            meta=passage.meta,
        )
        return citation if self.verify(citation) else None

    def verify(self, citation: Citation) -> bool:
        """True when the quote is exactly the file's text at its span and line numbers."""
        got = self._text(citation.source)
        if got is None or not citation.quote:
            return False
        text, starts = got
        if text[citation.start_char : citation.end_char] != citation.quote:
            return False
        return (
            line_of(starts, citation.start_char) == citation.start_line
            and line_of(starts, citation.end_char - 1) == citation.end_line
        )

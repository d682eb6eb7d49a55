"""A PDF as text with page numbers: the text of its pages (pypdf), and where each page starts,
so that a citation names the page (`report.pdf p. 3`); PDF lines mean nothing to a reader."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

#: Pages of the text are separated by a blank line (a paragraph break).
PAGE_BREAK = "\n\n"


class PdfError(ValueError):
    """A PDF whose text cannot be read; says why in a few words."""


@dataclass(frozen=True)
class PdfText:
    text: str
    #: `page_starts[n - 1]` is the offset of `text` where page n begins (`Document.line_of`
    #: then gives the page of an offset). An empty page starts where the next one does.
    page_starts: tuple[int, ...]
    title: str = ""
    author: str = ""
    created: datetime | None = None


def pdf_text(data: bytes) -> PdfText:
    """The text of every page of a PDF, with its document information."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        info = reader.metadata
        title = (info.title or "") if info else ""
        author = (info.author or "") if info else ""
        try:
            created = info.creation_date if info else None
        except ValueError:  # a date pypdf cannot parse: unknown
            created = None
    except (PdfReadError, ValueError, KeyError) as exc:
        raise PdfError(f"unreadable PDF ({exc.__class__.__name__})") from None
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for page in pages:
        if page and parts:
            offset += len(PAGE_BREAK)
            parts.append(PAGE_BREAK)
        starts.append(offset)
        if page:
            parts.append(page)
            offset += len(page)
    return PdfText("".join(parts), tuple(starts), str(title).strip(), str(author).strip(), created)

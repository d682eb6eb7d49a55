"""An HTML page as text with true line numbers: its visible text, one block (paragraph,
heading, list item) per paragraph, every character mapped to the line of the HTML file where
it stands, and the blocks that sit in page boxes (navigation, "Most read", share bars, cookie
and subscription notes) marked as such.

The text is what citations quote, and the citation check extracts it again, so it depends on
the file's bytes alone: Python's own HTML tokenizer, no guessing. Which blocks are article
text is decided at ingest (`qabot.loaders`), where trafilatura's reading of the page helps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

from qabot.clutter import is_box

#: Elements whose content is never shown as text.
_HIDDEN = frozenset(
    """
    head title script style noscript template svg math iframe object canvas select textarea
    """.split()  # noqa: SIM905 - a word list reads better as prose
)
#: Elements that start and end a block of text.
_BLOCK = frozenset(
    """
    address article aside blockquote body br dd details dialog div dl dt fieldset figcaption
    figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table
    tbody td tfoot th thead tr ul html caption legend menu
    """.split()  # noqa: SIM905 - a word list reads better as prose
)
#: Elements that have no end tag.
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()  # noqa: SIM905
)
_SPACE = re.compile(r"\s+")
_PIECE = re.compile(r"\s+|\S+")
#: Blocks end with a blank line: a paragraph break for the sentence splitter and the cleaner.
BLOCK_BREAK = "\n\n"


@dataclass(frozen=True)
class Block:
    """One block of visible text: `text[start:end]` of the page's text."""

    start: int
    end: int
    in_box: bool  # inside a page box (navigation, related links, cookie note, ...)


@dataclass(frozen=True)
class HtmlText:
    text: str
    #: `line_starts[n - 1]` is the first offset of `text` that stands on line n of the file or
    #: later, so `Document.line_of` gives the file's line for any offset.
    line_starts: tuple[int, ...]
    blocks: tuple[Block, ...]


class _Reader(HTMLParser):
    """Collects visible text with the source line of every character."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, hidden, box)
        self.chars: list[str] = []  # the text so far
        self.lines: list[int] = []  # the file's line of each character of `chars`
        self.blocks: list[Block] = []
        self.block_start = 0
        self.pending_space = False

    # --- state of the open elements ---------------------------------------------------
    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def _box(self) -> bool:
        return bool(self.stack) and self.stack[-1][2]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self._end_block()
        if tag in _VOID:
            return
        values = {k: v or "" for k, v in attrs}
        hidden = (
            self._hidden()
            or tag in _HIDDEN
            or "hidden" in values
            or values.get("aria-hidden") == "true"
            or "display:none" in values.get("style", "").replace(" ", "")
        )
        self.stack.append((tag, hidden, self._box() or is_box(tag, values)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self._end_block()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                if tag in _BLOCK or any(t in _BLOCK for t, _, _ in self.stack[i:]):
                    self._end_block()
                del self.stack[i:]
                return
        # an end tag without its start: ignored, as browsers do

    # --- text --------------------------------------------------------------------------
    def handle_data(self, data: str) -> None:
        if self._hidden():
            return
        line = self.getpos()[0]
        for piece in _PIECE.finditer(data):
            text = piece.group(0)
            if text.isspace():
                self.pending_space = True
                line += text.count("\n")
            else:
                self._emit(text, line)

    def handle_entityref(self, name: str) -> None:
        self._reference(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._reference(f"&#{name};")

    def _reference(self, raw: str) -> None:
        if self._hidden():
            return
        text = unescape(raw)
        if text.isspace():  # &nbsp; and friends: a space like any other
            self.pending_space = True
        else:
            self._emit(_SPACE.sub(" ", text), self.getpos()[0])

    def _emit(self, text: str, line: int) -> None:
        if self.pending_space and len(self.chars) > self.block_start:
            self.chars.append(" ")
            self.lines.append(self.lines[-1])
        self.pending_space = False
        self.chars.extend(text)
        self.lines.extend([line] * len(text))

    def _end_block(self) -> None:
        self.pending_space = False
        if len(self.chars) > self.block_start:
            self.blocks.append(Block(self.block_start, len(self.chars), self._box()))
            self.chars.extend(BLOCK_BREAK)
            self.lines.extend([self.lines[-1]] * len(BLOCK_BREAK))
            self.block_start = len(self.chars)

    def close(self) -> None:
        super().close()
        self._end_block()


def html_text(html: str) -> HtmlText:
    """The visible text of `html`, block by block, with the file's line of every character."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    text = "".join(reader.chars)
    if text.endswith(BLOCK_BREAK):
        text = text[: -len(BLOCK_BREAK)]
    return HtmlText(text, _line_starts(reader.lines[: len(text)]), tuple(reader.blocks))


def _line_starts(lines: list[int]) -> tuple[int, ...]:
    """For each line n of the file, the first offset whose line is n or later (lines of the
    text never go back: the tokenizer reads the file in order)."""
    starts: list[int] = []
    for offset, line in enumerate(lines):
        while len(starts) < line:
            starts.append(offset)
    return tuple(starts)


_NOT_WORD = re.compile(r"\W+")


def _key(text: str) -> str:
    """Text compared without spaces and punctuation (extractors join inline markup
    differently)."""
    return _NOT_WORD.sub("", text).casefold()


def non_article_blocks(page: HtmlText, main_text: str) -> list[tuple[int, int]]:
    """The spans of the blocks of `page` that are not article text: those in page boxes and,
    when trafilatura found the article (`main_text`), those it left out of it."""
    main = _key(main_text)
    main_lines = {_key(line) for line in main_text.split("\n")}

    def in_main(block: Block) -> bool:
        key = _key(page.text[block.start : block.end])
        return key in main_lines or (len(key) >= 12 and key in main)

    candidates = [b for b in page.blocks if not b.in_box and _key(page.text[b.start : b.end])]
    kept = [b for b in candidates if in_main(b)] if main else candidates
    keep = set(kept or candidates)
    return [(b.start, b.end) for b in page.blocks if b not in keep]

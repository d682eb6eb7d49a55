"""Text as qabot reads it: sentences and paragraphs, one-line text, the one tokenizer, `[n]`
citation markers, line numbers, and what is embedded and indexed for a passage.

Offsets always refer to the text as given (a file's decoded text), never to a normalised copy.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache


def one_line(text: str) -> str:
    """`text` with every run of whitespace, newlines too, as one space, and none at the ends."""
    return " ".join(text.split())


# --- sentences and paragraphs ----------------------------------------------------------------
_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st gen col lt sgt capt gov sen rep rev hon pres vs etc inc ltd
    co corp no jan feb mar apr jun jul aug sep sept oct nov dec mt ft fig approx dept est
    e.g i.e u.s u.k u.n a.m p.m
    """.split()  # noqa: SIM905 - a word list reads better as prose
)
# A candidate end: terminal punctuation, closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_NEXT_START = re.compile(r"\s+[\"'“‘(\[]?[A-Z0-9]")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of `text[start:end]`, whitespace trimmed.

    Paragraph breaks (a blank line) always end a sentence; a full stop ends one unless it
    follows a known abbreviation or a single initial, or the next word is lower case.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for para_start, para_end in _paragraphs(text, start, end):
        sent_start = para_start
        for match in _BOUNDARY.finditer(text, para_start, para_end):
            stop = match.end()
            if not _NEXT_START.match(text, stop, para_end):
                continue
            if match.group(0).startswith(".") and _is_abbreviation(text, sent_start, match.start()):
                continue
            spans.append((sent_start, stop))
            sent_start = _skip_space(text, stop, para_end)
        if sent_start < para_end:
            spans.append((sent_start, para_end))
    return spans


#: A blank line (spaces allowed): the end of a paragraph.
PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n")


def _paragraphs(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Spans of the paragraphs (separated by blank lines) of text[start:end], trimmed.

    Linear in the length of the text, however long its runs of white space.
    """
    pos = start
    for brk in [*PARAGRAPH_BREAK.finditer(text, start, end), None]:
        stop = brk.start() if brk is not None else end
        lo, hi = pos, stop
        while lo < hi and text[lo].isspace():
            lo += 1
        while hi > lo and text[hi - 1].isspace():
            hi -= 1
        if lo < hi:
            yield lo, hi
        if brk is not None:
            pos = brk.end()


def _skip_space(text: str, pos: int, end: int) -> int:
    while pos < end and text[pos].isspace():
        pos += 1
    return pos


def _is_abbreviation(text: str, sent_start: int, dot: int) -> bool:
    word_start = dot
    while word_start > sent_start and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:dot].strip("\"'“‘(").lower()
    if len(word) == 1 and word.isalpha():
        return True  # an initial, as in "John F. Kennedy"
    return word in _ABBREVIATIONS or word.rstrip(".") in _ABBREVIATIONS


# --- the tokenizer ---------------------------------------------------------------------------
#: A word: two or more word characters (bm25s's default pattern).
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
STOPWORDS = frozenset(
    """
    a an and are as at be been but by can could did do does done for from had has have he
    her him his how i if in into is it its just may me might my no not of on or our out over
    she should so such than that the their them then there these they this those to too up
    us was we were what when where which while who whom whose why will with would you your
    about after also any because before being both each few more most much other same some
    very s t tell say said says know
    """.split()  # noqa: SIM905 - a word list reads better as prose
)

#: Invisible format characters (zero-width spaces and joiners, soft hyphens, bidi controls):
#: kept in passage text, which must match the file, but left out of what is embedded and
#: indexed, where they would split words ("Sho\u200bigu" must still match "Shoigu").
_INVISIBLE = {
    c: None
    for c in range(0x10000)  # the basic plane holds all the common ones; fast to build
    if unicodedata.category(chr(c)) == "Cf"
}


def index_text(text: str) -> str:
    """`text` without invisible format characters."""
    return text.translate(_INVISIBLE) if not text.isascii() else text


def unaccented(text: str) -> str:
    """`text` without accents: "Céloron" as "Celoron", the way a question may spell it."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


Stem = Callable[[str], str]


@lru_cache(maxsize=1)
def _stemmer() -> Stem:
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    return lru_cache(maxsize=65536)(stemmer.stemWord)


def terms(text: str, stopwords: frozenset[str] = STOPWORDS) -> list[str]:
    """Lower-cased, stemmed content words of `text`, in order: the one tokenizer, used to
    index and query BM25 and to compare questions with sentences."""
    stem = _stemmer()
    return [stem(w) for w in _TOKEN.findall(index_text(text).lower()) if w not in stopwords]


@lru_cache(maxsize=8192)
def term_spans(text: str) -> tuple[tuple[str, int, int], ...]:
    """(stemmed term, start, end) for each content word of `text`: `terms` with offsets
    (remembered: the sentence scorer reads most sentences twice a question)."""
    stem = _stemmer()
    return tuple(
        (stem(w), m.start(), m.end())
        for m in _TOKEN.finditer(text)
        if (w := m.group(0).lower()) not in STOPWORDS
    )


def indexed_text(title: str, text: str, title_words: int = 24) -> str:
    """What is embedded and indexed for a passage: its title (shortened), then its text."""
    head = " ".join(title.split()[:title_words])
    return index_text(f"{head}\n{text}" if head else text)


def text_hash(title: str, text: str) -> str:
    """The hash of a passage's `indexed_text`: passages with the same one share a vector."""
    return hashlib.sha1(indexed_text(title, text).encode()).hexdigest()


# --- citation markers ------------------------------------------------------------------------
#: `[n]`, the one form of citation marker in an answer's text (n = 1..999).
MARKER = re.compile(r"\[(\d{1,3})\]")


# --- line numbers ----------------------------------------------------------------------------
def line_starts_of(text: str) -> tuple[int, ...]:
    """Offsets at which each line of `text` begins (only `\\n` ends a line)."""
    starts = [0]
    pos = text.find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return tuple(starts)


def line_of(starts: tuple[int, ...], offset: int) -> int:
    """The 1-based line holding character `offset`, given the text's `line_starts_of`."""
    return bisect.bisect_right(starts, offset)


def line_label(start_line: int, end_line: int) -> str:
    """Lines as a citation names them: `12`, or `12-14`."""
    return f"{start_line}" if start_line == end_line else f"{start_line}-{end_line}"

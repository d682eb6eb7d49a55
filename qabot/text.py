"""Word-level text helpers shared by answering and follow-up detection: one tokenizer."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

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


Stem = Callable[[str], str]


@lru_cache(maxsize=1)
def _stemmer() -> Stem:
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    return lru_cache(maxsize=65536)(stemmer.stemWord)


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed content words of `text`, in order."""
    stem = _stemmer()
    # The same word pattern as the BM25 index (bm25s), so idf look-ups line up.
    return [stem(w) for w in _TOKEN.findall(index_text(text).lower()) if w not in STOPWORDS]


def term_spans(text: str) -> list[tuple[str, int, int]]:
    """(stemmed term, start, end) for each content word of `text`."""
    stem = _stemmer()
    return [
        (stem(w), m.start(), m.end())
        for m in _TOKEN.finditer(text)
        if (w := m.group(0).lower()) not in STOPWORDS
    ]

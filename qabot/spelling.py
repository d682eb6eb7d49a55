"""A word of the question that is in no dictionary, put right to a word the corpus writes.

A chat user mistypes ("Parmaalt", "governmnet"). The names a question is about are what the
answerability check holds a story to, so one slip cost more than any other way of typing: on
the BBC dev set with one slip in a long word of each question, answer_hit fell from 0.833 to
0.710 and false refusals rose from 4.3% to 14.2% (0.821 and 5.6% with this module). A word is
put right only when neither the corpus nor an English word list (pyspellchecker's) knows it,
to the word one slip away (a letter left out, added, swapped with the next, or changed to a
key beside it) that the corpus writes most often. A name the corpus lacks stays as typed
unless it is one slip from a word the corpus writes in names. The answer says what was read
otherwise ("Read “Parmaalt” as “Parmalat”.")."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Collection, Mapping
from functools import cache

SHORTEST = 4  # letters; shorter words are left alone: too many words are one slip apart
#: a word of letters alone, not part of a hyphenated or numbered one ("Parmaalt's": "Parmaalt")
_WORD = re.compile(r"(?<![\w'’-])[A-Za-z]+(?=['’][sS]\b|[^\w'’-]|$)")
_LETTERS = string.ascii_lowercase


@cache
def _dictionary() -> frozenset[str]:
    """English words (pyspellchecker's list of about 160,000, names among them)."""
    from spellchecker import SpellChecker

    return frozenset(SpellChecker(language="en", distance=1).word_frequency.dictionary)


#: the keys beside each letter on a QWERTY keyboard: a letter typed for it is one of them
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
KEYS_BESIDE = {
    c: "".join(
        other[j]
        for r2, other in enumerate(_ROWS)
        if abs(r2 - r) <= 1
        for j in range(max(0, i - 1), min(len(other), i + 2))
        if other[j] != c
    )
    for r, row in enumerate(_ROWS)
    for i, c in enumerate(row)
}


def _slips(word: str) -> set[str]:
    """Every string one slip from `word`: a letter left out, one added, two swapped, or one
    changed to a key beside it (in a word of 5 letters or more: "Burj" is not "Burt"). A last
    letter left out or added is an ending, not a slip ("smartphone", "Grammys")."""
    halves = [(word[:i], word[i:]) for i in range(len(word))]
    changed = len(word) >= SHORTEST + 1
    return {
        *(a + b[1:] for a, b in halves if len(b) > 1),
        *(a + b[1] + b[0] + b[2:] for a, b in halves if len(b) > 1),
        *(a + c + b[1:] for a, b in halves if changed for c in KEYS_BESIDE.get(b[0], "")),
        *(a + c + b for a, b in halves for c in _LETTERS),
    }


#: British endings the dictionary, which is American, writes otherwise ("serialise",
#: "colour"); not "-tre": "Cartre" is not a British "Carter", and a "metre" put right to the
#: corpus's "meter" means the same
_BRITISH = re.compile(r"is(e|ed|es|ing|ation|ations)$|our(s|ed|ing|ite|ites)?$")


def _american(word: str) -> tuple[str, ...]:
    """`word`, and as American English writes it when it has a British ending."""
    m = _BRITISH.search(word)
    if m is None:
        return (word,)
    base, end = word[: m.start()], m.group(0)
    if end.startswith("is"):
        return word, base + "iz" + end[2:]
    return word, base + "or" + end[3:]


class Speller:
    """Puts right what a question mistypes, from how often the corpus writes each word."""

    def __init__(
        self,
        counts: Counter[str],
        names: Collection[str] = (),
        forms: Mapping[str, str] | None = None,
    ) -> None:
        #: lower-case word -> how often the corpus writes it
        self.counts = counts
        #: the lower-case words the corpus writes as names, or in them ("parmalat",
        #: "gambling"): a word typed as a name is a slip of one of them or of none (the
        #: carmaker "Geely" is not "geeky")
        self.names = names
        #: lower-case word -> how the corpus writes it when it capitalises it ("McDonald")
        self.forms = forms or {}
        self.dictionary = _dictionary()

    def known(self, word: str) -> bool:
        w = word.lower()
        return w in self.counts or any(v in self.dictionary for v in _american(w))

    def meant(self, word: str, first: bool = False) -> str | None:
        """The corpus's word that `word` mistypes, or None when it is a word or nothing
        near one. The `first` word of a question has its capital as any first word has."""
        cased = word.islower() or word.istitle() or word.isupper()
        if len(word) < SHORTEST or not cased or self.known(word):
            return None  # short, written as a name is ("McLaren"), or a word
        words = self.names if word.istitle() and not first else self.counts
        near = [(self.counts[w], w) for w in _slips(word.lower()) if w in words]
        if not near:
            return None
        best = max(near)[1]
        if word.isupper():
            return best.upper()
        if word[0].isupper():
            return self.forms.get(best) or best.capitalize()
        return best

    def correct(self, question: str) -> tuple[str, dict[str, str]]:
        """`question` with its mistyped words put right, and what was put right."""
        fixed: dict[str, str] = {}

        def right(m: re.Match[str]) -> str:
            word = m.group(0)
            meant = self.meant(word, first=not question[: m.start()].strip())
            if meant is None:
                return word
            fixed[word] = meant
            return meant

        return _WORD.sub(right, question), fixed

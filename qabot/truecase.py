"""Capitals given back to a question typed without them, as the corpus writes its words.

Much of qabot reads capitals: the names a question is about (what the answerability check
holds a story to), whether a follow-up names its own subject, which words of a sentence are a
name. A chat user often types none ("who did pernod ricard try to buy?"). On the BBC dev set
typed in lower case, answer_hit fell from 0.833 to 0.809 and refusal recall from 0.804 to
0.717; written back as the corpus writes its words, 0.833 and 0.761. A question with any
capital after its first letter is taken as written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from qabot.text import unaccented

CAPITALISED = 3  # how many times more often a word is written capitalised than not, at least
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*")
_POSSESSIVE = re.compile(r"['’]s$")
#: what comes before a word that a sentence, a quote or a heading starts with, capitalised
#: whatever it is
_STARTS_AFTER = frozenset(".!?:;\"“”‘'(")
#: a line with more of its words capitalised than this, and not ended as a sentence is, is a
#: heading
_HEADING = 0.5
_PROSE_END = re.compile(r"[.!?][\"'”’)]*\s*$")


def uncased(text: str) -> bool:
    """Whether `text` has no capital after its first letter (nor, in capitals, any small one:
    "WHO WON THE CUP?" is typed without case too)."""
    return not any(c.isupper() for c in text[1:]) or not any(c.islower() for c in text)


class Truecaser:
    """How a corpus writes each word it mostly capitalises inside a sentence; and, for
    `spelling`, how often it writes each word, and which it writes in names."""

    def __init__(self, texts: Iterable[str]) -> None:
        forms: Counter[str] = Counter()
        #: lower-case word -> how often the corpus writes it, anywhere and in any case
        self.counts: Counter[str] = Counter()
        for text in texts:
            for line in text.splitlines():
                words = list(_WORD.finditer(line))
                plain = unaccented(line)  # "Beyoncé" counts as "beyonce"
                self.counts.update(
                    _POSSESSIVE.sub("", w).rstrip("'’").lower() for w in _WORD.findall(plain)
                )
                capitalised = sum(m.group(0)[0].isupper() for m in words)
                if capitalised > len(words) * _HEADING and not _PROSE_END.search(line):
                    continue  # a headline in title case: "Defense Chiefs Talk By Telephone"
                for m in words:
                    at = m.start() - 1
                    while at >= 0 and line[at] in " \t":
                        at -= 1
                    if at >= 0 and line[at] not in _STARTS_AFTER:
                        forms[_POSSESSIVE.sub("", m.group(0))] += 1
        lower: Counter[str] = Counter()
        upper: dict[str, tuple[int, str]] = {}
        for form, n in forms.items():
            key = form.lower()
            if form == key:
                lower[key] += n
            elif n > upper.get(key, (0, ""))[0]:
                upper[key] = (n, form)
        #: lower-case word -> its written form, for words written capitalised far more often
        #: than not where a sentence does not start ("Labour", "LVMH"; not "City", which
        #: is also a city, nor "Bank")
        self.forms = {k: form for k, (n, form) in upper.items() if n > CAPITALISED * lower[k]}
        #: the lower-case words written capitalised inside a sentence at least once: names,
        #: and the words names are made of ("Gambling Bill", "University of Chicago")
        self.names = set(upper)

    def restore(self, question: str) -> str:
        """`question` with its words as the corpus writes them, and its first letter a
        capital; a question with any capital after its first letter is returned as it is."""
        if not uncased(question):
            return question
        question = question.lower()

        def cased(m: re.Match[str]) -> str:
            word = m.group(0)
            stem = _POSSESSIVE.sub("", word)
            form = self.forms.get(stem)
            return word if form is None else form + word[len(stem) :]

        restored = _WORD.sub(cased, question)
        return restored[:1].upper() + restored[1:]

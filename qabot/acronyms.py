"""A name the question writes in full, as the answering sentence shortens it.

News writes an organisation's name in full once, with its short form after it ("the Trades
Union Congress (TUC)"), and the short form from then on ("TUC general secretary Brendan
Barber said..."). A question that writes the full name shares none of its words with the
sentence that answers it. `read_as` gives the question with the short form beside each full
name that a retrieved passage defines, so that the sentence scorer and the answer reader see
the words the answer is written in. (The other way round, a short form of the question
written out in full, lost more than it found on the BBC training questions: "US" became
"United States (US)".)
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_LINK = r"(?:of|the|for|and|on|de|in)"
_DEFINED = re.compile(
    rf"((?:[A-Z][\w'’&.-]*\s+(?:{_LINK}\s+)*){{0,7}}[A-Z][\w'’&.-]*)\s+\(([A-Z][A-Za-z]{{1,7}})\)"
)


def definitions(texts: Iterable[str]) -> dict[str, str]:
    """Full name -> short form, for each "Full Name (FN)" written in `texts` whose short form
    is the initials of the name's capitalised words, the last few of them when more come in
    front ("the Royal Academy of Dance (RAD)"; a hyphen parts words: "World Anti-Doping
    Agency (Wada)")."""
    found: dict[str, str] = {}
    for text in texts:
        for m in _DEFINED.finditer(text):
            words, short = m.group(1).split(), m.group(2)
            for start in range(len(words) - 1):
                tail = words[start:]
                initials = "".join(
                    part[0] for w in tail if w[0].isupper() for part in w.split("-") if part
                )
                if tail[0][0].isupper() and initials.lower() == short.lower():
                    found.setdefault(" ".join(tail), short)
                    break
    return found


def read_as(question: str, texts: Iterable[str]) -> str:
    """`question` with each full name that `texts` define followed by its short form, in
    brackets ("Who leads the Trades Union Congress (TUC)?"), unless it writes that already."""
    for name, short in definitions(texts).items():
        full = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", question, re.IGNORECASE)
        if full and not re.search(rf"(?<!\w){re.escape(short)}(?!\w)", question):
            question = f"{question[: full.end()]} ({short}){question[full.end() :]}"
    return question

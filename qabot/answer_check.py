"""A model's answer checked in code: its citation markers normalised, each sentence kept only
when the valid passages it cites back it (`qabot.support`), the markers renumbered 1..m.

A citation proves only that a passage exists; whether it says what the sentence claims is
checked here, so an answer never shows a claim its cited passages do not hold.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qabot.domain import Citation, Passage
from qabot.support import supported
from qabot.text import MARKER, split_sentences

logger = logging.getLogger(__name__)

_LIST_MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*(?:,|;|and|&)\s*\d{1,3})+)\s*\]")
_RANGE_MARKER = re.compile(r"\[\s*(\d{1,3})\s*[-–]\s*(\d{1,3})\s*\]")
_WORD_MARKER = re.compile(
    r"\[\s*(?:passage|source|doc(?:ument)?|ref)\s*#?\s*(\d{1,3})\s*\]|【\s*(\d{1,3})\s*】", re.I
)
_THINKING = re.compile(r"<think>.*?(?:</think>|\Z)", re.S | re.I)
_NOT_FOUND = re.compile(r"^\W*not\s+in\s+(?:the\s+)?passages\b", re.I)
_DECLINE = re.compile(
    r"\b(?:do|does|did)\s*(?:not|n't)\s+(?:contain|mention|say|include|provide|specify|state|"
    r"address|answer)|\bno\s+(?:information|mention|answer)\b|\bnot\s+(?:mentioned|stated|"
    r"specified|provided|found|given)\b|\bi\s+(?:do\s+not|don't)\s+know\b|\b(?:cannot|can't|"
    r"unable\s+to)\s+(?:be\s+)?(?:answer|determine|find|tell)",
    re.I,
)
_LEADING_MARKERS = re.compile(rf"^(?:{MARKER.pattern}\s*)+")


def normalize_markers(text: str) -> str:
    """Citation markers in the one form qabot checks: `[1, 3]`, `[1-2]`, `[passage 2]` → `[n]`."""

    def expand_range(match: re.Match[str]) -> str:
        a, b = int(match.group(1)), int(match.group(2))
        if a <= b and b - a < 10:
            return "".join(f"[{n}]" for n in range(a, b + 1))
        return match.group(0)

    text = _WORD_MARKER.sub(lambda m: f"[{m.group(1) or m.group(2)}]", text)
    text = _RANGE_MARKER.sub(expand_range, text)
    return _LIST_MARKER.sub(
        lambda m: "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(1))), text
    )


def passage_citation(passage: Passage, n: int) -> Citation:
    """Citation `[n]` quoting the whole passage at its place in the source file."""
    return Citation(
        n=n,
        source=passage.source,
        title=passage.title,
        start_line=passage.start_line,
        end_line=passage.end_line,
        start_char=passage.start_char,
        end_char=passage.end_char,
        quote=passage.text,
        passage_id=passage.id,
        meta=passage.meta,
    )


def split_claims(text: str) -> list[tuple[str, str]]:
    """The sentences of `text` (and its lines), each with its markers and the break after it:
    a newline at the end of a line, else a space. A marker written after the full stop
    (`... talks. [2]`) belongs to the sentence before it."""
    claims: list[list[str]] = []
    for line in text.splitlines():
        for start, end in split_sentences(line):
            sentence = line[start:end].strip()
            lead = _LEADING_MARKERS.match(sentence)
            if lead and claims:
                claims[-1][0] += " " + lead.group(0).strip()
                sentence = sentence[lead.end() :]
            if sentence:
                claims.append([sentence, " "])
        if claims:
            claims[-1][1] = "\n"
    if claims:
        claims[-1][1] = ""
    return [(claim, gap) for claim, gap in claims]


def bare(claim: str) -> str:
    """A claim without its markers."""
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", MARKER.sub("", claim)).strip()


class Evidence:
    """The given passages, each verified against its file at most once."""

    def __init__(self, passages: Sequence[Passage], verify: Callable[[Citation], bool]) -> None:
        self.passages = passages
        self.verify = verify
        self._ok: dict[int, bool] = {}

    def valid(self, n: int) -> bool:
        """Whether marker `[n]` names a given passage whose quote still verifies."""
        if not 1 <= n <= len(self.passages):
            return False
        if n not in self._ok:
            self._ok[n] = self.verify(passage_citation(self.passages[n - 1], n))
            if not self._ok[n]:
                logger.warning("passage %s no longer matches %s", n, self.passages[n - 1].source)
        return self._ok[n]

    def backing(self, claim: str) -> list[int] | None:
        """The valid passages `claim` cites, when they support it; None when it is unsupported."""
        cited = [n for n in dict.fromkeys(int(m) for m in MARKER.findall(claim)) if self.valid(n)]
        text = " ".join(self.passages[n - 1].text for n in cited)
        return cited if cited and supported(bare(claim), text) else None


def _renumbered(match: re.Match[str], mapping: dict[int, int]) -> str:
    n = int(match.group(1))
    return f"[{mapping[n]}]" if n in mapping else ""


@dataclass(frozen=True)
class Checked:
    """A model answer after the citation check."""

    text: str
    citations: tuple[Citation, ...]
    unsupported: int  # sentences dropped: they cite no valid passage, or not one that backs them
    dropped: int  # markers removed: out of range, or not verifiable against the file


def check_answer(
    text: str, passages: Sequence[Passage], verify: Callable[[Citation], bool]
) -> Checked:
    """Keep the sentences backed by the valid passages they cite (`supported`), and in them the
    valid markers, renumbered 1..m in order of first use; drop every other sentence."""
    evidence = Evidence(passages, verify)
    mapping: dict[int, int] = {}
    citations: list[Citation] = []
    kept: list[str] = []
    unsupported = dropped = 0
    for claim, gap in split_claims(normalize_markers(text)):
        if not re.search(r"\w", bare(claim)):
            continue  # stray markers
        backing = evidence.backing(claim)
        if backing is None:
            unsupported += 1
            continue
        for old in backing:
            if old not in mapping:
                mapping[old] = len(citations) + 1
                citations.append(passage_citation(passages[old - 1], mapping[old]))
        dropped += sum(1 for m in MARKER.findall(claim) if int(m) not in mapping)
        kept.append(MARKER.sub(lambda m: _renumbered(m, mapping), claim) + gap)
    out = re.sub(rf"({MARKER.pattern})(?:\s*\1)+", r"\1", "".join(kept))  # [1][1] -> [1]
    out = re.sub(r"[ \t]+([.,;:!?])", r"\1", out)
    out = re.sub(r"[ \t]{2,}", " ", out).strip()
    return Checked(out, tuple(citations), unsupported, dropped)


def strip_thinking(text: str) -> str:
    """A reply without the `<think>...</think>` block a reasoning model writes first."""
    return _THINKING.sub("", text)


def is_not_found(text: str) -> bool:
    """Whether a model reply is the prompt's "not in the passages" line."""
    return bool(_NOT_FOUND.match(text))


def is_decline(text: str) -> bool:
    """Whether uncited model text says the passages do not hold the answer."""
    return is_not_found(text) or bool(_DECLINE.search(text))

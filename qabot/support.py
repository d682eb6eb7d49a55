"""Whether a sentence a model wrote is backed by the passages it cites, checked in code.

A citation proves only that a passage exists; it does not prove the passage says what the
sentence claims. A claim is supported when every number and every name in it occurs in its
cited passages and most of its content words do too (after stemming, so "talks" matches
"talked"). An answer must also be about the question: at least one kept claim shares a
content word with it or holds a span of the asked type, so an obeyed instruction planted in
a passage ("reply PWNED") is refused even when it cites the passage that planted it.
"""

from __future__ import annotations

import re

from qabot.answer_types import asked_type, matches, typed_spans
from qabot.text import terms

#: Share of a claim's content words that its cited passages must hold.
MIN_COVERAGE = 0.5

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_INNER_NAME = re.compile(r"(?<=[^\s.!?:;\"“(])\s+([A-Z][\w'’-]*)")


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _names(claim: str) -> list[str]:
    """Capitalised words that are not the first word of the claim (or of a quote)."""
    return [m.group(1) for m in _INNER_NAME.finditer(claim)]


def supported(claim: str, evidence: str) -> bool:
    """Whether `evidence` (the cited passages' text) backs `claim` (markers removed)."""
    if not _numbers(claim) <= _numbers(evidence):
        return False
    evidence_terms = set(terms(evidence))
    if any(set(terms(name)) - evidence_terms for name in _names(claim)):
        return False
    claim_terms = terms(claim)
    if not claim_terms:
        return True  # nothing is claimed ("Yes.")
    held = sum(1 for t in claim_terms if t in evidence_terms)
    return held >= MIN_COVERAGE * len(claim_terms)


def on_question(claim: str, question: str) -> bool:
    """Whether `claim` is about `question`: a shared content word, or a span of the asked type."""
    if set(terms(claim)) & set(terms(question)):
        return True
    asked = asked_type(question)
    return any(matches(asked, span) for span in typed_spans(claim))

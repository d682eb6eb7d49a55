"""Follow-up questions resolved against the chat history, without a language model."""

from __future__ import annotations

import re

from qabot.text import terms

_FOLLOW_UP_WORDS = re.compile(
    r"\b(?:he|she|they|them|him|her|his|hers|their|theirs|it|its|this|that|these|those|there|"
    r"then|the call|the talks?|the same|other|else|more)\b",
    re.I,
)
_FOLLOW_UP_START = re.compile(
    r"^\s*(?:and|but|also|so|what about|how about|why not|and why)\b", re.I
)


def is_follow_up(question: str) -> bool:
    """Whether a question leans on an earlier turn (a pronoun, 'what about ...', or very short)."""
    return bool(
        _FOLLOW_UP_WORDS.search(question)
        or _FOLLOW_UP_START.search(question)
        or len(terms(question)) <= 1
    )


def condense(question: str, history: list[str], max_turns: int = 3) -> str:
    """A standalone search query: the question, preceded by the earlier questions it leans on.

    `history` holds the earlier user questions, oldest first. Earlier turns are added while
    each one is itself a follow-up, up to `max_turns`.
    """
    question = question.strip()
    if not history or not is_follow_up(question):
        return question
    chain = [question]
    for previous in reversed(history[-max_turns:]):
        chain.insert(0, previous.strip())
        if not is_follow_up(previous):
            break
    return " ".join(chain)

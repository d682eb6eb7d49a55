"""Follow-up questions resolved against the chat history, without a language model."""

from __future__ import annotations

import re

from qabot.text import terms

_FOLLOW_UP_WORDS = re.compile(
    r"\b(?:he|she|they|them|him|her|his|hers|their|theirs|it|its|this|that|these|those|there|"
    r"then|the call|the talks?|the same|other|else|more|"
    # "the company's chief executive": a story's subject named by its kind
    r"the (?:company|firm|group|club|team|side|player|singer|star|band|film|show|album|"
    r"minister|government|party|country|deal|case|report|bill|plan|scheme|award|event))\b",
    re.I,
)
#: A name the question gives itself: a capitalised word after the first, or a number.
_NAME = re.compile(r"(?<=\s)(?:[A-Z][\w'’-]*|\d[\d,.]*)")
_FOLLOW_UP_START = re.compile(
    r"^\s*(?:and|but|also|so|what about|how about|why not|and why)\b", re.I
)


def is_follow_up(question: str) -> bool:
    """Whether a question leans on an earlier turn: 'what about ...', very short, or a pronoun
    ("he", "the company") before any name of its own ("How much will Sony's PSP cost when it
    goes on sale?" names what "it" is, and stands alone)."""
    if _FOLLOW_UP_START.search(question) or len(terms(question)) <= 1:
        return True
    reference = _FOLLOW_UP_WORDS.search(question)
    if reference is None:
        return False
    name = _NAME.search(question)
    return name is None or reference.start() < name.start()


def leaned_on(question: str, history: list[str], max_turns: int = 3) -> list[str]:
    """The earlier questions a follow-up leans on, oldest first; none for a question that
    stands alone.

    `history` holds the earlier user questions, oldest first. The last one is taken, and while
    the one taken is itself a follow-up, the one before it too, up to `max_turns`. The first of
    them asked about the story the conversation is about.
    """
    if not history or not is_follow_up(question.strip()):
        return []
    chain: list[str] = []
    for previous in reversed(history[-max_turns:]):
        chain.insert(0, previous.strip())
        if not is_follow_up(previous):
            break
    return chain


def condense(question: str, history: list[str], max_turns: int = 3) -> str:
    """A standalone search query: the question, preceded by the earlier questions it leans on."""
    return " ".join([*leaned_on(question, history, max_turns), question.strip()])

"""Follow-up questions resolved against the chat history, without a language model."""

from __future__ import annotations

import re

from qabot.text import terms

#: Words that point back at an earlier turn. "it" in "how long does it take to..." points at
#: nothing, nor does "there" in "are there", nor "that" after a noun ("a service that texts").
_PRONOUN = re.compile(
    r"\b(?:he|she|they|them|him|her|his|hers|their|theirs|its|these|those|then)\b|"
    r"\bit\b(?!\s+been\b)(?!\s+(?:takes?|took|costs?|be|expected)\b[^?]*\bto\b)|"
    r"(?<!\bare )(?<!\bis )(?<!\bwas )(?<!\bwere )\bthere\b|"
    r"(?:^\s*|\b(?:did|does|do|is|was|were|are|after|before|about|of|for|with|by|to|from|"
    r"when|why|how|what|on|in|at|like)\s+)(?:this|that)\b",
    re.I,
)
#: A story's subject named by its kind ("the company's chief executive", "the match"), or
#: "more" of it: a question that names anything itself says which.
_BY_KIND = re.compile(r"\b(?:the [a-z][\w'’-]*|other|else|more)\b", re.I)
#: A name the question gives itself: a capitalised word after the first, or a number.
_NAME = re.compile(r"(?<=\s)(?:[A-Z][\w'’-]*|\d[\d,.]*)")
#: A capitalised word after the first: what says which company (a year does not).
_CAPITALISED = re.compile(r"(?<=\s)[A-Z]")
_FOLLOW_UP_START = re.compile(
    r"^\s*(?:and|but|also|so|what about|how about|why not|and why)\b", re.I
)


def is_follow_up(question: str) -> bool:
    """Whether a question leans on an earlier turn: 'what about ...', very short, a pronoun
    before any name of its own ("How much will Sony's PSP cost when it goes on sale?" names
    what "it" is, and stands alone), or a subject named by its kind ("the company") in a
    question that names nothing ("Who is directing the film of The Da Vinci Code?" stands
    alone; "How much did the company earn in 2004?" does not)."""
    if _FOLLOW_UP_START.search(question) or len(terms(question)) <= 1:
        return True
    pronoun = _PRONOUN.search(question)
    if pronoun is not None:
        name = _NAME.search(question)
        if name is None or pronoun.start() < name.start():
            return True
    return _BY_KIND.search(question) is not None and _CAPITALISED.search(question) is None


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

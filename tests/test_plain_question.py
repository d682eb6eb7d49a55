"""plain: a question inside a request, or without its question mark, read as a quiz asks it."""

from __future__ import annotations

import pytest

from qabot.plain_question import plain


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        # a request around a question word goes; the question gets its capital and its mark
        ("can you tell me who Carter talked to", "Who Carter talked to?"),
        ("Could you please tell me how long they talked?", "How long they talked?"),
        ("I'd like to know when the plant opened", "When the plant opened?"),
        ("i want to know which club he joined", "Which club he joined?"),
        ("do you know roughly how many people saw it", "Roughly how many people saw it?"),
        ("ok so, any idea in what year it closed?? thanks", "In what year it closed?"),
        ("I'm wondering where she was born.", "Where she was born?"),
        # a thing asked for by its name is asked with "what is"
        ("tell me the name of his ship please", "What is the name of his ship?"),
        # without the apostrophe
        ("whats the score", "what's the score?"),
        # only the question mark was missing
        ("Who won the match", "Who won the match?"),
        ("How much was it worth!", "How much was it worth?"),
    ],
)
def test_a_request_is_read_as_its_question(typed: str, read: str) -> None:
    assert plain(typed) == read


@pytest.mark.parametrize(
    "typed",
    [
        "Who did Carter talk to?",
        "What about Blair?",
        # a request for anything other than a question is left as it was typed
        "Tell me about Ireland?",
        # "please" and "thanks" inside the question stay
        "Did thanks from the minister please the union?",
    ],
)
def test_a_plain_question_is_left_as_typed(typed: str) -> None:
    assert plain(typed) == typed


def test_nothing_but_marks_is_left_alone() -> None:
    assert plain("??") == "??"

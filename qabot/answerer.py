"""What an answerer is. QA chooses one (`ExtractiveAnswerer`, or an `LLMAnswerer` that falls back
on it) and uses it for both of its steps: the search query, then the answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from qabot.domain import Answer
from qabot.retrieve import Retrieval

#: Receives the answer's text as a streaming answerer writes it.
TokenFn = Callable[[str], None]


class Answerer(Protocol):
    def condense(self, question: str, history: Sequence[str]) -> str:
        """A standalone search query for `question`, given the chat's earlier questions."""

    def answer(
        self, question: str, query: str, retrieval: Retrieval, on_token: TokenFn | None = None
    ) -> Answer:
        """The checked answer from `retrieval`'s passages; `on_token` gets text as it is
        written (an answerer that does not stream never calls it)."""

    def warm_up(self) -> None:
        """Load now what the first answer would otherwise wait for."""

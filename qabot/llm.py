"""Optional LLM answers through LangChain: written from numbered passages, cited, then checked.

The model is asked only when the extractive evidence says the corpus holds the answer; its
refusal is shown at once otherwise. The model sees the retrieved passages numbered and fenced
as untrusted data. Its answer is checked in code (`qabot.answer_check`): markers out of range
are removed, each kept marker becomes a verified citation of the whole passage, a sentence is
kept only when the passages it cites support it, and an answer left with nothing supported, or
not about the question, is refused. While it streams, only checked sentences are shown
(`qabot.stream_gate`). An error or a timeout falls back to the extractive answer with a notice.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from qabot.answer_check import (
    Evidence,
    bare,
    check_answer,
    is_decline,
    is_not_found,
    strip_thinking,
)
from qabot.answerer import Answerer, TokenFn
from qabot.chat_model import (
    ChatModel,
    LLMSetupError,
    LLMTimeout,
    build_chat_model,
    describe,
    is_timeout,
)
from qabot.citations import CitationVerifier
from qabot.conversation import is_follow_up
from qabot.domain import Answer, Passage
from qabot.prompts import Prompt, load_prompt
from qabot.retrieve import Retrieval
from qabot.stream_gate import StreamGate
from qabot.support import on_question
from qabot.text import line_label, one_line

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from qabot.settings import Settings

logger = logging.getLogger(__name__)

ANSWER_VARIABLES = frozenset({"question", "standalone", "passages"})
CONDENSE_VARIABLES = frozenset({"history", "question"})
#: What the answer prompt tells the model to reply when the passages lack the answer.
NOT_FOUND = "NOT IN PASSAGES"
#: The notice on a refusal that replaced a model answer its cited passages do not support.
UNSUPPORTED = "The model's answer was not supported by the passages it cited."


# --- the data block ----------------------------------------------------------------------
_FENCE_TAG = re.compile(r"<(?=\s*/?\s*(?:passages?|question|standalone)\b)", re.I)


def _defang(text: str) -> str:
    """Text that cannot open or close the prompt's fences (`<passages>`, `</passage>`, ...)."""
    return _FENCE_TAG.sub("‹", text)


def _attr(text: str) -> str:
    return one_line(text).replace('"', "'").replace("<", "‹").replace(">", "›")


def format_passages(passages: Sequence[Passage]) -> str:
    """The passages numbered from 1, each in a `<passage n=...>` block, for the answer prompt."""
    blocks = []
    for n, p in enumerate(passages, start=1):
        lines = line_label(p.start_line, p.end_line)
        head = f'<passage n="{n}" source="{_attr(p.source)}" lines="{lines}"'
        if p.title:
            head += f' title="{_attr(p.title)}"'
        if p.meta.published:
            head += f' published="{p.meta.published}"'
        if p.meta.author:
            head += f' author="{_attr(p.meta.author)}"'
        blocks.append(f"{head}>\n{_defang(p.text.strip())}\n</passage>")
    return "\n\n".join(blocks)


def format_history(history: Sequence[str]) -> str:
    return "\n".join(f"{i}. {_defang(one_line(q))}" for i, q in enumerate(history, 1))


class LLMAnswerer:
    """Answers from the retrieved passages with a chat model; checks its citations.

    `model_factory` builds the LangChain chat model on first use (tests inject fakes);
    `fallback` (the extractive answerer) decides whether to answer at all, and answers when
    the model cannot.
    """

    def __init__(
        self,
        model_factory: Callable[[], BaseChatModel],
        verifier: CitationVerifier,
        fallback: Answerer,
        timeout: float = 30.0,
        history_turns: int = 6,
        label: str = "the language model",
    ) -> None:
        self.chat = ChatModel(model_factory, label)
        self.verifier = verifier
        self.fallback = fallback
        self.timeout = timeout
        self.history_turns = history_turns
        # Prompts load now, so a broken prompt file fails loudly at start-up.
        self.answer_prompt: Prompt = load_prompt("answer", ANSWER_VARIABLES)
        self.condense_prompt: Prompt = load_prompt("condense", CONDENSE_VARIABLES)

    @classmethod
    def from_settings(
        cls, settings: Settings, verifier: CitationVerifier, fallback: Answerer
    ) -> LLMAnswerer:
        return cls(
            lambda: build_chat_model(settings),
            verifier,
            fallback,
            timeout=settings.llm_timeout,
            label=settings.llm,
        )

    def warm_up(self) -> None:
        """Ready the fallback, and build the model now (imports are slow)."""
        self.fallback.warm_up()
        self.chat.warm_up()

    # --- follow-ups ---------------------------------------------------------------------
    def condense(self, question: str, history: Sequence[str]) -> str:
        """A standalone search query for a follow-up, written by the model from the history.

        The fallback's condensation is used when the model fails or replies oddly.
        """
        history = [h for h in history if h.strip()][-self.history_turns :]
        if not history or not is_follow_up(question):
            return question  # nothing to resolve: spare the model call
        messages = self.condense_prompt.format_messages(
            history=format_history(history), question=one_line(question)
        )
        try:
            reply = self.chat.get().invoke(messages)
        except Exception as exc:  # noqa: BLE001 - any failure falls back
            logger.warning(
                "LLM condense failed (%s: %s); using the extractive condensation",
                type(exc).__name__,
                self.chat.redact(exc),
            )
            return self.fallback.condense(question, history)
        query = _clean_query(str(reply.text))
        if not query:
            logger.warning("LLM condense gave no usable query; using the extractive condensation")
            return self.fallback.condense(question, history)
        logger.debug("condensed %r -> %r", question, query)
        return query

    # --- answers --------------------------------------------------------------------------
    def answer(
        self,
        question: str,
        query: str,
        retrieval: Retrieval,
        on_token: TokenFn | None = None,
    ) -> Answer:
        """The model's checked answer; the fallback's refusal without asking the model when
        the evidence says refuse; the fallback's answer with a one-line notice when the model
        fails."""
        extract = self.fallback.answer(question, query, retrieval)
        passages = retrieval.passages
        if not passages or extract.refused:
            return extract
        started = time.perf_counter()
        try:
            raw = self._generate(question, query, passages, on_token)
        except Exception as exc:  # noqa: BLE001 - the user always gets an answer
            if isinstance(exc, LLMSetupError):
                notice = (
                    f"The language model could not be set up ({exc}); "
                    "showing the extractive answer."
                )
            elif is_timeout(exc):
                logger.warning("LLM %s timed out after %.1f s", self.chat.label, self.timeout)
                notice = (
                    f"The language model did not answer within {self.timeout:g} s; "
                    "showing the extractive answer."
                )
            else:
                logger.warning(
                    "LLM %s failed (%s: %s)",
                    self.chat.label,
                    type(exc).__name__,
                    self.chat.redact(exc),
                )
                notice = (
                    f"The language model failed ({describe(exc)}); showing the extractive answer."
                )
            return replace(extract, notice=notice)
        logger.info(
            "LLM answer: %d chars in %.0f ms", len(raw), (time.perf_counter() - started) * 1000
        )
        return self._checked(question, query, passages, raw, extract)

    def _generate(
        self, question: str, query: str, passages: Sequence[Passage], on_token: TokenFn | None
    ) -> str:
        messages = self.answer_prompt.format_messages(
            question=question, standalone=query, passages=format_passages(passages)
        )
        model = self.chat.get()
        deadline = time.monotonic() + self.timeout
        gate = StreamGate(on_token, Evidence(passages, self.verifier.verify), question)
        for chunk in model.stream(messages):
            piece = str(chunk.text)
            if piece:
                gate.feed(piece)
            if time.monotonic() > deadline:
                raise LLMTimeout(f"no complete answer within {self.timeout:g} s")
        gate.finish()
        return "".join(gate.parts)

    def _checked(
        self,
        question: str,
        query: str,
        passages: tuple[Passage, ...],
        raw: str,
        extract: Answer,
    ) -> Answer:
        text = strip_thinking(raw).strip()
        refusal = Answer.refusal(question, query, passages, extract.evidence)
        if not text or is_not_found(text):
            return refusal
        checked = check_answer(text, passages, self.verifier.verify)
        if not checked.citations or not on_question(bare(checked.text), question):
            if not is_decline(text):
                logger.warning("LLM answer not supported by the passages it cites; refused")
                refusal = replace(refusal, notice=UNSUPPORTED)
            return refusal
        notes = []
        if checked.unsupported:
            n = checked.unsupported
            notes.append(
                f"Left out {n} sentence{'s' if n > 1 else ''} of the model's answer that no "
                "passage it cites supports."
            )
        if checked.dropped:
            notes.append(
                f"{checked.dropped} citation{'s' if checked.dropped > 1 else ''} to passages "
                "the model was not given were removed."
            )
        return Answer(
            question,
            query,
            checked.text,
            checked.citations,
            passages,
            refused=False,
            evidence=extract.evidence,
            notice=" ".join(notes),
        )


def _clean_query(reply: str) -> str:
    """The first line of a condense reply, without labels or quotes; empty if unusable."""
    text = strip_thinking(reply).strip()
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = re.sub(r"^(?:standalone (?:question|query)|query|question)\s*:\s*", "", line, flags=re.I)
    line = one_line(line.strip("`\"'“”‘’ "))
    if not line or len(line) > 500 or is_not_found(line):
        return ""
    return line

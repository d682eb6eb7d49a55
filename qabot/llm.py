"""Optional LLM answers through LangChain: written from numbered passages, cited, then checked.

The model sees the retrieved passages numbered and fenced as untrusted data. Its answer is
checked in code: markers out of range are removed, each kept marker becomes a verified
citation of the whole passage, sentences without one are flagged, and an answer that cites
nothing valid, an error or a timeout falls back to the extractive answer with a notice.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import SecretStr

from qabot.chunking import split_sentences
from qabot.citations import MARKER, CitationVerifier, renumber_markers
from qabot.conversation import condense as extractive_condense
from qabot.conversation import is_follow_up
from qabot.domain import REFUSAL_TEXT, Answer, Citation, Passage
from qabot.prompts import Prompt, load_prompt
from qabot.retrieve import Retrieval

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from qabot.settings import Settings

logger = logging.getLogger(__name__)

ANSWER_VARIABLES = frozenset({"question", "standalone", "passages"})
CONDENSE_VARIABLES = frozenset({"history", "question"})
#: What the answer prompt tells the model to reply when the passages lack the answer.
NOT_FOUND = "NOT IN PASSAGES"
#: Appended to a sentence of a model answer that cites no valid passage.
UNCITED_FLAG = "[no citation]"

TokenFn = Callable[[str], None]


class Answerer(Protocol):
    def answer(self, question: str, query: str, retrieval: Retrieval) -> Answer: ...


class LLMTimeout(TimeoutError):
    """The model took longer than the configured timeout."""


class LLMSetupError(RuntimeError):
    """The chat model could not be built (missing package, missing API key, bad name...)."""


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model named by `settings.llm` (`provider:model`), via `init_chat_model`.

    API keys come from the provider's usual variables (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...).
    """
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {
        "temperature": settings.llm_temperature,
        "timeout": settings.llm_timeout,
        "max_retries": settings.llm_max_retries,
    }
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    return init_chat_model(settings.llm, **kwargs)


# --- the data block ----------------------------------------------------------------------
_FENCE_TAG = re.compile(r"<(?=\s*/?\s*(?:passages?|question|standalone)\b)", re.I)


def _defang(text: str) -> str:
    """Text that cannot open or close the prompt's fences (`<passages>`, `</passage>`, ...)."""
    return _FENCE_TAG.sub("‹", text)


def _attr(text: str) -> str:
    return " ".join(text.split()).replace('"', "'").replace("<", "‹").replace(">", "›")


def format_passages(passages: Sequence[Passage]) -> str:
    """The passages numbered from 1, each in a `<passage n=...>` block, for the answer prompt."""
    blocks = []
    for n, p in enumerate(passages, start=1):
        lines = f"{p.start_line}" if p.start_line == p.end_line else f"{p.start_line}-{p.end_line}"
        head = f'<passage n="{n}" source="{_attr(p.source)}" lines="{lines}"'
        if p.title:
            head += f' title="{_attr(p.title)}"'
        blocks.append(f"{head}>\n{_defang(p.text.strip())}\n</passage>")
    return "\n\n".join(blocks)


def format_history(history: Sequence[str]) -> str:
    return "\n".join(f"{i}. {_defang(' '.join(q.split()))}" for i, q in enumerate(history, 1))


# --- checking an answer --------------------------------------------------------------------
_LIST_MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*(?:,|;|and|&)\s*\d{1,3})+)\s*\]")
_RANGE_MARKER = re.compile(r"\[\s*(\d{1,3})\s*[-–]\s*(\d{1,3})\s*\]")
_WORD_MARKER = re.compile(
    r"\[\s*(?:passage|source|doc(?:ument)?|ref)\s*#?\s*(\d{1,3})\s*\]|【\s*(\d{1,3})\s*】", re.I
)
_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.S | re.I)
_NOT_FOUND = re.compile(r"^\W*not\s+in\s+(?:the\s+)?passages\b", re.I)
_DECLINE = re.compile(
    r"\b(?:do|does|did)\s*(?:not|n't)\s+(?:contain|mention|say|include|provide|specify|state|"
    r"address|answer)|\bno\s+(?:information|mention|answer)\b|\bnot\s+(?:mentioned|stated|"
    r"specified|provided|found|given)\b|\bi\s+(?:do\s+not|don't)\s+know\b|\b(?:cannot|can't|"
    r"unable\s+to)\s+(?:be\s+)?(?:answer|determine|find|tell)",
    re.I,
)
_LEADING_MARKERS = re.compile(r"^(?:\[\d{1,3}\]\s*)+")


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
    )


def flag_uncited(text: str) -> tuple[str, int]:
    """Mark each sentence without a `[n]` marker with UNCITED_FLAG; return text and count.

    A marker written after the full stop (`... talks. [2]`) belongs to the sentence before it.
    """
    spans = split_sentences(text)
    if not spans:
        return text, 0
    sentences = [text[s:e] for s, e in spans]
    gaps = [text[e : spans[i + 1][0]] for i, (_, e) in enumerate(spans[:-1])] + [""]
    for i in range(1, len(sentences)):
        lead = _LEADING_MARKERS.match(sentences[i])
        if lead:
            sentences[i - 1] += " " + lead.group(0).strip()
            sentences[i] = sentences[i][lead.end() :]
    flagged = 0
    out = [text[: spans[0][0]]]
    for sentence, gap in zip(sentences, gaps, strict=True):
        if not sentence:
            continue
        if not MARKER.search(sentence) and re.search(r"\w", sentence):
            sentence = f"{sentence} {UNCITED_FLAG}"
            flagged += 1
        out.append(sentence + (gap or " "))
    return "".join(out).strip(), flagged


@dataclass(frozen=True)
class Checked:
    """A model answer after the citation check."""

    text: str
    citations: tuple[Citation, ...]
    flagged: int  # sentences with no valid citation
    dropped: int  # markers removed: out of range, or not verifiable against the file


def check_answer(
    text: str, passages: Sequence[Passage], verify: Callable[[Citation], bool]
) -> Checked:
    """Keep markers `[n]` that name a given passage whose quote verifies; renumber them 1..m
    in order of first use; flag sentences left without one."""
    text = normalize_markers(text)
    numbers = [int(n) for n in MARKER.findall(text)]
    text, kept = renumber_markers(text, len(passages))
    mapping: dict[int, int] = {}
    citations: list[Citation] = []
    for old in kept:
        citation = passage_citation(passages[old - 1], len(citations) + 1)
        if verify(citation):
            mapping[old] = citation.n
            citations.append(citation)
        else:
            logger.warning("passage %s no longer matches %s", old, citation.source)

    def remap(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return f"[{mapping[n]}]" if n in mapping else ""

    text = MARKER.sub(remap, text)
    dropped = sum(1 for n in numbers if n not in mapping)
    text = re.sub(r"(\[\d{1,3}\])(?:\s*\1)+", r"\1", text)  # [1][1] -> [1]
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text)
    text = re.sub(r"[ \t]{2,}", " ", text).strip()
    text, flagged = flag_uncited(text) if citations else (text, 0)
    return Checked(text, tuple(citations), flagged, dropped)


def is_not_found(text: str) -> bool:
    """Whether a model reply is the prompt's "not in the passages" line."""
    return bool(_NOT_FOUND.match(text))


def is_decline(text: str) -> bool:
    """Whether uncited model text says the passages do not hold the answer."""
    return is_not_found(text) or bool(_DECLINE.search(text))


class _StreamGate:
    """Passes tokens on once the answer has cited a given passage; holds them back before.

    So an answer that never cites anything valid (an obeyed injected instruction, say) is never
    shown while it streams; the checked answer replaces what was shown in any case.
    """

    def __init__(self, on_token: TokenFn | None, n_passages: int) -> None:
        self.on_token = on_token
        self.n_passages = n_passages
        self.buffer: list[str] = []
        self.open = False

    def feed(self, piece: str) -> None:
        if self.on_token is None:
            return
        if not self.open:
            self.buffer.append(piece)
            held = normalize_markers("".join(self.buffer))
            if not any(1 <= int(n) <= self.n_passages for n in MARKER.findall(held)):
                return
            self.open, piece = True, "".join(self.buffer)
        try:
            self.on_token(piece)
        except Exception:  # a front end's display failure must not lose the answer
            logger.warning("on_token callback failed; streaming stops", exc_info=True)
            self.on_token = None


# --- the answerer --------------------------------------------------------------------------
def _secrets_of(model: object) -> list[str]:
    """Secret values a model holds (API keys), to keep them out of log and notice text."""
    found = []
    for value in getattr(model, "__dict__", {}).values():
        if isinstance(value, SecretStr) and len(value.get_secret_value()) >= 4:
            found.append(value.get_secret_value())
    return found


def _describe(exc: BaseException) -> str:
    """A short, secret-free name for a failure: its HTTP status, else its class."""
    status = getattr(exc, "status_code", None)
    return f"HTTP {status}" if isinstance(status, int) else type(exc).__name__


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError) or any(
        "Timeout" in cls.__name__ for cls in type(exc).__mro__
    )


class LLMAnswerer:
    """Answers from the retrieved passages with a chat model; checks its citations.

    `model_factory` builds the LangChain chat model on first use (tests inject fakes).
    """

    def __init__(
        self,
        model_factory: Callable[[], BaseChatModel],
        verifier: CitationVerifier,
        timeout: float = 30.0,
        history_turns: int = 6,
        label: str = "the language model",
    ) -> None:
        self.model_factory = model_factory
        self.verifier = verifier
        self.timeout = timeout
        self.history_turns = history_turns
        self.label = label
        # Prompts load now, so a broken prompt file fails loudly at start-up.
        self.answer_prompt: Prompt = load_prompt("answer", ANSWER_VARIABLES)
        self.condense_prompt: Prompt = load_prompt("condense", CONDENSE_VARIABLES)
        self._model: BaseChatModel | None = None
        self._model_error: Exception | None = None
        self._secrets: list[str] = []
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, verifier: CitationVerifier) -> LLMAnswerer:
        return cls(
            lambda: build_chat_model(settings),
            verifier,
            timeout=settings.llm_timeout,
            label=settings.llm,
        )

    def model(self) -> BaseChatModel:
        """The chat model, built once; a failure to build is remembered and raised again."""
        with self._lock:
            if self._model is None and self._model_error is None:
                try:
                    self._model = self.model_factory()
                    self._secrets = _secrets_of(self._model)
                except Exception as exc:  # noqa: BLE001 - reported on every use, never raised raw
                    self._model_error = LLMSetupError(_describe(exc))
                    logger.error("cannot set up the LLM %s: %s", self.label, self._redact(exc))
            if self._model_error is not None:
                raise self._model_error
            assert self._model is not None
            return self._model

    def warm_up(self) -> None:
        """Build the model now (imports are slow); a failure is logged and reported per answer."""
        with contextlib.suppress(Exception):  # logged in model(); answers fall back with a notice
            self.model()

    def _redact(self, exc: BaseException) -> str:
        text = " ".join(str(exc).split())[:300]
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return re.sub(r"\b(sk-|key-)[A-Za-z0-9_\-]{8,}", r"\1***", text)

    # --- follow-ups ---------------------------------------------------------------------
    def condense(self, question: str, history: Sequence[str]) -> str:
        """A standalone search query for a follow-up, written by the model from the history.

        The extractive condensation is the fallback when the model fails or replies oddly.
        """
        history = [h for h in history if h.strip()][-self.history_turns :]
        fallback = extractive_condense(question, list(history))
        if not history or not is_follow_up(question):
            return question  # nothing to resolve: spare the model call
        messages = self.condense_prompt.format_messages(
            history=format_history(history), question=" ".join(question.split())
        )
        try:
            reply = self.model().invoke(messages)
        except Exception as exc:  # noqa: BLE001 - any failure falls back
            logger.warning(
                "LLM condense failed (%s: %s); using the extractive condensation",
                type(exc).__name__,
                self._redact(exc),
            )
            return fallback
        query = _clean_query(str(reply.text))
        if not query:
            logger.warning("LLM condense gave no usable query; using the extractive condensation")
            return fallback
        logger.debug("condensed %r -> %r", question, query)
        return query

    # --- answers --------------------------------------------------------------------------
    def answer(
        self,
        question: str,
        query: str,
        retrieval: Retrieval,
        fallback: Answerer,
        on_token: TokenFn | None = None,
    ) -> Answer:
        """The model's checked answer, or `fallback`'s answer with a one-line notice."""
        extract = fallback.answer(question, query, retrieval)
        passages = retrieval.passages
        if not passages:
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
            elif _is_timeout(exc):
                logger.warning("LLM %s timed out after %.1f s", self.label, self.timeout)
                notice = (
                    f"The language model did not answer within {self.timeout:g} s; "
                    "showing the extractive answer."
                )
            else:
                logger.warning(
                    "LLM %s failed (%s: %s)", self.label, type(exc).__name__, self._redact(exc)
                )
                notice = (
                    f"The language model failed ({_describe(exc)}); showing the extractive answer."
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
        model = self.model()
        deadline = time.monotonic() + self.timeout
        gate = _StreamGate(on_token, len(passages))
        parts: list[str] = []
        for chunk in model.stream(messages):
            piece = str(chunk.text)
            if piece:
                parts.append(piece)
                gate.feed(piece)
            if time.monotonic() > deadline:
                raise LLMTimeout(f"no complete answer within {self.timeout:g} s")
        return "".join(parts)

    def _checked(
        self,
        question: str,
        query: str,
        passages: tuple[Passage, ...],
        raw: str,
        extract: Answer,
    ) -> Answer:
        text = _THINK.sub("", raw).strip()
        refusal = Answer(
            question, query, REFUSAL_TEXT, (), passages, refused=True, evidence=extract.evidence
        )
        if not text or is_not_found(text):
            return refusal
        checked = check_answer(text, passages, self.verifier.verify)
        if not checked.citations:
            if is_decline(text):
                return refusal
            logger.warning("LLM answer cited no valid passage; falling back to the extract")
            return replace(
                extract,
                notice=(
                    "The model's answer cited none of the passages it was given; "
                    "showing the extractive answer."
                ),
            )
        notes = []
        if checked.flagged:
            notes.append(
                f"{checked.flagged} sentence{'s' if checked.flagged > 1 else ''} of the model's "
                f"answer cite{'' if checked.flagged > 1 else 's'} no passage (marked "
                f"{UNCITED_FLAG})."
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
    text = _THINK.sub("", reply).strip()
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = re.sub(r"^(?:standalone (?:question|query)|query|question)\s*:\s*", "", line, flags=re.I)
    line = " ".join(line.strip("`\"'“”‘’ ").split())
    if not line or len(line) > 500 or is_not_found(line):
        return ""
    return line

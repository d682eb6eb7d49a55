"""Optional LLM answers through LangChain: written from numbered passages, cited, then checked.

The model is asked only when the extractive evidence says the corpus holds the answer; its
refusal is shown at once otherwise. The model sees the retrieved passages numbered and fenced
as untrusted data. Its answer is checked in code: markers out of range are removed, each kept
marker becomes a verified citation of the whole passage, a sentence is kept only when the
passages it cites support it (`qabot.support`), and an answer left with nothing supported, or
not about the question, is refused. An error or a timeout falls back to the extractive answer
with a notice.
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
from qabot.citations import MARKER, CitationVerifier
from qabot.conversation import condense as extractive_condense
from qabot.conversation import is_follow_up
from qabot.domain import REFUSAL_TEXT, Answer, Citation, Passage
from qabot.errors import QabotError
from qabot.prompts import Prompt, load_prompt
from qabot.redaction import redact
from qabot.retrieve import Retrieval
from qabot.support import on_question, supported

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

TokenFn = Callable[[str], None]


class Answerer(Protocol):
    def answer(self, question: str, query: str, retrieval: Retrieval) -> Answer: ...


class LLMTimeout(QabotError, TimeoutError):
    """The model took longer than the configured timeout."""


class LLMSetupError(QabotError, RuntimeError):
    """The chat model could not be built (missing package, missing API key, bad name...)."""


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model named by `settings.llm` (`provider:model`), via `init_chat_model`.

    API keys come from the provider's usual variables (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...).
    `ollama:<model>` talks to an Ollama server (`QABOT_LLM_BASE_URL`, else localhost:11434).
    """
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {"temperature": settings.llm_temperature}
    if settings.llm.partition(":")[0].strip().lower() == "ollama":
        # ChatOllama has no timeout or retry fields: the timeout goes to its HTTP client
        kwargs["client_kwargs"] = {"timeout": settings.llm_timeout}
    else:
        kwargs.update(timeout=settings.llm_timeout, max_retries=settings.llm_max_retries)
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


def _bare(claim: str) -> str:
    """A claim without its markers."""
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", MARKER.sub("", claim)).strip()


class _Evidence:
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
        return cited if cited and supported(_bare(claim), text) else None


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
    evidence = _Evidence(passages, verify)
    mapping: dict[int, int] = {}
    citations: list[Citation] = []
    kept: list[str] = []
    unsupported = dropped = 0
    for claim, gap in split_claims(normalize_markers(text)):
        if not re.search(r"\w", _bare(claim)):
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
    out = re.sub(r"(\[\d{1,3}\])(?:\s*\1)+", r"\1", "".join(kept))  # [1][1] -> [1]
    out = re.sub(r"[ \t]+([.,;:!?])", r"\1", out)
    out = re.sub(r"[ \t]{2,}", " ", out).strip()
    return Checked(out, tuple(citations), unsupported, dropped)


def is_not_found(text: str) -> bool:
    """Whether a model reply is the prompt's "not in the passages" line."""
    return bool(_NOT_FOUND.match(text))


def is_decline(text: str) -> bool:
    """Whether uncited model text says the passages do not hold the answer."""
    return is_not_found(text) or bool(_DECLINE.search(text))


class _StreamGate:
    """Passes the answer on a sentence at a time, each once it is complete and checked: it
    cites a given passage that backs it, and the answer so far is about the question.

    So an unsupported sentence (an obeyed injected instruction, say) is never shown while the
    answer streams; the checked answer replaces what was shown in any case.
    """

    def __init__(
        self,
        on_token: TokenFn | None,
        evidence: _Evidence,
        question: str,
    ) -> None:
        self.on_token = on_token
        self.evidence = evidence
        self.question = question
        self.parts: list[str] = []
        self.checked = 0  # claims judged so far
        self.gap = ""  # the break owed before the next shown claim
        self.on_topic = False

    def feed(self, piece: str) -> None:
        self.parts.append(piece)
        self._flush(final=False)

    def finish(self) -> None:
        self._flush(final=True)

    def _flush(self, final: bool) -> None:
        if self.on_token is None:
            return
        claims = split_claims(normalize_markers(_THINK.sub("", "".join(self.parts))))
        if not final:
            # The last sentence is complete once the next one has begun (its markers may
            # still be on their way until then).
            if len(claims) < 2 or not re.search(r"[^\W\d]", _bare(claims[-1][0])):
                return
            claims = claims[:-1]
        for claim, gap in claims[self.checked :]:
            self.checked += 1
            if self.evidence.backing(claim) is None:
                continue
            self.on_topic = self.on_topic or on_question(_bare(claim), self.question)
            if self.on_topic:
                self._emit(self.gap + claim)
                self.gap = gap

    def _emit(self, text: str) -> None:
        try:
            assert self.on_token is not None
            self.on_token(text)
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
        return redact(" ".join(str(exc).split())[:300], self._secrets)

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
        """The model's checked answer; `fallback`'s refusal without asking the model when the
        evidence says refuse; `fallback`'s answer with a one-line notice when the model fails."""
        extract = fallback.answer(question, query, retrieval)
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
        gate = _StreamGate(on_token, _Evidence(passages, self.verifier.verify), question)
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
        text = _THINK.sub("", raw).strip()
        refusal = Answer(
            question, query, REFUSAL_TEXT, (), passages, refused=True, evidence=extract.evidence
        )
        if not text or is_not_found(text):
            return refusal
        checked = check_answer(text, passages, self.verifier.verify)
        if not checked.citations or not on_question(_bare(checked.text), question):
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
    text = _THINK.sub("", reply).strip()
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = re.sub(r"^(?:standalone (?:question|query)|query|question)\s*:\s*", "", line, flags=re.I)
    line = " ".join(line.strip("`\"'“”‘’ ").split())
    if not line or len(line) > 500 or is_not_found(line):
        return ""
    return line

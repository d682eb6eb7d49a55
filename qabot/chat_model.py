"""The LangChain chat model an LLM answerer talks to: built from the settings on first use,
its failure to build remembered, and its errors described without the secrets it holds."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from qabot.errors import QabotError
from qabot.redaction import redact
from qabot.text import one_line

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from qabot.settings import Settings

logger = logging.getLogger(__name__)


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


class ChatModel:
    """A chat model built by `factory` on first use (tests give fakes); `label` names it in
    logs. A failure to build is logged once and raised again on every use."""

    def __init__(self, factory: Callable[[], BaseChatModel], label: str) -> None:
        self.factory = factory
        self.label = label
        self._model: BaseChatModel | None = None
        self._error: Exception | None = None
        self._secrets: list[str] = []
        self._lock = threading.Lock()

    def get(self) -> BaseChatModel:
        """The chat model, built once; `LLMSetupError` if it cannot be built."""
        with self._lock:
            if self._model is None and self._error is None:
                try:
                    self._model = self.factory()
                    self._secrets = _secrets_of(self._model)
                except Exception as exc:  # noqa: BLE001 - reported on every use, never raised raw
                    self._error = LLMSetupError(describe(exc))
                    logger.error("cannot set up the LLM %s: %s", self.label, self.redact(exc))
            if self._error is not None:
                raise self._error
            assert self._model is not None
            return self._model

    def warm_up(self) -> None:
        """Build the model now (imports are slow); a failure is logged and reported per answer."""
        with contextlib.suppress(Exception):  # logged in get(); answers fall back with a notice
            self.get()

    def redact(self, exc: BaseException) -> str:
        """The failure's message, shortened, without the model's secrets or anything like a key."""
        return redact(one_line(str(exc))[:300], self._secrets)


def _secrets_of(model: object) -> list[str]:
    """Secret values a model holds (API keys), to keep them out of log and notice text."""
    found = []
    for value in getattr(model, "__dict__", {}).values():
        if isinstance(value, SecretStr) and len(value.get_secret_value()) >= 4:
            found.append(value.get_secret_value())
    return found


def describe(exc: BaseException) -> str:
    """A short, secret-free name for a failure: its HTTP status, else its class."""
    status = getattr(exc, "status_code", None)
    return f"HTTP {status}" if isinstance(status, int) else type(exc).__name__


def is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError) or any(
        "Timeout" in cls.__name__ for cls in type(exc).__mro__
    )

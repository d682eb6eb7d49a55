"""Process-wide state, set only by the entry points (the command line, which also runs the
bot; the benchmarks; the tests), never by the core: the libraries' offline mode and log noise,
logging levels and format, where records go, and the secrets they must never carry."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from qabot.redaction import Redactor

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Libraries that log at INFO what nobody needs; httpx and httpcore log request URLs, and a
#: Telegram URL carries the bot token.
_NOISY = ("httpx", "httpcore", "chromadb", "sentence_transformers", "transformers", "bm25s")


def configure_logging(verbose: bool) -> None:
    """INFO with `verbose`, else WARNING, on stderr; noisy libraries at WARNING either way."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format=_FORMAT)
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)


def log_to_file(path: Path) -> None:
    """Send log records to `path` instead of the terminal (the REPL without -v: warnings must
    not print into the conversation)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.StreamHandler) and not isinstance(
            handler, logging.FileHandler
        ):
            root.removeHandler(handler)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        root.addHandler(logging.NullHandler())
        return
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)


def redact_logs(secrets: Iterable[str]) -> Redactor:
    """Mask `secrets` in every log record from now on: through the root logger's handlers, the
    last-resort handler, and warnings, which are routed through logging."""
    redactor = Redactor(secrets)
    logging.captureWarnings(True)
    for handler in [*logging.getLogger().handlers, logging.lastResort]:
        if handler is not None and redactor not in handler.filters:
            handler.addFilter(redactor)
    return redactor


class _BelowRootLevel(logging.Filter):
    """Drops records below the root logger's level: bm25s sets its own logger to DEBUG when
    it is imported, which would let its debug lines through the app's handlers."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.getLogger().getEffectiveLevel()


class _NoPreprocessAdvice(logging.Filter):
    """ONNX Runtime advises pre-processing on the root logger while it quantises the model;
    the fused graph qabot quantises is final."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


def configure_libraries() -> None:
    """Models only from local folders (no model-hub calls), and quiet third-party loggers."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _filter_once(logging.getLogger("bm25s"), _BelowRootLevel())
    _filter_once(logging.getLogger(), _NoPreprocessAdvice())


def _filter_once(logger: logging.Logger, new: logging.Filter) -> None:
    if not any(type(f) is type(new) for f in logger.filters):
        logger.addFilter(new)

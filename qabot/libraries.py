"""Process-wide settings of the libraries qabot uses, made once by each entry point (the
command line, which also runs the bot; the benchmarks; the tests), never by the core."""

from __future__ import annotations

import logging
import os


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

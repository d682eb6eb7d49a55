"""Keeping secrets (the bot token, API keys) out of what is logged or shown: one way to mask."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

MASK = "[REDACTED]"
#: API keys by their usual shape, masked even when not known as secrets (the prefix stays, so
#: a reader still sees which kind of key it was).
_KEY_SHAPE = re.compile(r"\b(sk-|key-)[A-Za-z0-9_\-]{8,}")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret, and anything shaped like an API key, masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return _KEY_SHAPE.sub(r"\1***", text)


class Redactor(logging.Filter):
    """Masks secrets in log records: the message, its arguments and tracebacks."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is still logged, redacted
            message = str(record.msg)
        redacted = self.redact(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

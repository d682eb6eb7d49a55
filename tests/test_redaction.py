"""Secrets masked in text and in log records, tracebacks included."""

from __future__ import annotations

import logging

import pytest

from qabot.redaction import Redactor, redact

TOKEN = "123456:SECRET-token"


def test_known_secrets_and_key_shaped_strings_are_masked() -> None:
    text = f"token {TOKEN} and key sk-abcdefghijklmnop1234 in a URL /bot{TOKEN}/getMe"
    assert redact(text, [TOKEN, ""]) == (
        "token [REDACTED] and key sk-*** in a URL /bot[REDACTED]/getMe"
    )
    assert redact("nothing secret: sk-short", []) == "nothing secret: sk-short"


def test_redactor_scrubs_messages_args_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    redactor = Redactor([TOKEN])
    log = logging.getLogger("qabot.test_redact")
    caplog.handler.addFilter(redactor)
    try:
        log.warning("GET https://api.telegram.org/bot%s/getMe", TOKEN)
        try:
            raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
        except RuntimeError:
            log.exception("failed")
    finally:
        caplog.handler.removeFilter(redactor)
    assert TOKEN not in caplog.text
    assert "[REDACTED]" in caplog.text and "was rejected" in caplog.text

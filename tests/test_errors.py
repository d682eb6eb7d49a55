"""Every error a user can cause is a `QabotError` (one line, no traceback), and keeps the
built-in base its callers catch."""

from __future__ import annotations

import pytest

from qabot.chat_model import LLMSetupError, LLMTimeout
from qabot.embedder import ModelNotFound
from qabot.errors import QabotError
from qabot.ingest import CorpusError, IngestLocked
from qabot.prompts import PromptError
from qabot.store import IndexMismatch, StoreUnavailable
from qabot.store_check import StoreDamaged
from qabot.writer_claim import WriterBusy


@pytest.mark.parametrize(
    ("error", "builtin"),
    [
        (ModelNotFound, RuntimeError),
        (IndexMismatch, RuntimeError),
        (StoreUnavailable, RuntimeError),
        (WriterBusy, RuntimeError),
        (StoreDamaged, RuntimeError),
        (IngestLocked, RuntimeError),
        (CorpusError, ValueError),
        (LLMSetupError, RuntimeError),
        (LLMTimeout, TimeoutError),
        (PromptError, ValueError),
    ],
)
def test_core_errors_share_the_one_base(error: type[Exception], builtin: type[Exception]) -> None:
    assert issubclass(error, QabotError) and issubclass(error, builtin)

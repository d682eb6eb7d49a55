"""Identical articles in two files are one citation naming both."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from qabot.qa import QA
from qabot.settings import Settings
from tests.common import CARTER


def test_a_byte_identical_copy_is_cited_once(
    make_settings: Callable[..., Settings], corpus: Path
) -> None:
    shutil.copy(corpus / CARTER, corpus / "copy.txt")
    qa = QA(make_settings(corpus_dir=corpus))
    qa.ingest()
    answer = qa.ask("Who did Carter talk to?")
    assert not answer.refused
    texts = [p.text for p in answer.passages]
    assert len(texts) == len(set(texts))
    first = answer.citations[0]
    assert {first.source, *first.also_in} == {CARTER, "copy.txt"}
    assert not any(c.quote == first.quote for c in answer.citations[1:])

"""Identical articles in two files are one citation naming both."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from qabot.domain import Passage
from qabot.qa import QA
from qabot.retrieve import collapse_twins
from qabot.settings import Settings
from tests.common import CARTER


def _passage(pid: str, source: str, text: str) -> Passage:
    return Passage(pid, source, "t", text, 0, len(text), 1, 1)


def test_collapse_twins_keeps_the_first_and_names_the_others() -> None:
    text = "The defence chiefs spoke for fifty minutes on the telephone about Syria today."
    near = text.replace("today.", "today!")
    ranked = [
        _passage("a", "x.txt", text),
        _passage("b", "y.txt", text),
        _passage("c", "z.txt", near),
        _passage("d", "w.txt", "Something else entirely, about cooking and recipes."),
    ]
    got = collapse_twins(ranked, k=2)
    assert [p.id for p in got] == ["a", "d"]
    assert got[0].also_in == ("y.txt", "z.txt")


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

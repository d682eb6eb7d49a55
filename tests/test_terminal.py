"""What the terminal shows, in a pipe (plain lines): the catalog, eval metrics, the corpus line,
and streamed answers. (Answers and sources with hostile text: tests/test_hostile_corpora.py.)"""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from qabot.catalog import DocEntry
from qabot.terminal import TokenEcho, corpus_line, render_catalog, render_metrics


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    console.soft_wrap = True  # as `make_console` has it in a pipe
    return console, out


def test_catalog_lists_facts_and_marks_deleted_files(tmp_path: Path) -> None:
    console, out = _console()
    render_catalog(console, [], tmp_path)
    assert f"run `qabot ingest --corpus {tmp_path}`" in out.getvalue()
    entries = [
        DocEntry("a[b].txt", "Title [red]x[/red]", 1, ("c.txt",), "2024-03-05T08:00:00", True),
        DocEntry("gone.txt", "", 3, (), "", False, url="https://e.org/g", date="2024-01-02"),
    ]
    console, out = _console()
    render_catalog(console, entries, tmp_path)
    lines = out.getvalue().splitlines()
    assert lines[0] == "a[b].txt — Title [red]x[/red]"
    assert lines[1] == "    1 passage · date unknown · indexed 2024-03-05 08:00 UTC · twins: c.txt"
    assert lines[2] == "gone.txt — (no title) (file deleted; gone after the next ingest)"
    assert lines[3] == "    3 passages · dated 2024-01-02 · from https://e.org/g"
    assert lines[4] == f"2 articles, 4 passages in the index of {tmp_path}."


def test_metrics_table_and_corpus_line() -> None:
    console, out = _console()
    render_metrics(console, {"mrr": 0.8571428, "questions": 3}, "qabot eval — [b]x.jsonl")
    text = out.getvalue()
    assert "qabot eval — [b]x.jsonl" in text and "0.857" in text and "3" in text
    assert corpus_line(Path("/news"), 1, 2) == "Corpus /news: 1 article, 2 passages."


def test_token_echo_shows_tokens_once_and_returns_them() -> None:
    console, out = _console()
    echo = TokenEcho(console)
    echo.start()  # in a pipe, no "thinking…" unless asked for
    for token in ("Carter ", "called \x1b]0;x\x07[b]Shoigu[/b]."):
        echo(token)
    assert echo.finish() == "Carter called \x1b]0;x\x07[b]Shoigu[/b]."
    assert out.getvalue() == "Carter called ]0;x[b]Shoigu[/b].\n"
    assert echo.finish() == ""  # nothing streamed since

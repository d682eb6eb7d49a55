"""The chat loop on its own: lines in, an `ask(question, history)` callback, answers rendered.
(`qabot chat` end to end: tests/test_chat.py.)"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from qabot.domain import REFUSAL_TEXT, Answer, Citation, Passage
from qabot.repl import Repl

QUOTE = "Carter spoke with Shoigu by telephone."
PASSAGE = Passage("p1", "a.txt", "Carter calls", QUOTE + " More text.", 0, 49, 3, 4)
CITATION = Citation(1, "a.txt", "Carter calls", 3, 3, 0, len(QUOTE), QUOTE, "p1")


def _answer(question: str, text: str = QUOTE + " [1]") -> Answer:
    return Answer(question, question, text, (CITATION,), (PASSAGE,), short_answer="Shoigu")


def _repl(ask: Callable[..., Answer], **kw: object) -> tuple[Repl, Callable[[], str]]:
    out = io.StringIO()
    repl = Repl(ask, Console(file=out, width=200, color_system=None), **kw)  # type: ignore[arg-type]
    return repl, out.getvalue


def test_repl_shows_what_was_typed_and_errors_as_text() -> None:
    def ask(question: str, history: list[str]) -> Answer:
        raise ValueError(f"cannot answer [bold]{question}[/] \x1b]0;owned\x07")

    repl, output = _repl(ask)
    for line in ("/[/]", "/[red]x[/red]", "What about [/]?"):
        assert repl.handle(line)
    out = output()
    assert "Unknown command '/[/]'" in out and "Unknown command '/[red]x[/red]'" in out
    assert "Error: cannot answer [bold]What about [/]?[/] ]0;owned" in out


def test_history_is_bounded_and_reset_forgets_it() -> None:
    seen: list[list[str]] = []

    def ask(question: str, history: list[str]) -> Answer:
        seen.append(history)
        return _answer(question)

    repl, output = _repl(ask, max_turns=2)
    for q in ("q1", "q2", "q3", "q4"):
        assert repl.handle(q)
    assert seen == [[], ["q1"], ["q1", "q2"], ["q2", "q3"]]
    assert repl.handle("/RESET")
    assert repl.handle("q5") and seen[-1] == []
    out = output()
    assert out.count("Shoigu\n") == 5 and "Conversation forgotten." in out  # short answer first
    assert "[1] Carter calls — a.txt:3" in out and f"“{QUOTE}”" in out


def test_sources_show_the_full_passages_of_the_last_answer() -> None:
    answers = iter([_answer("q"), Answer("q2", "q2", REFUSAL_TEXT, (), (PASSAGE,), refused=True)])
    repl, output = _repl(lambda question, history: next(answers))
    repl.handle("/sources")
    assert "No answer yet: ask a question first." in output()
    repl.handle("who?")
    repl.handle("/sources")
    assert f"[1] Carter calls — a.txt:3-4\n    {QUOTE} More text." in output()
    repl.handle("why?")
    assert REFUSAL_TEXT in output()
    repl.handle("/sources")
    assert "No passage was cited; the closest passages retrieved were:" in output()


def test_save_writes_the_conversation_or_says_why_not(tmp_path: Path) -> None:
    repl, output = _repl(lambda question, history: _answer(question), corpus="/news")
    repl.handle("/save")
    assert "Say where: /save FILE" in output()
    repl.handle(f"/save {tmp_path / 'x.md'}")
    assert "Nothing to save yet" in output() and not (tmp_path / "x.md").exists()
    repl.handle("Who did Carter call?")
    repl.handle(f"/save {tmp_path / 'missing' / 'x.md'}")
    assert f"Could not save to {tmp_path / 'missing' / 'x.md'}: " in output()
    repl.handle(f"/save {tmp_path / 'x.md'}")
    assert f"Saved 1 answer to {tmp_path / 'x.md'}." in output()
    assert "## Who did Carter call?" in (tmp_path / "x.md").read_text(encoding="utf-8")


def test_ctrl_c_cancels_a_question_and_exit_words_leave() -> None:
    def ask(question: str, history: list[str], on_token: Callable[[str], None]) -> Answer:
        on_token("Carter ")
        raise KeyboardInterrupt

    repl, output = _repl(ask, stream=True)
    assert repl.handle("who?")
    assert "thinking…\nCarter \nCancelled." in output()
    assert repl.history == [] and repl.last is None  # nothing of it kept
    assert all(not repl.handle(word) for word in ("exit", "QUIT", "/exit", ":q"))


def test_run_reads_lines_until_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def ask(question: str, history: list[str]) -> Answer:
        asked.append(question)
        return _answer(question)

    monkeypatch.setattr("sys.stdin", io.StringIO("first\n\n  /help \nsecond\nexit\nthird\n"))
    repl, output = _repl(ask, corpus="/news", about=lambda: "Corpus /news: 1 article.")
    repl.run(interactive=False)
    assert asked == ["first", "second"]
    out = output()
    assert out.startswith("qabot — ask about /news. /help for commands, exit to leave.\n")
    assert "Corpus /news: 1 article.\nAsk a question about the corpus" in out

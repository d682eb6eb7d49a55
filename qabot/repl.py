"""The chat loop: read a line, hand it to a callback, render the Answer. Knows nothing of models."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.text import Text

from qabot.date_filter import DateError, DateRange
from qabot.domain import Answer, displayable
from qabot.terminal import TokenEcho, render_answer, render_sources
from qabot.transcript import conversation_markdown

logger = logging.getLogger(__name__)

HELP = """Ask a question about the corpus in plain words; follow-up questions are fine.
  /sources     the full passages behind the last answer, with file and lines
  /save FILE   write this conversation, with its citations, to FILE as Markdown
  /since DATE  search only articles published on or after DATE (YYYY, YYYY-MM or
               YYYY-MM-DD); /since off searches all again. /until DATE likewise.
  /dated-only on|off   leave out (or keep) articles with no known date
  /reset       forget this conversation
  /help        this text
  exit         leave (or Ctrl-D); Ctrl-C cancels a question"""

AskFn = Callable[..., Answer]  # ask(question, history[, on_token]) -> Answer


class Repl:
    """One terminal conversation. `ask(question, history)` does the work; `history` is the
    list of earlier questions, bounded to `max_turns`. With `stream`, `ask` also gets an
    `on_token` callback and the answer's tokens are shown as they come. `corpus` names what
    is asked about; `about()` says how much of it there is (for /help). While /since, /until
    or /dated-only restrict the search, `ask` also gets `dates=`."""

    def __init__(
        self,
        ask: AskFn,
        console: Console,
        history_file: Path | None = None,
        max_turns: int = 20,
        stream: bool = False,
        corpus: str = "the corpus",
        about: Callable[[], str] | None = None,
        dates: DateRange | None = None,
    ) -> None:
        self.ask = ask
        self.console = console
        self.history_file = history_file
        self.max_turns = max_turns
        self.stream = stream
        self.corpus = corpus
        self.about = about
        self.dates = dates or DateRange()
        self.history: list[str] = []
        self.answers: list[Answer] = []  # this conversation, for /save
        self.last: Answer | None = None

    def handle(self, line: str) -> bool:
        """Act on one input line; False means leave."""
        text = line.strip()
        if not text:
            return True
        command, _, argument = text.partition(" ")
        command = command.lower()
        if text.lower() in {"exit", "quit", "/exit", "/quit", ":q"}:
            return False
        if command == "/help":
            if self.about is not None:
                self.console.print(Text(displayable(self.about())))
            self.console.print(HELP, highlight=False, markup=False)
        elif command == "/reset":
            self.history.clear()
            self.answers.clear()
            self.last = None
            self.console.print("Conversation forgotten.")
        elif command == "/sources":
            render_sources(self.console, self.last)
        elif command == "/save":
            self.save(argument.strip())
        elif command in ("/since", "/until", "/dated-only"):
            self.restrict(command, argument.strip())
        elif command.startswith("/"):
            self.console.print(
                Text(f"Unknown command {displayable(text.split()[0])!r}; /help lists them.")
            )
        else:
            self._question(text)
        return True

    def _question(self, text: str) -> None:
        echo = TokenEcho(self.console, pipe_notice=True) if self.stream else None
        try:
            when = {"dates": self.dates} if self.dates else {}
            if echo is not None:
                echo.start()
                answer = self.ask(text, list(self.history), echo, **when)
            else:
                answer = self.ask(text, list(self.history), **when)
        except KeyboardInterrupt:  # Ctrl-C cancels this question, not the session
            if echo is not None:
                echo.finish()
            self.console.print("Cancelled.", style="dim")
            return
        except Exception as exc:  # keep the session alive, say what went wrong in one line
            logger.debug("question failed", exc_info=True)
            if echo is not None:
                echo.finish()
            self.console.print(Text.assemble(("Error: ", "red"), displayable(str(exc))))
            return
        self.last = answer
        self.answers.append(answer)
        self.history = (self.history + [text])[-self.max_turns :] if self.max_turns else []
        render_answer(self.console, answer, streamed=echo.finish() if echo is not None else "")

    def restrict(self, command: str, argument: str) -> None:
        """/since DATE, /until DATE (or `off`), /dated-only on|off: what later questions search."""
        try:
            dates = self.dates.restricted(command, argument)
        except DateError as exc:
            self.console.print(Text(displayable(str(exc))))
            return
        self.dates = dates
        self.console.print(Text(dates.searching()))

    def save(self, target: str) -> None:
        """Write this conversation as Markdown to `target` (/save FILE)."""
        if not target:
            self.console.print("Say where: /save FILE (for example /save notes.md).")
            return
        if not self.answers:
            self.console.print("Nothing to save yet: ask a question first.")
            return
        path = Path(target).expanduser()
        try:
            path.write_text(conversation_markdown(self.answers, self.corpus), encoding="utf-8")
        except OSError as exc:
            self.console.print(Text(f"Could not save to {target}: {exc.strerror or exc}"))
            return
        n = len(self.answers)
        self.console.print(Text(f"Saved {n} answer{'s' * (n != 1)} to {path}."))

    def run(self, interactive: bool | None = None) -> None:
        interactive = sys.stdin.isatty() if interactive is None else interactive
        self.console.print(
            Text(
                f"qabot — ask about {displayable(self.corpus)}. /help for commands, exit to leave."
            )
        )
        if interactive:
            self._run_prompt_toolkit()
            return
        try:
            for line in sys.stdin:
                if not self.handle(line):
                    break
        except KeyboardInterrupt:  # Ctrl-C while waiting for input from a pipe: leave
            pass

    def _run_prompt_toolkit(self) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory, History, InMemoryHistory

        history: History = InMemoryHistory()
        if self.history_file is not None:
            try:
                self.history_file.parent.mkdir(parents=True, exist_ok=True)
                history = FileHistory(str(self.history_file))
            except OSError:
                logger.warning("cannot keep line history in %s", self.history_file)
        session: PromptSession[str] = PromptSession(history=history)
        while True:
            try:
                line = session.prompt("› ")
            except KeyboardInterrupt:
                continue
            except EOFError:
                break
            if not self.handle(line):
                break

"""Everything qabot shows in a terminal, with rich: answers (streamed or whole), passages,
ingest progress and reports, the catalog of articles, eval metrics. Text from users and
articles is shown as text, never read as markup."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.status import Status
from rich.table import Table
from rich.text import Text

from qabot.catalog import DocEntry
from qabot.domain import Answer, Citation, Passage, credit, displayable, location
from qabot.ingest import IngestReport
from qabot.text import MARKER, one_line


def make_console(stderr: bool = False) -> Console:
    """A console that writes plain, unwrapped lines when its stream is not a terminal."""
    out = Console(stderr=stderr, highlight=False)
    out.soft_wrap = not out.is_terminal
    return out


def corpus_line(corpus: Path, articles: int, passages: int) -> str:
    """Which corpus answers, and how much of it the loaded index holds."""
    return (
        f"Corpus {corpus.resolve()}: {articles} article{'s' * (articles != 1)}, "
        f"{passages} passage{'s' * (passages != 1)}."
    )


def _marked(text: str) -> Text:
    """Answer text with its [n] markers in bold cyan."""
    text = displayable(text)
    out = Text()
    pos = 0
    for match in MARKER.finditer(text):
        out.append(text[pos : match.start()])
        out.append(match.group(0), style="bold cyan")
        pos = match.end()
    out.append(text[pos:])
    return out


def source_line(c: Citation | Passage, n: int | None = None) -> Text:
    """`[n] Title — Site, Author, 5 Jun 2022 — file:16`, with what is known of it."""
    head = Text()
    if n is not None:
        head.append(f"[{n}] ", style="bold cyan")
    if c.title:
        head.append(displayable(c.title), style="bold").append(" — ")
    if by := credit(c.meta):
        head.append(displayable(by)).append(" — ")
    head.append(displayable(location(c)), style="green")
    if c.also_in:
        head.append(f" (also in {displayable(', '.join(c.also_in))})", style="dim")
    return head


def _indented(console: Console, text: Text, bottom: int = 0) -> RenderableType:
    """`text` indented by four spaces: wrapped in a terminal, one plain line in a pipe."""
    if console.soft_wrap:  # Padding would fill the line to the console width, then crop
        lines = [Text("    ").append_text(line) for line in text.split("\n")]
        return Text("\n").join(lines).append("\n" * bottom)
    return Padding(text, (0, 0, bottom, 4))


class TokenEcho:
    """Shows "thinking…" until the first checked sentence of a streamed answer arrives, then
    each sentence as it comes; `finish` returns what was shown, so that the answer is not
    printed twice. In a terminal "thinking…" is a spinner that goes away; in a pipe it is a
    line, printed only when `pipe_notice`."""

    def __init__(self, console: Console, pipe_notice: bool = False) -> None:
        self.console = console
        self.pipe_notice = pipe_notice
        self.shown: list[str] = []
        self._status: Status | None = None

    @property
    def started(self) -> bool:
        return bool(self.shown)

    def start(self) -> None:
        """Say that the answer is on its way."""
        if self.console.is_terminal:
            self._status = self.console.status("thinking…", spinner="dots")
            self._status.start()
        elif self.pipe_notice:
            self.console.print(Text("thinking…", style="dim"))

    def _stop_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def __call__(self, token: str) -> None:
        self._stop_status()
        self.shown.append(token)
        self.console.print(Text(displayable(token)), end="", soft_wrap=True)

    def finish(self) -> str:
        """End the streamed text; the text shown."""
        self._stop_status()
        if self.shown:
            self.console.print()
        text, self.shown = "".join(self.shown), []
        return text


def render_answer(console: Console, answer: Answer, streamed: str = "") -> None:
    """The answer with its citations. `streamed` is the text already shown while the answer
    streamed: it is not printed again, unless the check changed it (then the checked text
    follows a line saying so)."""
    if answer.notice:
        console.print(Text(displayable(answer.notice), style="dim italic"))
    if answer.refused:
        console.print(Text(displayable(answer.text), style="yellow"))
        return
    if not streamed or streamed.split() != answer.text.split():
        if streamed:
            console.print(Text("As checked:", style="dim"))
        if answer.short_answer:
            console.print(Text(displayable(answer.short_answer), style="bold"))
        console.print(_marked(answer.text))
    console.print()
    for c in answer.citations:
        quote = Text("“" + one_line(displayable(c.quote)) + "”", style="italic dim")
        console.print(Group(source_line(c, c.n), _indented(console, quote)))


def render_sources(console: Console, answer: Answer | None) -> None:
    """The full passages behind the last answer: cited ones, else the closest retrieved."""
    if answer is None:
        console.print("No answer yet: ask a question first.")
        return
    shown = answer.sources()
    if shown and shown[0][0] is None:
        console.print(Text("No passage was cited; the closest passages retrieved were:", "dim"))
    for n, p in shown:
        console.print(source_line(p, n))
        console.print(_indented(console, Text(displayable(p.text)), bottom=1))


def render_report(console: Console, report: IngestReport) -> None:
    table = Table(title="Ingest summary", show_header=True, header_style="bold")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("files added", str(len(report.added)))
    table.add_row("files updated", str(len(report.updated)))
    table.add_row("files unchanged", str(len(report.unchanged)))
    table.add_row("files removed", str(len(report.removed)))
    table.add_row("files skipped", str(len(report.skipped)))
    table.add_row("passages written", str(report.passages_written))
    table.add_row("passages embedded", str(report.embedded))
    table.add_row("passages removed", str(report.passages_removed))
    table.add_row("passages in index", str(report.total_passages))
    table.add_row("seconds", f"{report.seconds:.2f}")
    console.print(table)
    if report.skipped:
        skipped = Table(title="Skipped files", show_header=True, header_style="bold")
        skipped.add_column("file")
        skipped.add_column("reason")
        for s in report.skipped:
            skipped.add_row(Text(displayable(s.source)), Text(displayable(s.reason)))
        console.print(skipped)


class IngestBars:
    """Progress bars for ingest: files scanned, then passages embedded (`IngestProgress`)."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.files: TaskID | None = None
        self.embed: TaskID | None = None
        self.to_embed = 0

    def __enter__(self) -> IngestBars:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def scanning(self, files: int) -> None:
        self.files = self.progress.add_task("files", total=files)

    def file_done(self, source: str) -> None:
        if self.files is not None:
            self.progress.advance(self.files)

    def embedding(self, texts: int) -> None:
        if self.embed is None:
            self.embed = self.progress.add_task("passages embedded", total=0)
        self.to_embed += texts
        self.progress.update(self.embed, total=self.to_embed)

    def embedded(self, n: int) -> None:
        if self.embed is not None:
            self.progress.advance(self.embed, n)

    def file_progress(self, source: str, done: int, total: int) -> None:
        """A big file read in windows: shown as one file, done when `file_done` says so."""


def render_catalog(console: Console, entries: list[DocEntry], root: Path) -> None:
    """`qabot docs`: each article with its facts on an indented line, then the totals."""
    if not entries:
        console.print(
            Text(f"Nothing from {root} is indexed yet: run `qabot ingest --corpus {root}`.")
        )
        return
    for e in entries:
        head = Text(displayable(e.source), style="green")
        head.append(" — ").append(displayable(e.title or "(no title)"), style="bold")
        if not e.in_folder:
            head.append(" (file deleted; gone after the next ingest)", style="yellow")
        facts = [
            f"{e.passages} passage{'s' * (e.passages != 1)}",
            ", ".join(x for x in (e.site, e.author) if x),
            f"dated {e.date}" if e.date else "date unknown",
            f"indexed {e.indexed_at.replace('T', ' ')[:16]} UTC" if e.indexed_at else "",
            f"twins: {', '.join(e.twins)}" if e.twins else "",
            f"from {e.url}" if e.url else "",
        ]
        console.print(head)
        console.print(Text("    " + displayable(" · ".join(f for f in facts if f)), "dim"))
    passages = sum(e.passages for e in entries)
    console.print(
        Text(
            f"{len(entries)} article{'s' * (len(entries) != 1)}, {passages} passages in "
            f"the index of {root}."
        )
    )


def render_metrics(console: Console, metrics: Mapping[str, object], title: str) -> None:
    """`qabot eval`: one row per metric."""
    table = Table(title=Text(title))
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in metrics.items():
        table.add_row(name, f"{value:.3f}" if isinstance(value, float) else str(value))
    console.print(table)

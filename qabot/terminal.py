"""Rendering answers, passages and ingest reports in the terminal with rich."""

from __future__ import annotations

import re

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from qabot.domain import Answer, Citation, Passage, credit, displayable, location
from qabot.ingest import IngestReport


def _marked(text: str) -> Text:
    """Answer text with its [n] markers in bold cyan."""
    text = displayable(text)
    out = Text()
    pos = 0
    for match in re.finditer(r"\[\d{1,3}\]", text):
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
        quote = Text("“" + " ".join(displayable(c.quote).split()) + "”", style="italic dim")
        console.print(Group(source_line(c, c.n), _indented(console, quote)))


def render_sources(console: Console, answer: Answer | None) -> None:
    """The full passages behind the last answer: cited ones, else the closest retrieved."""
    if answer is None:
        console.print("No answer yet: ask a question first.")
        return
    by_id = {p.id: p for p in answer.passages}
    cited = [(c.n, by_id.get(c.passage_id)) for c in answer.citations]
    shown: list[tuple[int | None, Passage]] = [(n, p) for n, p in cited if p is not None]
    if not shown:
        console.print(Text("No passage was cited; the closest passages retrieved were:", "dim"))
        shown = [(None, p) for p in answer.passages]
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

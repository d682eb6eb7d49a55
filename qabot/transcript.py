"""A conversation as a Markdown document: each question, its answer and citations (`/save`)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from qabot.domain import Answer, displayable
from qabot.text import line_label


def _md(text: str) -> str:
    """Document text made inert for Markdown: no HTML, no bidi controls, one line."""
    return html.escape(" ".join(displayable(text).split()), quote=False)


def conversation_markdown(answers: Sequence[Answer], corpus: str) -> str:
    """The questions and answers in order, every citation with its file, lines and quote."""
    out = ["# qabot conversation", "", f"Corpus: {_md(corpus)}", ""]
    for answer in answers:
        out += [f"## {_md(answer.question)}", ""]
        if answer.notice:
            out += [f"*{_md(answer.notice)}*", ""]
        if answer.short_answer and not answer.refused:
            out += [f"**{_md(answer.short_answer)}**", ""]
        out += [_md(answer.text), ""]
        for c in answer.citations:
            also = f" (also in {_md(', '.join(c.also_in))})" if c.also_in else ""
            where = f"{_md(c.source)}:{line_label(c.start_line, c.end_line)}"
            out.append(f"- [{c.n}] {_md(c.title or c.source)} — {where}{also}")
            out.append(f"  > {_md(c.quote)}")
        if answer.citations:
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"

"""A conversation as a Markdown document: each question, its answer and citations (`/save`)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from qabot.domain import Answer, credit, displayable, location
from qabot.text import one_line


def _md(text: str) -> str:
    """Document text made inert for Markdown: no HTML, no bidi controls, one line."""
    return html.escape(one_line(displayable(text)), quote=False)


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
            head = " — ".join(_md(x) for x in (c.title, credit(c.meta), location(c)) if x)
            out.append(f"- [{c.n}] {head}{also}")
            out.append(f"  > {_md(c.quote)}")
        if answer.citations:
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"

"""Answers as Telegram HTML, and HTML split into messages of at most 4096 characters."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qabot.domain import Answer, Citation, Passage, credit, displayable, location
from qabot.text import MARKER, one_line

logger = logging.getLogger(__name__)

#: Telegram's longest message text.
MESSAGE_LIMIT = 4096

_TOKEN = re.compile(r"<[^<>]*>|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);|[\s\S]")
_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)[^<>]*>")
_SENTENCE_END = frozenset('.!?…]"”’)')


def escape(text: str) -> str:
    """Text made safe for Telegram's HTML parse mode (&, < and > escaped, no bidi controls)."""
    return html.escape(displayable(text), quote=False)


def visible_text(markup: str) -> str:
    """What a reader sees of Telegram HTML: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^<>]*>", "", markup))


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _shorten(text: str, limit: int) -> str:
    text = one_line(text)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut + " …"


def marked(text: str) -> str:
    """Answer text escaped, with its [n] markers in bold."""
    return MARKER.sub(lambda m: f"<b>{m.group(0)}</b>", escape(text))


def source_line(c: Citation | Passage, n: int | None = None) -> str:
    """`[n] Title — Site, Author, 5 Jun 2022 — path:lines (also in other/file.txt)`, as in
    the terminal."""
    head = f"<b>[{n}]</b> " if n is not None else ""
    if c.title:
        head += f"<b>{escape(c.title)}</b> — "
    if by := credit(c.meta):
        head += f"{escape(by)} — "
    also = f" (also in {escape(', '.join(c.also_in))})" if c.also_in else ""
    return f"{head}<code>{escape(location(c))}</code>{also}"


def render_answer(answer: Answer, quote_chars: int = 240) -> str:
    """The reply to a question: notice, answer text with [n] markers, a compact sources block."""
    blocks: list[str] = []
    if answer.notice:
        blocks.append(f"<i>{escape(answer.notice)}</i>")
    if answer.refused or not answer.citations:
        blocks.append(escape(answer.text))
        return "\n\n".join(blocks)
    if answer.short_answer:
        blocks.append(f"<b>{escape(answer.short_answer)}</b>")
    blocks.append(marked(answer.text))
    for c in answer.citations:
        quote = escape(_shorten(c.quote, quote_chars))
        blocks.append(f"{source_line(c, c.n)}\n<i>“{quote}”</i>")
    return "\n\n".join(blocks)


def render_sources(answer: Answer | None) -> str:
    """The full passages behind an answer: cited ones, else the closest retrieved."""
    if answer is None:
        return "No answer yet: ask a question first."
    blocks = [f"<b>Question:</b> {escape(answer.question)}"]
    if answer.query and answer.query != answer.question:
        blocks[0] += f"\n<b>Searched for:</b> {escape(answer.query)}"
    shown = answer.sources()
    if not shown:
        blocks.append("No passage was retrieved.")
        return "\n\n".join(blocks)
    if shown[0][0] is None:
        blocks.append("<i>No passage was cited; the closest passages retrieved were:</i>")
    for n, p in shown:
        blocks.append(f"{source_line(p, n)}\n<blockquote>{escape(p.text.strip())}</blockquote>")
    return "\n\n".join(blocks)


def render_help(
    articles: Sequence[tuple[str, str]], passages: int, group: bool, username: str
) -> str:
    """/start and /help: what the bot knows (`articles` as (source, title) pairs) and how to
    ask it, in a private chat or in a group."""
    how = (
        f"In this group, mention me (@{escape(username)}) with your question, reply to "
        "one of my messages, or use <code>/ask QUESTION</code>."
        if group
        else "Send me a question in plain words; follow-up questions are fine."
    )
    example = ""
    if articles:
        source, title = articles[0]
        example = f"For example, ask about “{escape(title or source)}”."
    lines = [
        f"I answer questions about a collection of {len(articles)} news article"
        f"{'s' if len(articles) != 1 else ''} ({passages} passages). Every answer quotes "
        "and cites the passages it comes from, and when the articles do not say, I say so.",
        "",
        how,
        example,
        "",
        "/ask QUESTION — ask a question",
        "/sources — the full passages behind the last answer, with file and lines",
        "/reset — forget this conversation",
        "/since DATE, /until DATE — search only articles published from or up to DATE "
        "(YYYY, YYYY-MM or YYYY-MM-DD; <code>off</code> searches all again)",
        "/dated_only on|off — leave out (or keep) articles with no known date",
        "/whoami — your numeric user id",
        "/help — this text",
    ]
    return "\n".join(lines)


# --- splitting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    raw: str
    kind: str  # "open", "close", "text" (a character or an entity)
    name: str = ""


def _tokenize(markup: str) -> list[_Token]:
    tokens = []
    for raw in _TOKEN.findall(markup):
        m = _TAG.fullmatch(raw) if raw.startswith("<") else None
        if m is None:
            tokens.append(_Token(raw, "text"))
        else:
            tokens.append(_Token(raw, "close" if m.group(1) else "open", m.group(2).lower()))
    return tokens


def _char(tok: _Token) -> str:
    return tok.raw if tok.kind == "text" and len(tok.raw) == 1 else ""


def _boundary_level(tokens: list[_Token], pos: int) -> int | None:
    """How good a place to cut is just before `tokens[pos]`: 0 paragraph, 1 line, 2 sentence,
    3 word; None if not a boundary. Cuts come after whitespace, which stays with the first part."""
    prev = _char(tokens[pos - 1])
    if not prev.isspace():
        return None
    if prev == "\n":
        # look back past tags for a second newline
        i = pos - 2
        while i >= 0 and tokens[i].kind != "text":
            i -= 1
        return 0 if i >= 0 and _char(tokens[i]) == "\n" else 1
    i = pos - 2
    while i >= 0 and tokens[i].kind != "text":
        i -= 1
    return 2 if i >= 0 and _char(tokens[i]) in _SENTENCE_END else 3


def _close(stack: list[_Token]) -> str:
    return "".join(f"</{t.name}>" for t in reversed(stack))


def split_html(markup: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split Telegram HTML into messages of at most `limit` characters each.

    Cuts fall at a paragraph break if one is in the second half of the window, else a line
    break, a sentence end, a space, in that order; never inside a tag or an entity. Tags open
    at a cut are closed at the end of one part and reopened at the start of the next, so
    every part is well-formed and the parts' visible texts concatenate to the whole's.
    """
    if tg_len(markup) <= limit:
        return [markup] if markup.strip() else []
    tokens = _tokenize(markup)
    sizes = [tg_len(t.raw) for t in tokens]
    parts: list[str] = []
    start, stack = 0, list[_Token]()  # the tags open at `start`
    while start < len(tokens):
        prefix = "".join(t.raw for t in stack)
        size = tg_len(prefix)
        cur = list(stack)
        pos = start
        best: dict[int, tuple[int, list[_Token]]] = {}  # level -> latest (pos, stack)
        fill: dict[int, int] = {}
        while pos < len(tokens):
            tok = tokens[pos]
            nxt = cur
            if tok.kind == "open":
                nxt = [*cur, tok]
            elif tok.kind == "close":
                idx = max((i for i, t in enumerate(cur) if t.name == tok.name), default=-1)
                nxt = cur[:idx] + cur[idx + 1 :] if idx >= 0 else cur
            closing = tg_len(_close(nxt))
            if size + sizes[pos] + closing > limit and pos > start:
                break
            size += sizes[pos]
            cur = nxt
            pos += 1
            if pos < len(tokens):
                level = _boundary_level(tokens, pos)
                if level is not None:
                    best[level] = (pos, cur)
                    fill[level] = size
        if pos >= len(tokens):
            cut, cut_stack = len(tokens), cur
        else:
            chosen = next((lvl for lvl in sorted(best) if fill[lvl] >= limit // 2), None)
            if chosen is None and best:
                chosen = max(best, key=lambda lvl: best[lvl][0])
            cut, cut_stack = best[chosen] if chosen is not None else (pos, cur)
        body = "".join(t.raw for t in tokens[start:cut])
        part = prefix + body + _close(cut_stack)
        if visible_text(part).strip():
            parts.append(part)
        start, stack = cut, cut_stack
    return parts


def preview(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """A streamed, not yet checked answer as one message: escaped and cut to fit."""
    parts = split_html(escape(text), limit - 2)
    if not parts:
        return "…"
    return parts[0] + (" …" if len(parts) > 1 else "")

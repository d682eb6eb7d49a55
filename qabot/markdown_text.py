"""Markdown as the text a reader sees, line for line: headings without `#`, links as their
words, no emphasis marks, so a citation's line is the line of the Markdown file.

Front matter (a `---` block at the top) stays as it is, for `article_meta` to read and cite;
it is not article text. Deterministic: the citation check converts the file again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)\s*$")
_FENCE = re.compile(r"^\s{0,3}(?:```|~~~)")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})(?:\s+|$)(.*?)(?:\s+#+)?\s*$")
_RULE = re.compile(r"^\s{0,3}(?:(?:[-*_]\s*){3,}|=+)\s*$")
_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_LIST = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+")
_LINK_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+")
_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), ""),  # images: their alt text is not article text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # [words](url)
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [words][ref]
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),  # <https://...>
    (re.compile(r"</?[A-Za-z][^<>]*>"), ""),  # inline HTML tags
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # strong
    (re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])"), r"\2"),  # emphasis
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),  # strikethrough
    (re.compile(r"`([^`]+)`"), r"\1"),  # code
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|])"), r"\1"),  # backslash escapes
    (re.compile(r" {2,}$"), ""),  # hard line breaks
]


def front_matter_lines(lines: list[str]) -> int:
    """How many lines at the top are front matter (0 when there is none)."""
    if not lines or lines[0].strip() != "---":
        return 0
    for i, line in enumerate(lines[1:], start=1):
        if _FRONT_MATTER_END.match(line):
            return i + 1
    return 0


def plain_line(line: str) -> str:
    """One line of Markdown as a reader sees it."""
    if _RULE.match(line) or _LINK_DEFINITION.match(line):
        return ""
    heading = _HEADING.match(line)
    line = heading.group(2) if heading else _LIST.sub("", _QUOTE.sub("", line), count=1)
    for pattern, replacement in _INLINE:
        line = pattern.sub(replacement, line)
    return line


@dataclass(frozen=True)
class MarkdownText:
    text: str  # as many lines as the file
    front_matter: tuple[str, ...]  # its lines between the `---` lines
    front_matter_end: int  # offset of `text` where the front matter ends (0: there is none)
    heading: tuple[int, int] | None  # span of the first top-level heading (`# ...`) in `text`


def markdown_text(markdown: str) -> MarkdownText:
    """The text of `markdown`, line for line, and where its front matter and title stand."""
    lines = markdown.split("\n")
    top = front_matter_lines(lines)
    out = lines[:top]
    offset = sum(len(line) + 1 for line in out)
    heading = None
    fenced = False
    for line in lines[top:]:
        if _FENCE.match(line):
            fenced = not fenced
            plain = ""
        else:
            plain = line if fenced else plain_line(line)
            m = _HEADING.match(line)
            if heading is None and not fenced and m and m.group(1) == "#" and plain.strip():
                lead = len(plain) - len(plain.lstrip())
                heading = (offset + lead, offset + len(plain.rstrip()))
        out.append(plain)
        offset += len(plain) + 1
    front_end = sum(len(line) + 1 for line in lines[:top]) - 1 if top else 0
    return MarkdownText("\n".join(out), tuple(lines[1 : top - 1]), front_end, heading)

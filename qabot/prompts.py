"""Prompt templates as files in `qabot/prompt_templates/` (package data), loaded by name;
their variables are checked."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate

from qabot.errors import QabotError

logger = logging.getLogger(__name__)

#: Shipped inside the package, so that an installed `qabot` finds them too.
PROMPTS_DIR = Path(__file__).resolve().parent / "prompt_templates"

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SECTION = re.compile(r"^##[ \t]+(system|human|ai)[ \t]*$", re.M | re.I)
_NAME = re.compile(r"[a-z][a-z0-9_]*")


class PromptError(QabotError, ValueError):
    """A prompt that does not exist, does not parse, or got the wrong variables."""


@dataclass(frozen=True)
class Prompt:
    """A chat prompt template; user and document text only ever enter it as variables."""

    name: str
    template: ChatPromptTemplate

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(self.template.input_variables)

    def format_messages(self, **values: str) -> list[BaseMessage]:
        """The messages for these values; a missing or an extra variable raises PromptError."""
        missing = self.variables - values.keys()
        extra = values.keys() - self.variables
        if missing or extra:
            raise PromptError(
                f"prompt {self.name!r}: missing variables {sorted(missing)}, "
                f"unexpected variables {sorted(extra)}"
            )
        return self.template.format_messages(**values)


def parse_prompt(name: str, source: str) -> Prompt:
    """Build a Prompt from file text: `## system` / `## human` / `## ai` sections, f-string vars."""
    text = _COMMENT.sub("", source)
    heads = list(_SECTION.finditer(text))
    if not heads:
        raise PromptError(f"prompt {name!r} has no '## system' or '## human' section")
    if text[: heads[0].start()].strip():
        raise PromptError(f"prompt {name!r} has text before its first section")
    messages: list[tuple[str, str]] = []
    for head, nxt in zip(heads, heads[1:] + [None], strict=True):
        body = text[head.end() : nxt.start() if nxt else len(text)].strip("\n")
        if not body.strip():
            raise PromptError(f"prompt {name!r} has an empty {head.group(1)} section")
        messages.append((head.group(1).lower(), body))
    try:
        template = ChatPromptTemplate.from_messages(messages, template_format="f-string")
    except (ValueError, KeyError) as exc:
        raise PromptError(f"prompt {name!r} does not parse: {exc}") from exc
    return Prompt(name, template)


def load_prompt(
    name: str, variables: set[str] | frozenset[str] | None = None, directory: Path | None = None
) -> Prompt:
    """The prompt `<name>.md` of `PROMPTS_DIR`; given `variables`, it must use exactly those."""
    if not _NAME.fullmatch(name):
        raise PromptError(f"invalid prompt name {name!r}")
    prompt = _load(name, (directory or PROMPTS_DIR).resolve())
    if variables is not None and prompt.variables != set(variables):
        raise PromptError(
            f"prompt {name!r} uses variables {sorted(prompt.variables)}, "
            f"expected {sorted(variables)}"
        )
    return prompt


@lru_cache(maxsize=32)
def _load(name: str, directory: Path) -> Prompt:
    for suffix in (".md", ".txt"):
        path = directory / f"{name}{suffix}"
        if path.is_file():
            logger.debug("loading prompt %s from %s", name, path)
            return parse_prompt(name, path.read_text(encoding="utf-8"))
    known = sorted(p.stem for p in directory.glob("*.md")) if directory.is_dir() else []
    raise PromptError(f"unknown prompt {name!r} in {directory} (known: {', '.join(known)})")

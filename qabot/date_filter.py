"""Restricting retrieval by publication date (`--since` / `--until`; `/since`, `/until` and
`/dated-only` in the REPL and in Telegram).

Articles with no known date are kept unless the user asks for dated ones only: a date is
shown only where an article gives one, so most undated articles are not old, just unlabelled.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace

from qabot.article_meta import parse_date
from qabot.domain import ArticleMeta, shown_date
from qabot.errors import QabotError

_PARTIAL = re.compile(r"^((?:19|20)\d\d)(?:-(\d\d?))?(?:-(\d\d?))?$")


class DateError(QabotError, ValueError):
    """A date the user wrote that cannot be read; says how to write one."""


def parse_bound(text: str, last: bool = False) -> str:
    """`text` as YYYY-MM-DD: "2022" and "2022-06" stand for their first day, or their last
    when `last` (an `--until` bound); "5 June 2022" is read as written."""
    m = _PARTIAL.match(text.strip())
    if m:
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        if month is None:
            return f"{year}-12-31" if last else f"{year}-01-01"
        mo = int(month)
        if 1 <= mo <= 12:
            if day is None:
                end = calendar.monthrange(year, mo)[1] if last else 1
                return f"{year}-{mo:02d}-{end:02d}"
            found = parse_date(f"{year}-{mo:02d}-{int(day):02d}")
            if found:
                return found
    found = parse_date(text)
    if not found:
        raise DateError(
            f"cannot read {text!r} as a date; write YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2022-06-05)"
        )
    return found


@dataclass(frozen=True)
class DateRange:
    """Publication dates to search: from `since` through `until` (YYYY-MM-DD, "" = open)."""

    since: str = ""
    until: str = ""
    undated: bool = True  # keep articles with no known date

    @classmethod
    def parse(cls, since: str | None, until: str | None, dated_only: bool = False) -> DateRange:
        """From what the user typed; `DateError` names the fix."""
        got = cls(
            parse_bound(since) if since else "",
            parse_bound(until, last=True) if until else "",
            not dated_only,
        )
        if got.since and got.until and got.since > got.until:
            raise DateError(f"--since {since} is after --until {until}")
        return got

    def restricted(self, command: str, argument: str) -> DateRange:
        """The range after a chat command: `/since DATE`, `/until DATE` (or `off`),
        `/dated-only on|off` (Telegram writes `/dated_only`); `DateError` says how to write
        it."""
        word = argument.strip().lower()
        if command.lstrip("/").replace("_", "-") == "dated-only":
            if word not in ("on", "off"):
                raise DateError(f"say {command} on or {command} off")
            return replace(self, undated=word == "off")
        if not word:
            raise DateError(f"say {command} DATE (e.g. {command} 2022-06) or {command} off")
        last = command.lstrip("/") == "until"  # "/until 2022" ends on the year's last day
        bound = "" if word == "off" else parse_bound(argument, last=last)
        since, until = (self.since, bound) if last else (bound, self.until)
        if since and until and since > until:
            raise DateError(f"{shown_date(since)} is after {shown_date(until)}")
        return DateRange(since, until, self.undated)

    def __bool__(self) -> bool:
        return bool(self.since or self.until or not self.undated)

    def admits(self, meta: ArticleMeta) -> bool:
        if not meta.published:
            return self.undated
        return (not self.since or meta.published >= self.since) and (
            not self.until or meta.published <= self.until
        )

    def searching(self) -> str:
        """What a chat says after its range changed: "Searching articles published since…"."""
        return f"Searching {self.describe() if self else 'all articles'}."

    def describe(self) -> str:
        """What is searched, in words: "articles published since 1 Jun 2022 (and undated ones)"."""
        parts = []
        if self.since:
            parts.append(f"since {shown_date(self.since)}")
        if self.until:
            parts.append(f"until {shown_date(self.until)}")
        what = " ".join(["articles published", *parts]) if parts else "dated articles"
        if parts and self.undated:
            what += " (and undated ones)"
        return what

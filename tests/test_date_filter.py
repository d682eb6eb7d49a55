"""Date bounds as users write them, and which articles a range admits."""

from __future__ import annotations

import re

import pytest

from qabot.date_filter import DateError, DateRange, parse_bound
from qabot.domain import ArticleMeta


@pytest.mark.parametrize(
    ("text", "last", "iso"),
    [
        ("2022", False, "2022-01-01"),
        ("2022", True, "2022-12-31"),
        ("2024-02", True, "2024-02-29"),
        ("2022-6", False, "2022-06-01"),
        ("2022-06-05", True, "2022-06-05"),
        ("5 June 2022", False, "2022-06-05"),
    ],
)
def test_bounds(text: str, last: bool, iso: str) -> None:
    assert parse_bound(text, last) == iso


@pytest.mark.parametrize("text", ["2022-13", "2022-02-30", "last week", ""])
def test_unreadable_bounds_say_how_to_write_one(text: str) -> None:
    with pytest.raises(DateError, match="write YYYY, YYYY-MM or YYYY-MM-DD"):
        parse_bound(text)


def test_a_range_keeps_undated_articles_unless_told() -> None:
    june = DateRange.parse("2022-06", "2022-06")
    assert june.admits(ArticleMeta(published="2022-06-30"))
    assert not june.admits(ArticleMeta(published="2022-07-01"))
    assert june.admits(ArticleMeta())
    assert not DateRange.parse("2022-06", None, dated_only=True).admits(ArticleMeta())
    assert not DateRange() and DateRange(undated=False)
    with pytest.raises(DateError, match="after"):
        DateRange.parse("2023", "2022")


def test_chat_commands_narrow_and_widen_the_range() -> None:
    """/since, /until and /dated-only (the REPL) or /dated_only (Telegram), step by step."""
    dates = DateRange().restricted("/since", "2022-06")
    assert dates == DateRange("2022-06-01", "", True)
    dates = dates.restricted("/until", "2022-06")
    assert dates == DateRange("2022-06-01", "2022-06-30", True)
    dates = dates.restricted("/dated_only", "on")
    assert dates.searching() == "Searching articles published since 1 Jun 2022 until 30 Jun 2022."
    dates = dates.restricted("/since", "off").restricted("/until", "OFF")
    assert dates.restricted("/dated-only", "off") == DateRange()
    assert DateRange().searching() == "Searching all articles."


@pytest.mark.parametrize(
    ("command", "argument", "error"),
    [
        ("/dated_only", "maybe", "say /dated_only on or /dated_only off"),
        ("/since", " ", "say /since DATE (e.g. /since 2022-06) or /since off"),
        ("/until", "June-ish", "cannot read 'June-ish' as a date"),
        ("/until", "2022-05", "1 Jun 2022 is after 31 May 2022"),
    ],
)
def test_a_chat_command_that_cannot_be_read_says_how(
    command: str, argument: str, error: str
) -> None:
    with pytest.raises(DateError, match=re.escape(error)):
        DateRange("2022-06-01").restricted(command, argument)

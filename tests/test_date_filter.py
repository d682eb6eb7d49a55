"""Date bounds as users write them, and which articles a range admits."""

from __future__ import annotations

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

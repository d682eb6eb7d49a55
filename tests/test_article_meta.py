"""Bylines and dates read from an article's own lines, and nothing read into lines that are text."""

from __future__ import annotations

from html import unescape

import pytest

from qabot.article_meta import from_front_matter, meta_lines, parse_date
from qabot.corpus_walk import iter_corpus_files
from qabot.domain import ArticleMeta
from qabot.loaders import load_document
from tests.common import SHARED, needs_shared


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("5 June 2022", "2022-06-05"),
        ("Sunday 5th June 2022, 08:30 BST", "2022-06-05"),
        ("June 5, 2022", "2022-06-05"),
        ("Sept. 18, 2015", "2015-09-18"),
        ("2022-06-05T08:30:00+01:00", "2022-06-05"),
        ("31 February 2022", ""),
        ("June 2022", ""),  # no day: not a date of publication
        ("on Friday", ""),
    ],
)
def test_parse_date(text: str, iso: str) -> None:
    assert parse_date(text) == iso


def _found(text: str) -> list[tuple[str, str, str, str, bool]]:
    return [
        (text[m.start : m.end], m.author, m.published, m.updated, m.in_body)
        for m in meta_lines(text)
    ]


def test_bylines_and_date_lines_at_the_top() -> None:
    text = (
        "Harbour bridge reopens\n\n"
        "Published 5 June 2022, by Staff Reporter\n"
        "Updated: 6 June 2022 09:00\n"
        "By Jane Smith and Tom Baker, Transport Correspondents\n"
        "Monday, June 6, 2022\n\n"
        "LONDON, 5 June 2022 (Reuters) - The bridge reopened on Saturday after six months of "
        "repairs to its cables, the council said.\n"
    )
    assert _found(text) == [
        ("Published 5 June 2022, by Staff Reporter", "Staff Reporter", "2022-06-05", "", False),
        ("Updated: 6 June 2022 09:00", "", "", "2022-06-06", False),
        (
            "By Jane Smith and Tom Baker, Transport Correspondents",
            "Jane Smith and Tom Baker",
            "",
            "",
            False,
        ),
        ("Monday, June 6, 2022", "", "2022-06-06", "", False),
        # a dateline opens the first paragraph: its date is read, its text stays text
        ("LONDON, 5 June 2022 (Reuters) -", "", "2022-06-05", "", True),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "By early 2005 the net could have two new domain names.",
        "By playing games, a University of Hertfordshire team is finding out how robots react.",
        "By-election date set for March",
        "Published figures show prices rose 5% in June 2022 compared with June 2021.",
        "Published figures show prices rose on 5 June 2022.",
        "Updated",
        "The council met on 5 June 2022 to approve the plan.",
    ],
)
def test_article_text_is_not_a_byline_or_date(line: str) -> None:
    assert meta_lines(f"A headline for the story\n\n{line}\n") == []


def test_front_matter() -> None:
    meta, title = from_front_matter(
        [
            'title: "Ferry strike called off"',
            "authors:",
            "  - Alex Moreno",
            "  - 'Sam Okafor'",
            "date: 2023-04-18T10:00:00Z",
            "publisher: Island Times",
            "canonical_url: https://islandtimes.example/ferry",
        ]
    )
    assert title == "Ferry strike called off"
    assert meta == ArticleMeta(
        "Alex Moreno, Sam Okafor", "2023-04-18", "Island Times", "https://islandtimes.example/ferry"
    )


@needs_shared("corpora/bbc")
def test_bbc_articles_keep_their_headlines_and_text() -> None:
    """The BBC files start with a headline line (two with HTML entities, shown as characters);
    no byline or date is read into them."""
    for path, source in iter_corpus_files(SHARED / "corpora" / "bbc"):
        if source == "README.TXT":
            continue
        doc = load_document(path, source)
        assert doc.title == unescape(doc.text.strip().split("\n", 1)[0].strip()), source
        assert doc.meta == ArticleMeta(), source
        assert meta_lines(doc.text) == [], source

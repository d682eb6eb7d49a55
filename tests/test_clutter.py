"""Page clutter never becomes article text: boxes of links, share bars, cookie and subscription
notes, in saved HTML pages of several layouts and in their plain-text equivalents."""

from __future__ import annotations

import pytest

from qabot.clutter import clean
from qabot.loaders import load_document
from tests.common import NEWS

#: Text of the clutter in the pages of tests/news.
CLUTTER = [
    "cookies",
    "Accept",
    "Share",
    "Facebook",
    "Related stories",
    "Ferry timetable extended",
    "Most read",
    "Most popular",
    "School fete",
    "Village shop saved",
    "Subscribe",
    "subscriber",
    "newsletter",
    "You may also like",
    "Bin collection changes",
    "potholes",  # a reader's comment
    "Registered in England",
    "All rights reserved",
    "Log in",
    "Advertisement",
]


@pytest.mark.parametrize(
    "name",
    [
        "harbour-bridge.html",
        "solar-farm.html",
        "council-budget.html",
        "market-day.txt",
        "ferry-strike.md",
    ],
)
def test_no_clutter_in_article_text(name: str) -> None:
    doc = load_document(NEWS / name, name)
    content = "\n".join(doc.text[s:e] for s, e in doc.spans)
    for clutter in CLUTTER:
        assert clutter not in content, clutter
    # ... and nothing of the byline or date lines either; they are metadata
    assert "Published" not in content and "Posted on" not in content


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("harbour-bridge.html", "The harbour bridge reopened", "relaid in the autumn."),
        ("solar-farm.html", "Planners have approved a solar farm", "take eleven months."),
        ("council-budget.html", "Northfield District Council has agreed", "31 votes to 12."),
        ("market-day.txt", "The riverside market will close", "during a trial last summer."),
        ("ferry-strike.md", "A 48-hour strike by ferry crews", "to its wage bill."),
    ],
)
def test_the_whole_story_is_kept(name: str, first: str, last: str) -> None:
    doc = load_document(NEWS / name, name)
    content = "\n".join(doc.text[s:e] for s, e in doc.spans)
    assert content.startswith(first) and content.endswith(last)


def test_plain_text_boxes_and_notes_are_dropped() -> None:
    text = (
        "Harbour Herald\n\nHarbour bridge reopens after repairs\n\n"
        "We use cookies to improve your experience on our site.\n\n"
        "The bridge reopened on Saturday after six months of repairs.\n\n"
        "Related stories\n- Ferry timetable extended\n- Steel prices push up costs\n\n"
        "Engineers replaced 48 of the 120 cables.\n\n"
        "Share on Facebook\n\nSubscribe now to read unlimited articles.\n\n"
        "Most read\n1. School fete raises £2,000\n2. Lifeboat rescues two kayakers.\n\n"
        "Support local journalism: subscribe to the Harbour Herald from just £1 a week.\n"
    )
    title, spans = clean(text)
    assert title == "Harbour bridge reopens after repairs"
    assert [text[s:e] for s, e in spans] == [
        "The bridge reopened on Saturday after six months of repairs.",
        "Engineers replaced 48 of the 120 cables.",
    ]


def test_a_long_paragraph_about_cookies_is_text() -> None:
    text = (
        "Cookie law changes explained\n\n"
        "Regulators said sites would have to ask before they use cookies, and that a banner "
        "telling visitors that a site uses them would no longer be enough under the new rules "
        "agreed in Brussels on Tuesday.\n"
    )
    title, spans = clean(text)
    assert title == "Cookie law changes explained"
    assert len(spans) == 1


def test_a_page_box_between_paragraphs_splits_them() -> None:
    doc = load_document(NEWS / "harbour-bridge.html", "harbour-bridge.html")
    texts = [doc.text[s:e] for s, e in doc.spans]
    # the share bar and the related-stories box sit between paragraphs: no passage spans them
    assert texts[0].endswith("rose sharply during the spring.")
    assert texts[1].startswith("Ferry operators")
    assert texts[2].startswith("A new weight limit")

"""HTML as text: every character mapped to its line of the file, boxes marked, hidden text out."""

from __future__ import annotations

from qabot.domain import Document
from qabot.html_text import html_text, non_article_blocks


def _line(page_text: str, starts: tuple[int, ...], needle: str) -> tuple[int, int]:
    doc = Document("x.html", "", page_text, (), "", starts)
    at = page_text.index(needle)
    return doc.line_of(at), doc.line_of(at + len(needle) - 1)


def test_every_character_keeps_the_line_it_stands_on() -> None:
    html = (
        "<html>\n<head><title>Not shown</title>\n<script>var x = 'hidden';</script></head>\n"
        "<body>\n<p>First paragraph on line five.</p>\n"
        "<p>A sentence that\n   runs over\n   three lines &amp; an entity.</p>\n"
        "<p>Caf&eacute; <b>bold</b>&nbsp;text</p>\n</body></html>\n"
    )
    page = html_text(html)
    assert page.text == (
        "First paragraph on line five.\n\n"
        "A sentence that runs over three lines & an entity.\n\n"
        "Café bold text"
    )
    assert _line(page.text, page.line_starts, "First paragraph") == (5, 5)
    assert _line(page.text, page.line_starts, "A sentence that runs over three lines") == (6, 8)
    assert _line(page.text, page.line_starts, "& an entity.") == (8, 8)
    assert _line(page.text, page.line_starts, "Café bold text") == (9, 9)


def test_hidden_elements_are_not_text_and_boxes_are_marked() -> None:
    html = (
        "<body><nav><a>Home</a> <a>News</a></nav>"
        "<div hidden>secret</div><p style='display: none'>gone</p>"
        "<article><p>Story text is here.</p>"
        "<div class='share-bar'>Share this article</div>"
        "<aside><h2>Most read</h2><ol><li>Another story</li></ol></aside>"
        "<p>More story text.</p></article>"
        "<div id='cookie-banner'>We use cookies.</div></body>"
    )
    page = html_text(html)
    assert "secret" not in page.text and "gone" not in page.text
    boxed = {page.text[b.start : b.end] for b in page.blocks if b.in_box}
    assert boxed == {
        "Home News",
        "Share this article",
        "Most read",
        "Another story",
        "We use cookies.",
    }
    assert {page.text[b.start : b.end] for b in page.blocks if not b.in_box} == {
        "Story text is here.",
        "More story text.",
    }


def test_unclosed_and_stray_tags_do_not_lose_text() -> None:
    page = html_text("<div><p>One<p>Two</span></div><p>Three <br>Four")
    assert page.text.split("\n\n") == ["One", "Two", "Three", "Four"]


def test_blocks_trafilatura_left_out_are_not_article_text() -> None:
    page = html_text(
        "<p>Published 5 June 2022</p><p>The council approved the plan on Monday evening.</p>"
        "<p>Another paragraph of the story follows here.</p>"
    )
    # trafilatura joins inline markup and spaces its own way: compared without them
    main = (
        "The council approved the plan on Monday evening .\n"
        "Another paragraph of the story follows here."
    )
    left_out = [page.text[s:e] for s, e in non_article_blocks(page, main)]
    assert left_out == ["Published 5 June 2022"]
    assert non_article_blocks(page, "") == []  # no reading of the page: boxes alone decide

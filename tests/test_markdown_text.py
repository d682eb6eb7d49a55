"""Markdown as a reader sees it, line for line, so citations keep the file's line numbers."""

from __future__ import annotations

from qabot.markdown_text import markdown_text, plain_line


def test_markup_goes_and_lines_stay() -> None:
    md = (
        "---\ntitle: A title\ndate: 2023-04-18\n---\n\n# The *headline*\n\n"
        "**Bold** words, a [link](https://x.example/a_b) and `code`.\n"
        "> A quote with _emphasis_ and snake_case_name.\n"
        "- a list item\n1. a numbered item\n\n***\n"
        "```\n# not a heading\n```\n"
    )
    got = markdown_text(md)
    lines = got.text.split("\n")
    assert len(lines) == len(md.split("\n"))
    assert lines[5] == "The headline"
    assert lines[7] == "Bold words, a link and code."
    assert lines[8] == "A quote with emphasis and snake_case_name."
    assert lines[9:11] == ["a list item", "a numbered item"]
    assert lines[12] == ""  # a rule
    assert lines[14] == "# not a heading"  # code is kept as written
    assert got.front_matter == ("title: A title", "date: 2023-04-18")
    assert got.text[: got.front_matter_end] == md[: got.front_matter_end]
    assert got.heading is not None
    assert got.text[got.heading[0] : got.heading[1]] == "The headline"


def test_images_and_link_definitions_are_not_text() -> None:
    photo = "![A photo of the quay](quay.jpg) The quay reopened."
    assert plain_line(photo) == " The quay reopened."
    assert plain_line("[1]: https://example.com/story") == ""
    assert plain_line("Prices rose 5 * 2 times") == "Prices rose 5 * 2 times"

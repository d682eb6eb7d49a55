"""Telegram HTML: answers, sources and help rendered and escaped, and split into messages."""

from __future__ import annotations

import re
from dataclasses import replace

from botapi_server import html_problems

from qabot.domain import REFUSAL_TEXT, Answer, Citation, Passage
from qabot.telegram_format import (
    MESSAGE_LIMIT,
    escape,
    preview,
    render_answer,
    render_help,
    render_sources,
    split_html,
    visible_text,
)

NASTY = "<b>bold?</b> & <script>alert('x')</script> &amp; a<b"


def _passage(n: int, text: str) -> Passage:
    return Passage(f"p{n}", f"dir/file_{n}.txt", f"Title <{n}> & co", text, 0, len(text), n, n + 2)


def _answer(text: str, n_cites: int = 2, quote: str = NASTY) -> Answer:
    passages = tuple(_passage(i, f"Passage {i} says {quote}.\n\nMore of it.") for i in (1, 2, 3))
    citations = tuple(
        Citation(i, p.source, p.title, p.start_line, p.start_line, 0, 10, quote, p.id)
        for i, p in zip(range(1, n_cites + 1), passages, strict=False)
    )
    return Answer(NASTY, "q " + NASTY, text, citations, passages)


def _sentences(n_chars: int) -> str:
    """Prose of about n_chars with markup characters and [n] markers at sentence ends."""
    out, i = [], 0
    while sum(map(len, out)) < n_chars:
        i += 1
        out.append(f"Sentence {i} mentions <tags> & “quotes” and a café [{1 + i % 2}]. ")
        if i % 9 == 0:
            out.append("\n\n")
    return "".join(out)[:n_chars]


def test_escape_and_answer_markup_are_valid_html() -> None:
    assert escape("<b> & </b>") == "&lt;b&gt; &amp; &lt;/b&gt;"
    html = render_answer(_answer(f"Answer {NASTY} [1] and [2]."))
    assert html_problems(html) == []
    assert "<b>[1]</b>" in html and "<b>[2]</b>" in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "<code>dir/file_1.txt:1</code>" in html
    assert NASTY in visible_text(html)


def test_a_citation_names_the_other_files_that_hold_its_words() -> None:
    answer = _answer("Answer [1].", n_cites=1)
    twin = replace(answer.citations[0], also_in=("tech/039.txt", "tech/<040>.txt"))
    html = render_answer(replace(answer, citations=(twin,)))
    assert html_problems(html) == []
    assert "<code>dir/file_1.txt:1</code> (also in tech/039.txt, tech/&lt;040&gt;.txt)" in html


def test_refusal_has_no_sources_block() -> None:
    answer = Answer("q", "q", REFUSAL_TEXT, (), (_passage(1, "text"),), refused=True)
    assert render_answer(answer) == escape(REFUSAL_TEXT)


def test_sources_show_full_cited_passages_with_file_and_lines() -> None:
    answer = _answer("x [1]", n_cites=1)
    html = render_sources(answer)
    assert html_problems(html) == []
    assert "dir/file_1.txt:1-3" in html
    assert "Passage 1 says" in visible_text(html) and "Passage 2 says" not in visible_text(html)
    assert "Searched for:" in html
    uncited = Answer("q", "q", REFUSAL_TEXT, (), (_passage(1, "a"), _passage(2, "b")), True)
    assert "closest passages" in render_sources(uncited)
    assert "ask a question first" in render_sources(None)


def test_short_text_is_one_part() -> None:
    assert split_html("<b>hi</b> there") == ["<b>hi</b> there"]
    assert split_html("   ") == []


def test_ten_thousand_character_answer_splits_into_valid_parts_that_rejoin() -> None:
    text = _sentences(10_000)
    assert len(text) == 10_000
    html = render_answer(_answer(text))
    parts = split_html(html)
    assert len(parts) >= 3
    for part in parts:
        assert len(part) <= MESSAGE_LIMIT
        assert html_problems(part) == [], part[:200]
    assert "".join(visible_text(p) for p in parts) == visible_text(html)
    # cut at sentence ends or paragraph breaks, never mid-sentence
    for part in parts[:-1]:
        assert re.search(r"(\]\.|[.\]”])\s*(</\w+>)*$", part.rstrip()), part[-80:]


def test_split_never_cuts_tags_entities_or_citation_lines() -> None:
    body = "".join(f"<i>w{i}</i> &amp; " for i in range(2000))  # no sentence ends at all
    html = body + "\n\n" + "\n".join(f"<b>[{i}]</b> <code>file.txt:{i}</code>" for i in range(300))
    parts = split_html(html, limit=500)
    lines = set(html.split("\n"))
    for part in parts:
        assert len(part) <= 500
        assert html_problems(part) == []
    assert "".join(visible_text(p) for p in parts) == visible_text(html)
    # every citation line arrives whole in one part
    joined_lines = [ln for p in parts for ln in p.strip("\n").split("\n")]
    citation_lines = [ln for ln in joined_lines if ln.startswith("<b>[")]
    assert len(citation_lines) == 300 and all(ln in lines for ln in citation_lines)


def test_open_tags_are_closed_and_reopened_across_parts() -> None:
    html = "<blockquote>" + "word " * 300 + "</blockquote>"
    parts = split_html(html, limit=200)
    assert len(parts) > 5
    assert all(p.startswith("<blockquote>") and p.endswith("</blockquote>") for p in parts)
    assert all(html_problems(p) == [] for p in parts)
    assert "".join(visible_text(p) for p in parts) == visible_text(html)


def test_a_word_longer_than_a_message_is_cut_hard_but_validly() -> None:
    html = "&amp;" * 5000
    parts = split_html(html)
    assert all(len(p) <= MESSAGE_LIMIT and html_problems(p) == [] for p in parts)
    assert "".join(visible_text(p) for p in parts) == "&" * 5000


def test_limit_counts_utf16_units() -> None:
    html = "😀 " * 3000  # each emoji is two UTF-16 code units
    parts = split_html(html)
    assert all(len(p.encode("utf-16-le")) // 2 <= MESSAGE_LIMIT for p in parts)


def test_preview_of_a_stream_is_escaped_and_fits() -> None:
    assert preview("a <b> & c") == "a &lt;b&gt; &amp; c"
    long = preview("x & y. " * 2000)
    assert html_problems(long) == [] and long.endswith("…")


def test_help_names_the_articles_and_how_to_ask_here() -> None:
    private = render_help([("a.txt", "Tom & <Jerry>"), ("b.txt", "")], 7, False, "bot")
    assert html_problems(private) == []
    assert "2 news articles (7 passages)" in private
    assert "For example, ask about “Tom &amp; &lt;Jerry&gt;”." in private
    assert "Send me a question" in private and "mention me" not in private
    group = render_help([("b.txt", "")], 1, True, "<odd>_bot")
    assert html_problems(group) == []
    assert "1 news article (1 passages)" in group and "about “b.txt”" in group
    assert "mention me (@&lt;odd&gt;_bot)" in group
    assert "For example" not in render_help([], 0, False, "bot")

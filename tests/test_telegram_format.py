"""Telegram HTML rendering and splitting, the chat store, and the bot's small pure parts."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from botapi_server import html_problems

from qabot.chat_store import ChatStore
from qabot.domain import REFUSAL_TEXT, Answer, Citation, Passage
from qabot.telegram_format import (
    MESSAGE_LIMIT,
    escape,
    preview,
    render_answer,
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


# --- chat store -------------------------------------------------------------------------------


def test_chat_store_keeps_bounded_history_per_chat_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite3"
    store = ChatStore(path, max_turns=3)
    answer = _answer("text [1]")
    for i in range(5):
        store.add(1, f"q{i}", answer)
    turn = store.add(2, "other chat", answer)
    assert store.history(1) == ["q2", "q3", "q4"]
    store.close()

    store = ChatStore(path, max_turns=3)
    assert store.history(1) == ["q2", "q3", "q4"]
    assert store.history(2) == ["other chat"]
    assert store.last_answer(1) == answer  # frozen dataclasses round-trip exactly
    assert store.answer(2, turn) == answer and store.answer(1, turn) is None
    assert store.reset(1) == 3
    assert store.history(1) == [] and store.last_answer(1) is None
    assert store.history(2) == ["other chat"]
    store.close()


def test_chat_store_without_history_still_keeps_last_answer(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "c.sqlite3", max_turns=0)
    store.add(1, "q", _answer("a"))
    assert store.history(1) == []
    assert store.last_answer(1) is not None
    store.close()


# --- configuration, redaction, rate limit ----------------------------------------------------


def test_allowlist_parsing() -> None:
    from qabot.telegram_bot import TelegramConfigError, parse_allowlist

    assert parse_allowlist("*") is None
    assert parse_allowlist(" 12, 34 ,") == frozenset({12, 34})
    for bad in ("", "  ", "alice", "12;34", ","):
        with pytest.raises(TelegramConfigError, match="QABOT_TELEGRAM_ALLOWED_USERS"):
            parse_allowlist(bad)


def test_redactor_scrubs_messages_args_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    from qabot.telegram_bot import Redactor

    token = "123456:SECRET-token"
    redactor = Redactor([token])
    log = logging.getLogger("qabot.test_redact")
    caplog.handler.addFilter(redactor)
    try:
        log.warning("GET https://api.telegram.org/bot%s/getMe", token)
        try:
            raise RuntimeError(f"The token `{token}` was rejected by the server.")
        except RuntimeError:
            log.exception("failed")
    finally:
        caplog.handler.removeFilter(redactor)
    assert token not in caplog.text
    assert "[REDACTED]" in caplog.text and "was rejected" in caplog.text


def test_user_rate_limit_window() -> None:
    from qabot.telegram_bot import UserRateLimit

    limit = UserRateLimit(2, period=60)
    assert limit.wait(1, now=0) == 0 and limit.wait(1, now=1) == 0
    assert limit.wait(1, now=2) == pytest.approx(58)
    assert limit.wait(2, now=2) == 0  # per user
    assert limit.wait(1, now=60.5) == 0

"""Text as qabot reads it: sentences, the one tokenizer, markers, line numbers."""

from __future__ import annotations

from qabot.text import (
    MARKER,
    indexed_text,
    line_label,
    line_of,
    line_starts_of,
    split_sentences,
    term_spans,
    terms,
    text_hash,
)


def test_sentences_respect_abbreviations_and_initials() -> None:
    text = (
        "U.S. Defense Secretary Ash Carter spoke on Sept. 18 with Mr. Shoigu. "
        "John F. Kennedy was not there. “Is it over?” he asked. It was."
    )
    got = [text[s:e] for s, e in split_sentences(text)]
    assert got == [
        "U.S. Defense Secretary Ash Carter spoke on Sept. 18 with Mr. Shoigu.",
        "John F. Kennedy was not there.",
        "“Is it over?” he asked.",
        "It was.",
    ]


def test_paragraph_break_ends_a_sentence() -> None:
    text = "A headline without a stop\n\nThe body starts here."
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "A headline without a stop",
        "The body starts here.",
    ]


def test_terms_are_stemmed_content_words_and_term_spans_point_at_them() -> None:
    text = "Who did the Defense Secretary call? He called Sergei Shoigu."
    assert terms(text) == ["defens", "secretari", "call", "call", "sergei", "shoigu"]
    spans = term_spans(text)
    assert [t for t, _, _ in spans] == terms(text)
    assert [text[s:e] for _, s, e in spans][-2:] == ["Sergei", "Shoigu"]


def test_invisible_characters_do_not_split_words() -> None:
    assert terms("Sho\u200bigu met Car\u00adter") == terms("Shoigu met Carter")
    assert indexed_text("A Title", "Sho\u200bigu") == "A Title\nShoigu"
    assert text_hash("A Title", "Sho\u200bigu") == text_hash("A Title", "Shoigu")
    assert text_hash("A Title", "Shoigu") != text_hash("Another Title", "Shoigu")


def test_markers_and_line_numbers() -> None:
    assert MARKER.findall("Carter called [1][12]. Not [1000] nor [a].") == ["1", "12"]
    text = "one\ntwo\n\nfour"
    starts = line_starts_of(text)
    assert [line_of(starts, text.index(w)) for w in ("one", "two", "four")] == [1, 2, 4]
    assert (line_label(3, 3), line_label(3, 5)) == ("3", "3-5")

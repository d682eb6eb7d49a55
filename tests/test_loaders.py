"""Loading and cleaning: chrome never becomes text, offsets refer to the original file."""

from __future__ import annotations

from pathlib import Path

import pytest

from qabot.clutter import clean
from qabot.corpus_walk import iter_corpus_files
from qabot.loaders import SkipFile, decode_bytes, load_document
from tests.common import CARTER, COOK, SEEDS
from tests.pdf_file import pdf_bytes

CHROME = [
    "Accessibility links",
    "Breaking News",
    "Updated",
    "XS",
    "LG",
    "16x9 Image",
    "RFE/RL journalists report",
    "undesirable organization",
    "click here",
    # the photo captions, which the page repeats
    "Russian President Vladimir Putin (left) and Defense Minister Sergei Shoigu",
    "U.S. Secretary of Defense Ash Carter\n",
]


def test_seed_headline_becomes_title_and_chrome_is_dropped() -> None:
    doc = load_document(SEEDS / CARTER, CARTER)
    assert doc.title == "Russian, U.S. Defense Chiefs Talk By Telephone About Fighting IS"
    content = "\n".join(doc.text[s:e] for s, e in doc.spans)
    for chrome in CHROME:
        assert chrome not in content, chrome
    assert "50-minute phone call" in content
    assert "no military solution to the turmoil" in content


def test_spans_are_offsets_into_the_original_file() -> None:
    raw = (SEEDS / CARTER).read_text(encoding="utf-8")
    doc = load_document(SEEDS / CARTER, CARTER)
    assert doc.text == raw
    first_start, _ = doc.spans[0]
    assert raw[first_start:].startswith("The defense chiefs of Russia")
    assert doc.line_of(first_start) == 12
    lines = raw.split("\n")
    for start, end in doc.spans:
        assert lines[doc.line_of(start) - 1].strip().startswith(raw[start:end].split("\n")[0])


def test_a_text_headline_shows_its_html_entities_as_characters(tmp_path: Path) -> None:
    """BBC's saved text writes "&#163;1.8m indecency fine for Viacom"; the quote stays as
    written, the title shown on a citation is read."""
    raw = "&#163;1.8m indecency fine for Viacom\n\nMedia giant Viacom has paid out $3.5m.\n"
    (tmp_path / "199.txt").write_text(raw, encoding="utf-8")
    doc = load_document(tmp_path / "199.txt", "199.txt")
    assert doc.title == "£1.8m indecency fine for Viacom"
    assert doc.text == raw


def test_article_without_headline_keeps_all_lines_and_has_no_title() -> None:
    doc = load_document(SEEDS / COOK, COOK)
    assert doc.spans == ((0, len(doc.text.rstrip())),)
    assert doc.title == ""  # its first sentence is not a title, nor is a name like a hash


def test_clean_drops_repeated_caption_lines_and_footer() -> None:
    text = (
        "Site Name\n\nA Headline About Things Happening\n\n"
        "Caption of a photo\nCaption of a photo\n\n"
        "The first sentence is here. The second one too.\n\nShare\n\nAnother paragraph of text.\n"
        "  • Footer bullet\nFooter text that is long enough to count as a line.\n"
    )
    title, spans = clean(text)
    assert title == "A Headline About Things Happening"
    kept = [text[s:e] for s, e in spans]
    assert kept == ["The first sentence is here. The second one too.", "Another paragraph of text."]


def test_decoding_utf8_bom_and_cp1252() -> None:
    assert decode_bytes("\ufeffCafé news".encode()) == "Café news"
    assert decode_bytes("Caf\xe9 \x93quoted\x94".encode("latin-1")) == "Café “quoted”"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"   \n\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes(range(1, 32)) * 20, "binary"),
        (b"caf\x81\x8d\x8f\x90\x9d", "undecodable"),
    ],
)
def test_bad_bytes_are_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(SkipFile, match=reason):
        decode_bytes(data)


def test_unsupported_suffix_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff")
    with pytest.raises(SkipFile, match="unsupported file type .jpg"):
        load_document(path, "photo.jpg")


def test_html_article_text_is_extracted(tmp_path: Path) -> None:
    body = " ".join(["The council approved the new bridge over the river on Monday."] * 4)
    html = (
        "<html><head><title>Bridge approved</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>Bridge approved</h1><p>{body}</p>"
        "<p>Work starts in the spring and will take two years, the mayor said.</p></article>"
        "<footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>"
    )
    path = tmp_path / "bridge.html"
    path.write_text(html)
    doc = load_document(path, "bridge.html")
    content = " ".join(doc.text[s:e] for s, e in doc.spans)
    assert "approved the new bridge" in content
    assert "Work starts in the spring" in content
    assert "Copyright" not in content


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_bytes([["The harbour reopened after the storm on Friday."]]))
    doc = load_document(path, "report.pdf")
    assert "harbour reopened after the storm" in doc.text


def test_corpus_walk_is_recursive_sorted_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.txt").write_text("x")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config.txt").write_text("no")
    assert [s for _, s in iter_corpus_files(tmp_path)] == ["a.txt", "b/x.txt"]

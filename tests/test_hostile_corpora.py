"""Messy folders: ingest completes, says what it skipped and why, and loses nothing it had."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

from rich.console import Console

from qabot.ingest import NoProgress
from qabot.qa import QA
from qabot.settings import Settings
from qabot.telegram_format import render_answer as tg_render_answer
from qabot.telegram_format import render_sources as tg_render_sources
from qabot.terminal import render_answer, render_sources
from tests.common import CARTER, COOK


def test_empty_folder(make_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "corpus").mkdir()
    qa = QA(make_settings())
    report = qa.ingest()
    assert (report.added, report.skipped, report.total_passages) == ([], [], 0)
    assert qa.ask("Who is the Pentagon's press secretary?").refused


def test_messy_files_are_read_or_skipped_with_a_reason(settings: Settings, corpus: Path) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "blank.txt").write_bytes(b"  \n\n \t\n")
    (corpus / "photo.txt").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" * 50)
    (corpus / "nul.txt").write_bytes(
        b"Harbour Board Meets Again\n\nThe board met.\x00\x00 It voted."
    )
    (corpus / "utf16.txt").write_bytes("Harbour Board Meets\n\nThe board met.".encode("utf-16"))
    (corpus / "controls.txt").write_bytes(b"Some text\x01\x02\x03\x04\x05\x06\x07 more" * 3)
    latin1 = "Café Owners March On City Hall\n\nThe café owners of Düsseldorf marched on Monday."
    (corpus / "latin1.txt").write_bytes(latin1.encode("latin-1"))
    bom = "Bakery Wins Award For Sourdough\n\nThe Qorvath bakery in Leeds won a national award."
    (corpus / "bom.txt").write_bytes(bom.encode("utf-8-sig"))
    # zero-width space inside a name, soft hyphen, and a bidi override around a phrase
    hidden = (
        "Bridge Opens After Decade Of Delays\n\n"
        "The mayor, Karl Ottoman\u200bsson, opened the Vel\u00adnor bridge on Tuesday. "
        "Protesters carried signs reading \u202eyaw on\u202c near the toll booth.\n"
    )
    (corpus / "hidden.txt").write_text(hidden, encoding="utf-8")

    qa = QA(settings)
    report = qa.ingest()
    reasons = {s.source: s.reason for s in report.skipped}
    assert reasons == {
        "empty.txt": "empty file",
        "blank.txt": "empty file",
        "photo.txt": "binary file (contains NUL bytes)",
        "nul.txt": "binary file (contains NUL bytes)",
        "utf16.txt": "UTF-16 text is not supported; save the file as UTF-8",
        "controls.txt": "binary file (control characters)",
    }
    assert sorted(report.added) == sorted([CARTER, COOK, "latin1.txt", "bom.txt", "hidden.txt"])

    # offsets map to the decoded file: a BOM is not a character, Latin-1 decodes as cp1252
    for source, text in (("latin1.txt", latin1), ("bom.txt", bom), ("hidden.txt", hidden)):
        for p in (p for p in qa.index.passages.values() if p.source == source):
            assert text[p.start_char : p.end_char] == p.text

    # invisible characters stay in the text but do not split words for BM25 or embeddings
    top = qa.index.sparse("Ottomansson Velnor", 3)
    assert top and qa.index.passages[top[0][0]].source == "hidden.txt"
    answer = qa.ask("Who opened the Velnor bridge?")
    assert not answer.refused
    assert answer.citations and answer.citations[0].source == "hidden.txt"
    assert all(qa.verifier.verify(c) for c in answer.citations)
    # the bidi override stays in the passage (it matches the file) but is never displayed,
    # where it would make the quote read differently from the file
    signs = qa.ask("What did the protesters' signs read?")
    assert "\u202e" in signs.citations[0].quote
    console = Console(file=io.StringIO(), width=200, color_system=None)
    render_answer(console, signs)
    shown = console.file.getvalue() + tg_render_answer(signs)
    assert "\u202e" not in shown and "\u202c" not in shown and "yaw on" in shown
    answer = qa.ask("Which bakery won a national award?")
    assert "Qorvath" in answer.text and answer.citations[0].source == "bom.txt"
    answer = qa.ask("Where did the café owners march?")
    assert "Düsseldorf" in answer.text


def test_renamed_file_moves_without_re_embedding(settings: Settings, corpus: Path) -> None:
    qa = QA(settings)
    qa.ingest()
    n_cook = sum(p.source == COOK for p in qa.index.passages.values())
    (corpus / "archive").mkdir()
    (corpus / COOK).rename(corpus / "archive" / "cook.txt")
    report = qa.ingest()
    assert report.removed == [COOK] and report.added == ["archive/cook.txt"]
    assert report.embedded == 0
    sources = [p.source for p in qa.index.passages.values()]
    assert sources.count("archive/cook.txt") == n_cook and COOK not in sources
    assert len(qa.store.collection.get(include=[])["ids"]) == len(qa.index.passages)


def test_identical_files_are_both_indexed_and_cited(settings: Settings, corpus: Path) -> None:
    shutil.copy(corpus / COOK, corpus / "twin.txt")
    qa = QA(settings)
    report = qa.ingest()
    assert report.embedded < report.passages_written  # the twin's texts were embedded once
    assert {p.source for p in qa.index.passages.values()} == {CARTER, COOK, "twin.txt"}


class _Sabotage(NoProgress):
    """Between the scan and the reads: delete one file, put a folder where another was."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus

    def scanning(self, files: int) -> None:
        (self.corpus / CARTER).unlink()
        (self.corpus / COOK).unlink()
        (self.corpus / COOK).mkdir()


def test_file_unreadable_mid_run_keeps_its_passages(settings: Settings, corpus: Path) -> None:
    qa = QA(settings)
    qa.ingest()
    before = dict(qa.index.passages)
    (corpus / "new.txt").write_text("Ferry Service Resumes\n\nThe ferry to Skelmorlie runs again.")
    report = qa.ingest(progress=_Sabotage(corpus))
    reasons = {s.source: s.reason for s in report.skipped}
    assert set(reasons) == {CARTER, COOK}
    assert all("kept its indexed passages" in r for r in reasons.values())
    assert report.added == ["new.txt"] and report.removed == []
    assert set(before) <= set(qa.index.passages)  # nothing it had was lost
    # the next run sees the files are gone and removes them
    report = qa.ingest()
    assert sorted(report.removed) == [CARTER, COOK]
    assert {p.source for p in qa.index.passages.values()} == {"new.txt"}


def _deep_folder(top: Path, min_length: int = 4200) -> str:
    """A chain of folders under `top` whose path is longer than PATH_MAX (made through
    folder descriptors, as `mkdir -p` cannot), with an article at the bottom; its source."""
    name = "d" * 200
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    parts: list[str] = []
    try:
        while len(str(top)) + len(parts) * (len(name) + 1) < min_length:
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
            parts.append(name)
        article = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(article, b"Deep Article Nobody Can Open\n\nIt is too deep to be read.\n")
        os.close(article)
    finally:
        os.close(fd)
    return "/".join([top.name, *parts, "deep.txt"])


def test_bad_file_names_and_paths_over_path_max_are_skipped(
    settings: Settings, corpus: Path
) -> None:
    # a Latin-1 "café.txt": its name is not UTF-8
    (corpus / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"Cafe\n\nThe owners marched.\n")
    (corpus / "deep").mkdir()
    deep = _deep_folder(corpus / "deep")
    qa = QA(settings)
    report = qa.ingest()
    assert sorted(report.added) == [CARTER, COOK]  # the rest is indexed
    reasons = {s.source: s.reason for s in report.skipped}
    assert reasons.pop("caf\ufffd.txt") == "file name is not valid UTF-8; rename the file"
    assert len(reasons) == 1
    ((source, reason),) = reasons.items()
    assert deep.startswith(source.rstrip("/")) and "too long" in reason
    assert qa.ingest().skipped == report.skipped  # and so on every run


SECRET = "Fleet Orders Leak\n\nThe launch code of the Zorbian fleet is 4471, the admiral wrote.\n"


def test_links_are_followed_only_inside_the_corpus(
    settings: Settings, corpus: Path, tmp_path: Path
) -> None:
    private = tmp_path / "private"
    private.mkdir()
    (private / "orders.txt").write_text(SECRET)
    (corpus / "leak.txt").symlink_to(private / "orders.txt")
    (corpus / "dangling.txt").symlink_to(corpus / "gone.txt")
    (corpus / "loop-a.txt").symlink_to(corpus / "loop-b.txt")
    (corpus / "loop-b.txt").symlink_to(corpus / "loop-a.txt")
    (corpus / "up").symlink_to(corpus)
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "alias.txt").symlink_to(corpus / COOK)  # a link within the corpus is fine
    qa = QA(settings)
    report = qa.ingest()
    assert sorted(report.added) == sorted([CARTER, COOK, "alias.txt"])
    assert {s.source: s.reason for s in report.skipped} == {
        "leak.txt": "link leads outside the corpus folder (not followed)",
        "dangling.txt": "dangling link (its target does not exist)",
        "loop-a.txt": "link loop",
        "loop-b.txt": "link loop",
        "up": "link to a folder (not followed)",
        "pipe.txt": "not a regular file (a FIFO)",
    }
    assert not any("Zorbian" in p.text for p in qa.index.passages.values())


def test_sources_show_only_passages_that_can_be_cited(
    settings: Settings, corpus: Path, tmp_path: Path
) -> None:
    """An index that holds a file which has since left the corpus (moved out, a link left in
    its place) never shows that file's text: not in an answer, nor in /sources."""
    (corpus / "orders.txt").write_text(SECRET)
    qa = QA(settings)
    qa.ingest()
    private = tmp_path / "private"
    private.mkdir()
    shutil.move(corpus / "orders.txt", private / "orders.txt")
    (corpus / "orders.txt").symlink_to(private / "orders.txt")
    answer = qa.ask("What is the launch code of the Zorbian fleet?")
    console = Console(file=io.StringIO(), width=200, color_system=None)
    render_sources(console, answer)
    render_answer(console, answer)
    shown = console.file.getvalue() + tg_render_sources(answer) + tg_render_answer(answer)
    assert answer.passages and "4471" not in shown and "admiral" not in shown


def test_terminal_escape_sequences_in_an_article_never_reach_the_screen(
    settings: Settings, corpus: Path
) -> None:
    """ESC ] 0 ; retitles the terminal window, ESC [ 2 J clears it, a C1 CSI (U+009B) does the
    same on some terminals: renderers drop them, the passages and quotes keep them."""
    text = (
        "Quarry \x1b]0;owned\x07Council Votes On Expansion\n\n"
        "The Brackwater quarry council voted\x1b[2J\x9b2J on Monday to expand the eastern pit "
        "by forty hectares, after a two-year planning dispute with residents.\n\n"
        "Residents of the village of Hollin said the blasting already shakes their windows, "
        "and they promised to take the decision to the planning inspectorate in the spring.\n\n"
        "The quarry employs ninety people and has supplied limestone to the county since 1921.\n"
    )
    (corpus / "quarry.txt").write_text(text)
    qa = QA(settings)
    assert "quarry.txt" in qa.ingest().added
    answer = qa.ask("What did the Brackwater quarry council vote on Monday?")
    assert answer.citations and answer.citations[0].source == "quarry.txt"
    assert "\x1b[2J" in answer.citations[0].quote  # the quote is the file's text ...
    assert all(qa.verifier.verify(c) for c in answer.citations)  # ... so it verifies
    refused = qa.ask("How many hectares did the Brackwater council sell in 1990?")
    assert refused.refused
    console = Console(file=io.StringIO(), width=200, force_terminal=True)
    for shown in (answer, refused):
        render_answer(console, shown)
        render_sources(console, shown)
    terminal = console.file.getvalue()
    telegram = "".join(
        render(a) for a in (answer, refused) for render in (tg_render_answer, tg_render_sources)
    )
    for out in (terminal, telegram):
        assert "voted" in out and "owned" in out
        assert "\x07" not in out and "\x9b" not in out and "]0;" not in out.replace("]0;o", "")
    # the terminal output still has Rich's own colour codes, but none from the article
    assert "\x1b]" not in terminal and "\x1b[2J" not in terminal
    assert "\x1b" not in telegram

"""Citations are verified against the file: a tampered quote or span is never accepted."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from qabot.citations import CitationVerifier
from qabot.domain import Citation
from tests.common import CARTER


def _citation(corpus: Path) -> Citation:
    text = (corpus / CARTER).read_text(encoding="utf-8")
    quote = "The Pentagon said the 50-minute phone call"
    start = text.index(quote)
    return Citation(1, CARTER, "t", 16, 16, start, start + len(quote), quote)


def test_a_true_quote_passes(corpus: Path) -> None:
    assert CitationVerifier(corpus).verify(_citation(corpus))


def test_tampered_quote_wrong_span_or_line_fails(corpus: Path) -> None:
    verifier = CitationVerifier(corpus)
    good = _citation(corpus)
    assert not verifier.verify(replace(good, quote=good.quote.replace("50", "90")))
    assert not verifier.verify(replace(good, start_char=good.start_char + 1))
    assert not verifier.verify(replace(good, start_line=15, end_line=15))
    assert not verifier.verify(replace(good, source="../" + CARTER))
    assert not verifier.verify(replace(good, source="missing.txt"))


def test_a_file_edited_after_ingest_fails_the_check(corpus: Path) -> None:
    verifier = CitationVerifier(corpus)
    good = _citation(corpus)
    assert verifier.verify(good)
    path = corpus / CARTER
    path.write_text("Inserted line\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert not verifier.verify(good)


def test_an_edit_that_keeps_size_and_mtime_fails_the_check(corpus: Path) -> None:
    """A running chat must not trust a cached copy: same length, mtime put back, still seen."""
    verifier = CitationVerifier(corpus)
    good = _citation(corpus)
    assert verifier.verify(good)
    path = corpus / CARTER
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("50-minute phone call", "90-minute phone call"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    assert not verifier.verify(good)


def test_one_question_reads_each_file_once_and_the_next_reads_it_again(corpus: Path) -> None:
    # Within a question every check sees the bytes first read (a large file is not read and
    # hashed again per passage); the next question reads what is on disk now.
    verifier = CitationVerifier(corpus)
    good = _citation(corpus)
    path = corpus / CARTER
    with verifier.reading_once():
        assert verifier.verify(good)
        path.write_text("Inserted line\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
        assert verifier.verify(good)
    assert not verifier.verify(good)

"""Paths and names the tests share (a plain module: `conftest` is loaded by pytest itself,
and importing it again under another name would run its set-up twice)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.pdf_file import pdf_bytes

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

CARTER = "000_dead59048cb22baa.txt"
COOK = "003_f287f3a6d67f8147.txt"


def needs_shared(sub: str = "") -> pytest.MarkDecorator:
    """Skip a test cleanly when ../shared (or a part of it) is not beside the repo."""
    return pytest.mark.skipif(not (SHARED / sub).exists(), reason=f"../shared/{sub} is absent")


def write_leases(folder: Path, files: int) -> None:
    """Files of six short passages each (chrome lines between them), five shared by all and
    one of their own: many passages, few distinct texts to embed."""
    folder.mkdir(parents=True)
    shared = [f"Clause {w} of the standard lease covers {w} matters in full." for w in "ABCDE"]
    for i in range(files):
        own = f"Lease number {i:04d} was signed by tenant Q{i:04d}X for the corner unit."
        lines = ["Standard Lease Terms For Corner Units", *shared, own]
        (folder / f"lease-{i:04d}.txt").write_text("\n\nAdvertisement\n\n".join(lines) + "\n")


#: Saved news pages of several layouts, Markdown, text: the mixed corpus of `news_corpus`.
NEWS = Path(__file__).resolve().parent / "news"
#: The pages of the PDF report `news_corpus` adds (no PDF is kept in the repository).
FLOOD_REPORT = [
    [
        "River Severn flood defences: annual review",
        "Published 10 July 2022",
        "The River Authority inspected every flood barrier on the lower Severn this spring.",
        "Most of the barriers were found to be in good working order.",
    ],
    [
        "Barriers were inspected at Tewkesbury, Upton and Worcester.",
        "Inspectors recorded the condition of each gate, seal and pump.",
    ],
    [
        "The review found that 14 of the 37 barriers had not been test-closed since 2015.",
        "The authority will test every barrier before the end of October.",
    ],
]


def write_news_corpus(dest: Path) -> Path:
    """The mixed news corpus in `dest`: the files of `NEWS` and a three-page PDF report."""
    shutil.copytree(NEWS, dest)
    info = {
        "Title": "River Severn flood defences: annual review",
        "Author": "River Authority",
        "CreationDate": "D:20220711093000Z",
    }
    (dest / "flood-report.pdf").write_bytes(pdf_bytes(FLOOD_REPORT, info))
    return dest

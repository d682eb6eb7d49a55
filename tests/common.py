"""Paths and names the tests share (a plain module: `conftest` is loaded by pytest itself,
and importing it again under another name would run its set-up twice)."""

from __future__ import annotations

from pathlib import Path

import pytest

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

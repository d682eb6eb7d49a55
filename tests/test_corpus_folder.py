"""Adding files to and deleting them from the corpus folder (web pages: tests/test_docs.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qabot import corpus_folder
from qabot.catalog import read_sources, record_source


def test_a_file_is_copied_in_under_a_free_name_unless_it_is_already_there(
    tmp_path: Path,
) -> None:
    root, outside = tmp_path / "corpus", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (root / "note.md").write_text("old")
    (outside / "note.md").write_text("new")
    added = corpus_folder.add(root, str(outside / "note.md"), timeout=1)
    assert added == root / "note-2.md" and added.read_text() == "new"
    assert (root / "note.md").read_text() == "old"  # nothing overwritten
    inside = corpus_folder.add(root, str(root / "note.md"), timeout=1)
    assert inside == (root / "note.md").resolve()
    assert sorted(p.name for p in root.iterdir()) == ["note-2.md", "note.md"]


@pytest.mark.parametrize(
    ("name", "needle"),
    [("missing.txt", "no such file"), ("table.csv", "unsupported file type")],
)
def test_what_cannot_be_added_is_named(tmp_path: Path, name: str, needle: str) -> None:
    (tmp_path / "table.csv").write_text("a,b\n")
    with pytest.raises(corpus_folder.AddError, match=f"{name}: {needle}"):
        corpus_folder.add(tmp_path / "corpus", str(tmp_path / name), timeout=1)


def test_delete_removes_the_file_and_its_origin(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "web" / "2024").mkdir(parents=True)
    (root / "web" / "2024" / "a.html").write_text("<p>a</p>")
    record_source(root, "web/2024/a.html", url="https://example.org/a")
    record_source(root, "b.html", url="https://example.org/b")
    assert corpus_folder.delete(root, "web/2024/a.html") == root / "web" / "2024"
    assert not (root / "web" / "2024" / "a.html").exists()
    assert set(read_sources(root)) == {"b.html"}
    # a file already gone: its record goes, and the nearest folder still there is named
    record_source(root, "gone/c.html", url="https://example.org/c")
    assert corpus_folder.delete(root, "gone/c.html") == root
    assert set(read_sources(root)) == {"b.html"}

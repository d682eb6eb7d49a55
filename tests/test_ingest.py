"""Ingest keeps the index in step with the folder: idempotent, incremental, honest about skips."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qabot.ingest import CorpusError, IngestLocked
from qabot.qa import QA
from qabot.settings import Settings
from qabot.writer_claim import writer_lock
from tests.common import CARTER, COOK


def _chroma_ids(qa: QA) -> set[str]:
    return set(qa.store.collection.get(include=[])["ids"])


def test_first_ingest_then_nothing_to_do(settings: Settings) -> None:
    qa = QA(settings)
    first = qa.ingest()
    assert sorted(first.added) == [CARTER, COOK]
    assert first.embedded == first.total_passages > 0
    ids = _chroma_ids(qa)
    again = qa.ingest()
    assert sorted(again.unchanged) == [CARTER, COOK]
    assert (again.added, again.updated, again.removed, again.embedded) == ([], [], [], 0)
    assert _chroma_ids(qa) == ids
    # the BM25 index is built from exactly what Chroma holds
    assert set(qa.index.bm25.ids) == ids


def test_changed_file_replaces_its_passages_and_deleted_file_goes(
    settings: Settings, corpus: Path
) -> None:
    qa = QA(settings)
    qa.ingest()
    path = corpus / COOK
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Peter Cook", "Peter Crook"), encoding="utf-8")
    report = qa.ingest()
    assert report.updated == [COOK]
    # only the edited passage needed a new vector
    assert report.embedded == 1
    texts = [p.text for p in qa.index.passages.values() if p.source == COOK]
    assert any("Peter Crook" in t for t in texts)
    assert not any("Peter Cook" in t for t in texts)
    assert len(_chroma_ids(qa)) == len(qa.index.passages)

    (corpus / CARTER).unlink()
    report = qa.ingest()
    assert report.removed == [CARTER]
    assert {p.source for p in qa.index.passages.values()} == {COOK}
    assert {m["source"] for m in qa.store.collection.get(include=["metadatas"])["metadatas"]} == {
        COOK
    }


def test_identical_files_under_two_names_are_embedded_once(
    settings: Settings, corpus: Path
) -> None:
    shutil.copy(corpus / COOK, corpus / "copy-of-cook.txt")
    qa = QA(settings)
    report = qa.ingest()
    per_source: dict[str, int] = {}
    for p in qa.index.passages.values():
        per_source[p.source] = per_source.get(p.source, 0) + 1
    assert per_source["copy-of-cook.txt"] == per_source[COOK]
    assert report.passages_written == per_source[CARTER] + 2 * per_source[COOK]
    assert report.embedded == per_source[CARTER] + per_source[COOK]


def test_bad_files_are_skipped_with_reasons(settings: Settings, corpus: Path) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    (corpus / "notes.docx").write_bytes(b"PK\x03\x04")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "legacy.txt").write_bytes(
        "Caf\xe9 owners protest\n\nThe caf\xe9 owners marched on Monday.".encode("cp1252")
    )
    report = QA(settings).ingest()
    reasons = {s.source: s.reason for s in report.skipped}
    assert reasons == {
        "empty.txt": "empty file",
        "image.txt": "binary file (contains NUL bytes)",
        "notes.docx": "unsupported file type .docx",
    }
    assert "sub/legacy.txt" in report.added


def test_paths_must_lie_in_the_corpus(settings: Settings, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    with pytest.raises(CorpusError, match="outside the corpus folder"):
        QA(settings).ingest([outside])


def test_ingest_of_one_path_leaves_the_rest(settings: Settings, corpus: Path) -> None:
    qa = QA(settings)
    qa.ingest()
    (corpus / CARTER).write_text("Fresh Headline For The Test\n\nOnly this sentence now.")
    report = qa.ingest([corpus / CARTER])
    assert report.updated == [CARTER]
    assert report.unchanged == [] and report.removed == []
    assert {p.source for p in qa.index.passages.values()} == {CARTER, COOK}


def test_second_writer_fails_at_once(settings: Settings) -> None:
    qa = QA(settings)
    with writer_lock(settings), pytest.raises(IngestLocked, match="another `qabot ingest`"):
        qa.ingest()


def test_rebuild_starts_over(settings: Settings) -> None:
    qa = QA(settings)
    qa.ingest()
    report = qa.ingest(rebuild=True)
    assert sorted(report.added) == [CARTER, COOK]
    assert report.embedded == report.total_passages


def test_an_index_an_older_qabot_wrote_opens_and_is_read_again(
    settings: Settings, corpus: Path
) -> None:
    (corpus / "dated.txt").write_text(
        "Harbour reopens after the storm\n\nPublished 5 June 2022\n\n"
        "The harbour reopened on Saturday after the storm damaged its wall.\n",
        encoding="utf-8",
    )
    qa = QA(settings)
    qa.ingest()
    # what an older qabot wrote: no reader version, no article metadata
    col = qa.store.collection
    got = col.get(include=["metadatas", "documents", "embeddings"])
    keys = ("reader", "author", "published", "site", "url")
    old = [{k: v for k, v in m.items() if k not in keys} for m in got["metadatas"]]
    col.delete(ids=got["ids"])
    col.add(ids=got["ids"], metadatas=old, documents=got["documents"], embeddings=got["embeddings"])
    qa.store.mark_changed(None)
    for folder in qa.index._snapshot_dir.iterdir():  # readers of an older index: no snapshot
        if folder.is_dir():
            shutil.rmtree(folder)

    reader = QA(settings)
    reader.index.refresh(force=True)
    assert len(reader.index.passages) == len(got["ids"])
    assert {p.meta.published for p in reader.index.passages.values()} == {""}  # unknown

    writer = QA(settings)
    report = writer.ingest()
    assert sorted(report.updated) == sorted([CARTER, COOK, "dated.txt"])
    assert report.embedded == 0  # the same texts: vectors reused
    dated = [p for p in writer.index.passages.values() if p.source == "dated.txt"]
    assert dated and all(p.meta.published == "2022-06-05" for p in dated)

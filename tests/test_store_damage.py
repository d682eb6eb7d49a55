"""A damaged vector index never crashes qabot, and readers never write to the store."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import uuid
from pathlib import Path

import pytest

from qabot import snapshot, store_check
from qabot.settings import Settings
from qabot.store import collection_name
from tests import subprocs
from tests.common import write_leases

QUESTION = "Who signed lease number 0042?"
ANSWER = "Q0042X"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A store of the lease corpus, ingested once; tests work on copies of it."""
    base = tmp_path_factory.mktemp("damage")
    corpus = base / "corpus"
    write_leases(corpus, 220)
    done = subprocs.run(["ingest"], subprocs.env(corpus_dir=corpus, data_dir=base / "data"), 600)
    assert done.returncode == 0, done.stderr
    return corpus, base / "data"


@pytest.fixture
def store(built: tuple[Path, Path], tmp_path: Path) -> tuple[Settings, dict[str, str]]:
    corpus, data = built
    shutil.copytree(data, tmp_path / "data")
    settings = Settings(_env_file=None, corpus_dir=corpus, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    return settings, subprocs.env(corpus_dir=corpus, data_dir=tmp_path / "data")


def _tree(folder: Path) -> dict[str, tuple[int, int, str]]:
    """(size, mtime in ns, sha256 of up to 64 MB) of every file under `folder`."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            st = path.stat()
            digest = hashlib.sha256()
            with path.open("rb") as f:  # the planted sparse file: its first 64 MB
                while (chunk := f.read(1 << 20)) and f.tell() <= 64 << 20:
                    digest.update(chunk)
            out[str(path.relative_to(folder))] = (st.st_size, st.st_mtime_ns, digest.hexdigest())
    return out


def _vector_segment(settings: Settings) -> Path:
    folders = [
        p for p in store_check.segment_folders(settings.chroma_dir) if (p / "header.bin").exists()
    ]
    assert len(folders) == 1, folders
    return folders[0]


def _answers(environ: dict[str, str]) -> None:
    done = subprocs.run(["ask", QUESTION], environ)
    assert done.returncode == 0, (done.returncode, done.stderr)
    assert ANSWER in done.stdout


def test_a_healthy_store_passes_the_check_and_an_ask_writes_nothing(store) -> None:  # type: ignore[no-untyped-def]
    settings, environ = store
    segment = _vector_segment(settings)
    assert (segment / "link_lists.bin").stat().st_size > 0  # the index was persisted
    assert store_check.damaged_segments(settings.chroma_dir) == {}
    before = _tree(settings.index_dir)
    _answers(environ)
    assert _tree(settings.index_dir) == before


@pytest.mark.parametrize("damage", ["sparse_link_lists", "truncated_data", "garbage_header"])
def test_a_damaged_vector_index_is_detected_answered_around_and_rebuilt(store, damage) -> None:  # type: ignore[no-untyped-def]
    settings, environ = store
    segment = _vector_segment(settings)
    if damage == "sparse_link_lists":  # as seen: 851 GB apparent size, mostly holes
        os.truncate(segment / "link_lists.bin", 851 * 2**30)
    elif damage == "truncated_data":
        os.truncate(segment / "data_level0.bin", 1000)
    else:
        (segment / "header.bin").write_bytes(os.urandom(100))
    problem = store_check.segment_problem(segment)
    assert problem is not None

    # A reader answers from the published snapshot, and leaves every file as it was.
    chroma_before = _tree(settings.chroma_dir)
    _answers(environ)
    assert _tree(settings.chroma_dir) == chroma_before

    # With no snapshot to answer from, a reader says so in one line; no signal, no writes.
    base = settings.snapshot_dir / collection_name(settings)
    shutil.move(base, settings.index_dir / "snapshot-aside")
    done = subprocs.run(["ask", QUESTION], environ)
    assert done.returncode > 0 and done.returncode != 128 + signal.SIGSEGV, done
    assert "damaged" in done.stderr and "qabot ingest" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert _tree(settings.chroma_dir) == chroma_before
    shutil.move(settings.index_dir / "snapshot-aside", base)

    # The writer removes the damaged segment (and orphaned folders) and rewrites the records
    # with the snapshot's vectors (none embedded again).
    orphan = settings.chroma_dir / str(uuid.uuid4())
    orphan.mkdir()
    (orphan / "header.bin").write_bytes(b"left by a collection long gone")
    done = subprocs.run(["ingest"], environ, 600)
    assert done.returncode == 0, (done.returncode, done.stderr)
    assert not orphan.exists()
    assert store_check.damaged_segments(settings.chroma_dir) == {}
    assert snapshot.current(base) is not None
    _answers(environ)
    # and what Chroma holds is whole: a reader that reads the store itself answers too
    (base / snapshot.CURRENT).unlink()
    _answers(environ)


def test_the_check_accepts_a_segment_never_persisted(tmp_path: Path) -> None:
    folder = tmp_path / str(uuid.uuid4())
    folder.mkdir()
    assert store_check.segment_problem(folder) is None  # no header yet

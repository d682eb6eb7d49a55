"""What a reader needs from the store, saved once per generation: passages and vectors.

Rebuilding it from Chroma costs every process seconds and hundreds of MB on a big corpus,
and Chroma's embedded client applies its write-ahead log to the vector segment on the first
read of a collection (it writes the store). So the process that stamps a generation (the
ingest) saves the passages and their vectors here, and readers open that instead:
`vectors.npy` memory-mapped, `passages.json` in columns. A saved version is never changed,
only replaced by one of a newer generation (written to a temp folder, renamed into place).
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qabot.atomic import replacing
from qabot.domain import ARTICLE_FIELDS, ArticleMeta, Passage

FORMAT = "1"
CURRENT = "CURRENT.json"
_INTS = ("start_char", "end_char", "start_line", "end_line")


@dataclass
class Snapshot:
    passages: dict[str, Passage]
    #: Normalised float32 vectors of `matrix_ids`, memory-mapped (None: not kept).
    matrix: np.ndarray | None
    matrix_ids: list[str]


@contextmanager
def new_version(base: Path, name: str, marker: str, keep: int = 2) -> Iterator[Path | None]:
    """A temp folder to fill, renamed to `base/<name>` once the block ends; older versions
    beyond `keep` go. `marker` is the file the block writes last: its presence marks a
    complete version. Yields None when that version exists already (versions never change).
    """
    base.mkdir(parents=True, exist_ok=True)
    folder = base / name[:32]
    if (folder / marker).exists():
        yield None
        return
    tmp = base / f".tmp-{uuid.uuid4().hex[:12]}"
    try:
        tmp.mkdir()
        yield tmp
        try:
            tmp.rename(folder)
        except OSError:
            if not (folder / marker).exists():
                raise  # not a twin saved by another process first
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    prune(base, folder, keep)


def save(base: Path, generation: str, snap: Snapshot, keep: int = 2) -> None:
    """Write `snap` as `base/<generation>` atomically; older versions beyond `keep` go."""
    with new_version(base, generation, "passages.json", keep) as tmp:
        if tmp is None:
            return  # saved by another process already
        ps = list(snap.passages.values())
        columns: dict[str, object] = {
            "format": FORMAT,
            "generation": generation,
            "ids": [p.id for p in ps],
            "source": [p.source for p in ps],
            "title": [p.title for p in ps],
            "text": [p.text for p in ps],
            **{k: [getattr(p, k) for p in ps] for k in _INTS},
            **{k: [getattr(p.meta, k) for p in ps] for k in ARTICLE_FIELDS},
            "matrix_ids": snap.matrix_ids if snap.matrix is not None else None,
        }
        if snap.matrix is not None:
            np.save(tmp / "vectors.npy", np.ascontiguousarray(snap.matrix, dtype=np.float32))
        # written last: its presence marks a complete version; streamed, since the whole
        # text as one string would double the memory a big corpus takes here
        with (tmp / "passages.json").open("w", encoding="utf-8") as out:
            json.dump(columns, out)


def load(base: Path, generation: str) -> Snapshot | None:
    """The saved snapshot of `generation`, vectors memory-mapped; None if there is none."""
    folder = base / generation[:32]
    try:
        cols = json.loads((folder / "passages.json").read_text(encoding="utf-8"))
        if cols.get("format") != FORMAT or cols.get("generation") != generation:
            return None
        unknown = [""] * len(cols["ids"])  # a snapshot saved before metadata was kept
        shared: dict[tuple[str, ...], ArticleMeta] = {}  # one record per article, not passage
        metas = [
            shared.setdefault(values, ArticleMeta(*values))
            for values in zip(*(cols.get(k) or unknown for k in ARTICLE_FIELDS), strict=True)
        ]
        passages = {
            pid: Passage(
                id=pid,
                source=src,
                title=title,
                text=text,
                start_char=sc,
                end_char=ec,
                start_line=sl,
                end_line=el,
                meta=meta,
            )
            for pid, src, title, text, sc, ec, sl, el, meta in zip(
                cols["ids"],
                cols["source"],
                cols["title"],
                cols["text"],
                *(cols[k] for k in _INTS),
                metas,
                strict=True,
            )
        }
        matrix_ids = cols.get("matrix_ids")
        matrix = None
        if matrix_ids is not None:
            matrix = np.load(folder / "vectors.npy", mmap_mode="r")
            if matrix.shape[0] != len(matrix_ids):
                return None
        return Snapshot(passages, matrix, list(matrix_ids or []))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def publish(base: Path, generation: str, identity: dict[str, str]) -> None:
    """Name `generation` (saved already) as the one readers of this store answer from.

    Readers of the embedded store read this file rather than open Chroma: its client writes
    to the store when it opens (a row in `acquire_write`), and on the first read of a
    collection applies its log to the vector segment.
    """
    with replacing(base / CURRENT) as tmp:
        tmp.write_text(json.dumps({"generation": generation, **identity}))


def current(base: Path) -> dict[str, str] | None:
    """What `publish` wrote last (None if nothing was published, or it cannot be read)."""
    try:
        got = json.loads((base / CURRENT).read_text())
    except (OSError, ValueError):
        return None
    return got if isinstance(got, dict) and "generation" in got else None


def latest(base: Path) -> Snapshot | None:
    """The newest saved snapshot, whatever its generation (to recover vectors from)."""
    try:
        folders = sorted(
            (p for p in base.iterdir() if (p / "passages.json").exists()),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
    except OSError:
        return None
    for folder in folders:
        try:
            generation = json.loads((folder / "passages.json").read_text())["generation"]
        except (OSError, ValueError, KeyError):
            continue
        snap = load(base, str(generation))
        if snap is not None:
            return snap
    return None


def prune(base: Path, current: Path, keep: int) -> None:
    """Remove all but the newest `keep` saved versions (and temp folders older than an hour)."""
    try:
        entries = [p for p in base.iterdir() if p.is_dir()]
    except OSError:
        return
    now = time.time()
    versions = []
    for path in entries:
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        if path.name.startswith(".tmp-"):
            if now - mtime > 3600:
                shutil.rmtree(path, ignore_errors=True)
        elif path != current:
            versions.append((mtime, path))
    for _, path in sorted(versions, reverse=True)[max(0, keep - 1) :]:
        shutil.rmtree(path, ignore_errors=True)

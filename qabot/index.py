"""The reader's index: the passages of the store's last complete generation, with their vectors
for exact search and a BM25 index, swapped only when the store's generation changes.

A reader of the embedded store loads the snapshot the ingest published (`qabot.snapshot`) and
never opens Chroma; otherwise it reads the collection and saves the snapshot for the next one.
A rebuild in progress or an unreachable store never replaces what is loaded.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import numpy as np

from qabot import memory, snapshot
from qabot.bm25 import BM25, fingerprint_of, top_k
from qabot.domain import Passage
from qabot.settings import Settings
from qabot.snapshot import Snapshot
from qabot.store import EMPTY_GENERATION, IndexMismatch, Store
from qabot.store_check import StoreDamaged
from qabot.text import indexed_text

logger = logging.getLogger(__name__)

#: Characters either side of a passage that the refusal check reads as its article: all of a
#: news article, and a bounded stretch of a file that holds a great many (one 60 MB file).
ARTICLE_REACH = 100_000


class PassageIndex:
    """Passages, vectors and BM25 of one store, refreshed when another writer changed it.

    `dense` and `sparse` search what was loaded last; `refresh` (called before each search)
    looks at the store's generation at most once a second.
    """

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self._lock = threading.RLock()
        self._generation: str | None = None
        self._checked_at = 0.0
        self._unreachable = False  # the collection could not be opened at the last check
        self.passages: dict[str, Passage] = {}
        self.bm25 = BM25.empty()
        # All vectors in memory for exact search (None above `exact_search_max_passages`).
        self._matrix: np.ndarray | None = None
        self._matrix_ids: list[str] = []
        self._articles: tuple[object, dict[str, list[Passage]]] = (None, {})

    @property
    def generation(self) -> str | None:
        """The store generation the loaded passages come from (None before the first load)."""
        return self._generation

    @property
    def _snapshot_dir(self) -> Path:
        return self.settings.snapshot_dir / self.store.live_name

    @property
    def _bm25_dir(self) -> Path:
        return self.settings.bm25_dir / self.store.live_name

    def count(self) -> int:
        """Passages of the last complete generation (read from its snapshot when saved)."""
        try:
            self.refresh()
        except (StoreDamaged, IndexMismatch):
            raise
        except Exception:  # noqa: BLE001 - no collection yet, or the server is down
            return self.store.count()
        return len(self.passages)

    def last_snapshot(self) -> Snapshot | None:
        """The newest saved snapshot, whatever its generation (to recover vectors from)."""
        return snapshot.latest(self._snapshot_dir)

    # --- loading ------------------------------------------------------------------------
    def refresh(self, force: bool = False, max_age: float = 1.0) -> None:
        """Reload passages and BM25 if another writer changed the collection."""
        with self._lock:
            now = time.monotonic()
            if not force and self._generation is not None and now - self._checked_at < max_age:
                return
            self._checked_at = now
            if self._from_published(force):
                return
            if not self.store.opened:
                self.store.check_files()  # before Chroma opens the store
            try:
                col = self.store.fresh()
            except Exception:  # noqa: BLE001 - NotFoundError, or the server is unreachable
                if not self.passages:
                    raise
                if not self._unreachable:
                    logger.warning(
                        "cannot open the index %s (dropped for a rebuild, or the server is "
                        "down); answering from the copy loaded earlier",
                        self.store.name,
                        exc_info=logger.isEnabledFor(logging.DEBUG),
                    )
                self._unreachable = True
                return
            self._unreachable = False
            meta = dict(col.metadata or {})
            generation = str(meta.get("generation", ""))
            if generation == EMPTY_GENERATION and self.passages:
                # `qabot ingest --rebuild` is filling a new collection: keep answering from
                # the loaded copy until that ingest stamps its generation at the end.
                return
            self.store.collection = col
            if not force and generation == self._generation:
                return
            self.store.check_identity(meta)
            if generation == EMPTY_GENERATION:
                # No ingest has finished: nothing to answer from (and no reason to read the
                # records, which would make Chroma apply its log to the vector segment).
                self._use(Snapshot({}, None, []))
                self._generation = generation
                return
            snap = snapshot.load(self._snapshot_dir, generation)
            if snap is None:
                if (
                    self._generation is not None
                    and generation not in (self._generation, self.store.own_generation)
                    and self.store.owns_client
                    and not self.settings.chroma_host
                ):
                    self.store.reopen()
                    self.store.collection = self.store.fresh()
                snap = self.store.read_snapshot()
                self._save(generation, snap)
            self._use(snap)
            self._generation = generation

    def publish(self) -> None:
        """After an ingest stamped a generation: read it from the store and save its snapshot
        (and BM25), so that readers need not."""
        self.store.close_client()  # the writer's in-memory vector index is not needed to read
        memory.give_back()
        with self._lock:
            col = self.store.fresh()
            self.store.collection = col
            generation = str(dict(col.metadata or {}).get("generation", ""))
            snap = self.store.read_snapshot()
            self._save(generation, snap)
            self._use(snap)
            self._generation = generation
            self._checked_at = time.monotonic()

    def _save(self, generation: str, snap: Snapshot) -> None:
        """Save the snapshot of a complete generation and name it the current one."""
        if self.store.staging:
            return  # the staging collection of a rebuild: not what readers use
        try:
            snapshot.save(self._snapshot_dir, generation, snap)
            snapshot.publish(self._snapshot_dir, generation, self.store.identity)
        except OSError as exc:  # a read-only data dir still answers
            logger.warning("could not save the index snapshot: %s", exc)

    def _from_published(self, force: bool) -> bool:
        """Load the published snapshot of the embedded store, without opening Chroma.

        False when there is none (a store written before snapshots, or by a first ingest
        that has not finished), or for a Chroma server, which other machines write to."""
        if self.settings.chroma_host or not self.store.owns_client or self.store.staging:
            return False
        pointer = snapshot.current(self._snapshot_dir)
        if pointer is None:
            return False
        self.store.check_identity(pointer)
        generation = str(pointer["generation"])
        if generation == self._generation and not force:
            return True
        if generation == self._generation and self.passages:
            return True  # the same version: nothing to reload
        snap = snapshot.load(self._snapshot_dir, generation)
        if snap is None:
            return False
        self._use(snap)
        self._generation = generation
        self._unreachable = False
        return True

    def _use(self, snap: Snapshot) -> None:
        """Answer from `snap` from now on: its passages, vectors and the matching BM25."""
        passages = snap.passages
        self.passages = passages
        self._matrix, self._matrix_ids = snap.matrix, snap.matrix_ids
        if not passages:
            self.bm25 = BM25.empty()
            return
        fingerprint = fingerprint_of(passages)
        bm25 = BM25.load(self._bm25_dir, fingerprint)
        if bm25 is None:
            ids = sorted(passages)
            logger.info("building BM25 over %d passages", len(ids))
            bm25 = BM25.build(ids, [indexed_text(passages[i].title, passages[i].text) for i in ids])
            try:
                bm25.save(self._bm25_dir, fingerprint)
            except OSError as exc:  # a read-only data dir still answers
                logger.warning("could not save the BM25 index: %s", exc)
        self.bm25 = bm25

    # --- searching ----------------------------------------------------------------------
    def dense(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(id, cosine similarity) of the k nearest passages."""
        n = len(self.passages)
        if n == 0:
            return []
        matrix, ids = self._matrix, self._matrix_ids
        if matrix is not None:
            # Exact search: a few ms even for tens of thousands of passages, and immune to
            # approximate-index misses (seen here with Chroma's HNSW after a cross-process
            # write of many near-identical passages).
            return top_k(ids, matrix @ vector.astype(np.float32), k)
        return [
            (pid, sim) for pid, sim in self.store.query(vector, min(k, n)) if pid in self.passages
        ]

    def sparse(self, query: str, k: int) -> list[tuple[str, float]]:
        """(id, BM25 score) of the k best-matching passages."""
        return self.bm25.search(query, k)

    def doc_freq(self) -> tuple[dict[str, int], int]:
        """Passages holding each (stemmed) term, and the number of passages."""
        return self.bm25.doc_freq()

    def article_text(self, passage: Passage) -> str:
        """The indexed text of a passage's article, its passages in file order (for refusal
        checks). In a file that holds many articles, the stretch of it around the passage."""
        passages = self.passages
        if self._articles[0] is not passages:  # a new snapshot: group it again
            grouped: dict[str, list[Passage]] = {}
            for p in passages.values():
                grouped.setdefault(p.source, []).append(p)
            for ps in grouped.values():
                ps.sort(key=lambda p: p.start_char)
            self._articles = (passages, grouped)
        low, high = passage.start_char - ARTICLE_REACH, passage.end_char + ARTICLE_REACH
        return " ".join(
            p.text
            for p in self._articles[1].get(passage.source, ())
            if p.end_char > low and p.start_char < high
        )

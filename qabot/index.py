"""The passage index: Chroma for vectors, a BM25 index derived from what Chroma holds."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from qabot import snapshot, store_check
from qabot.domain import Passage
from qabot.errors import QabotError
from qabot.settings import Settings
from qabot.snapshot import Snapshot
from qabot.text import index_text

if TYPE_CHECKING:
    from qabot.embeddings import Embedder, Progress

logger = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
#: The generation of a collection that no ingest has finished writing yet.
EMPTY_GENERATION = "empty"
#: Suffixes of the collection a rebuild fills, and of the one it replaces (for a moment).
REBUILD_SUFFIX = "-rebuild"
RETIRED_SUFFIX = "-retired"


class IndexMismatch(QabotError, RuntimeError):
    """The collection was built with another embedding model, backend or schema."""


class StoreUnavailable(QabotError, RuntimeError):
    """The Chroma server named in the settings cannot be reached."""


class WriterBusy(QabotError, RuntimeError):
    """Another process (maybe on another machine) holds the collection's writer claim."""

    def __init__(self, holder: str, age: float) -> None:
        host, pid = (holder.split(":") + ["?", "?"])[:2]
        super().__init__(
            f"another `qabot ingest` (host {host}, pid {pid}) is writing to this collection; "
            f"its last sign of life was {age:.0f} s ago. Wait for it to finish (a writer that "
            f"died releases its claim after QABOT_WRITER_LEASE_SECONDS)."
        )
        self.holder = holder


def collection_name(settings: Settings) -> str:
    """The configured collection name, or one derived from the corpus folder's location.

    Each corpus gets its own collection, so `qabot eval --corpus X` never clobbers the
    index the REPL answers from.
    """
    return settings.collection or f"qabot-{settings.corpus_key}"


def make_client(settings: Settings) -> Any:
    """A Chroma client: HTTP when a server host is set, else the embedded store."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        headers = {}
        if settings.chroma_auth_token is not None:
            headers["Authorization"] = f"Bearer {settings.chroma_auth_token.get_secret_value()}"
        try:
            return chromadb.HttpClient(
                host=settings.chroma_host,
                port=settings.chroma_port,
                ssl=settings.chroma_ssl,
                headers=headers,
                settings=chroma_settings,
            )
        except Exception as exc:  # noqa: BLE001 - chromadb says ValueError; httpx others
            scheme = "https" if settings.chroma_ssl else "http"
            raise StoreUnavailable(
                f"cannot reach the Chroma server at {scheme}://{settings.chroma_host}:"
                f"{settings.chroma_port} ({exc}); start it, fix QABOT_CHROMA_HOST / "
                f"QABOT_CHROMA_PORT, or unset QABOT_CHROMA_HOST to use the embedded store"
            ) from exc
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


@dataclass(frozen=True)
class StoredFile:
    """What the collection holds for one source file."""

    file_hashes: frozenset[str]
    expected: frozenset[int]  # passage counts recorded on its records (0 = not finished)
    ids: frozenset[str]

    @property
    def complete(self) -> bool:
        """One version of the file, fully written: what an interrupted ingest cannot leave."""
        return (
            len(self.file_hashes) == 1
            and len(self.expected) == 1
            and len(self.ids) == next(iter(self.expected))
        )


class BM25:
    """A bm25s index over passage texts, with the stemmer and stop words fixed here."""

    def __init__(self, retriever: Any, ids: list[str]) -> None:
        self.retriever = retriever
        self.ids = ids

    @staticmethod
    def _tokenize(texts: list[str], return_ids: bool) -> Any:
        import bm25s
        import Stemmer

        # bm25s sets its own logger to DEBUG on import; keep it at the app's level.
        logging.getLogger("bm25s").setLevel(logging.getLogger().getEffectiveLevel())

        return bm25s.tokenize(
            texts,
            stopwords="en",
            stemmer=Stemmer.Stemmer("english"),
            return_ids=return_ids,
            show_progress=False,
        )

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> BM25:
        import bm25s

        retriever = bm25s.BM25()
        if texts:
            retriever.index(cls._tokenize(texts, True), show_progress=False)
        return cls(retriever, ids)

    def save(self, base: Path, fingerprint: str, keep: int = 2) -> None:
        """Write to `base/<fingerprint>` atomically (a temp folder renamed into place).

        A saved index is never changed, only replaced by one with another fingerprint, so a
        reader in another process never loads half of one version and half of another.
        """
        with snapshot.new_version(base, fingerprint, "qabot.json", keep) as tmp:
            if tmp is None:
                return
            if self.ids:
                self.retriever.save(str(tmp), show_progress=False)
            meta = {"fingerprint": fingerprint, "ids": self.ids}
            (tmp / "qabot.json").write_text(json.dumps(meta))

    @classmethod
    def load(cls, base: Path, fingerprint: str) -> BM25 | None:
        """The saved index if it was built from exactly the current collection, else None."""
        import bm25s

        folder = base / fingerprint[:32]
        meta_file = folder / "qabot.json"
        try:
            meta = json.loads(meta_file.read_text())
            if meta.get("fingerprint") != fingerprint:
                return None
            ids = list(meta["ids"])
            retriever = (
                bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
                if ids
                else bm25s.BM25()
            )
            return cls(retriever, ids)
        except (OSError, ValueError, KeyError):
            return None

    def doc_freq(self) -> tuple[dict[str, int], int]:
        """Passages holding each (stemmed) term, and the number of passages."""
        if not self.ids:
            return {}, 0
        indptr = self.retriever.scores["indptr"]
        df = {
            t: int(indptr[i + 1] - indptr[i])
            for t, i in self.retriever.vocab_dict.items()
            if i + 1 < len(indptr)
        }
        return df, len(self.ids)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        if not self.ids or k <= 0:
            return []
        tokens = self._tokenize([query], False)
        if not tokens[0]:
            return []
        # Scores for every passage, then a partial sort: ~0.1 ms where `retrieve` (thread
        # pool, progress bar) costs milliseconds per query.
        scores = self.retriever.get_scores(tokens[0])
        return [(pid, score) for pid, score in top_k(self.ids, scores, k) if score > 0]


def top_k(ids: list[str], scores: np.ndarray, k: int) -> list[tuple[str, float]]:
    """The k best (id, score) pairs, best first: a partial sort, not a full one."""
    k = min(k, len(ids))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k] if k < len(ids) else np.arange(len(ids))
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(ids[int(i)], float(scores[i])) for i in top]


def _fingerprint(ids: Iterable[str]) -> str:
    h = hashlib.sha256()
    for pid in sorted(ids):
        h.update(pid.encode())
    return h.hexdigest()


def embed_text(passage: Passage, title_words: int = 24) -> str:
    """What is embedded and indexed for a passage: its title (shortened) then its text."""
    title = " ".join(passage.title.split()[:title_words])
    return index_text(f"{title}\n{passage.text}" if title else passage.text)


class PassageIndex:
    """Chroma collection + BM25 + an in-memory map of passages, refreshed when Chroma changes.

    Writers (`qabot.ingest`) call `upsert` and `delete`; readers call `dense` and `sparse`.
    The collection's metadata carries the embedding model, dimension and backend (checked on
    open), a `generation` stamp that each ingest updates, so readers in other processes
    notice and reload, and the writer claim (`claim_writer`) that keeps two ingests on
    different machines from writing one collection at once.
    """

    def __init__(self, settings: Settings, embedder: Embedder, client: Any | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self._own_client = client is None
        # Opened when first needed: a reader of a published snapshot never opens it.
        self._client: Any = client
        self.name = collection_name(settings)
        self._live_name: str | None = None  # during a rebuild: the collection readers use
        self._lock = threading.RLock()
        self._collection: Any = None
        self._generation: str | None = None
        self._own_generation: str | None = None
        self._checked_at = 0.0
        self._unreachable = False  # the collection could not be opened at the last check
        self._vector_cache: dict[str, np.ndarray] = {}
        self._seed: dict[str, np.ndarray] = {}  # vectors of a snapshot, by text hash
        self.passages: dict[str, Passage] = {}
        self._bm25: BM25 | None = None
        # All vectors in memory for exact search (None above `exact_search_max_passages`).
        self._matrix: np.ndarray | None = None
        self._matrix_ids: list[str] = []

    # --- opening and identity -------------------------------------------------------------
    def _identity(self) -> dict[str, str]:
        return {
            "qabot_schema": SCHEMA_VERSION,
            "embedding_model": self.embedder.model_id,
            "embedding_backend": self.embedder.backend,
        }

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    @client.setter
    def client(self, value: Any) -> None:
        self._client = value

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._collection = self._open()
        return self._collection

    def _open(self) -> Any:
        col = self.client.get_or_create_collection(
            self.name,
            metadata={**self._identity(), "generation": EMPTY_GENERATION},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        self._check_identity(dict(col.metadata or {}))
        return col

    def _check_identity(self, meta: dict[str, Any]) -> None:
        """Raise `IndexMismatch` if the collection was built with another model or schema."""
        for key, want in self._identity().items():
            have = meta.get(key)
            if have is not None and have != want:
                raise IndexMismatch(
                    f"the index {self.name!r} was built with {key.replace('_', ' ')} {have!r}, "
                    f"but qabot is set to {want!r}. Run `qabot ingest --rebuild` to re-embed the "
                    f"corpus, or set QABOT_{key.upper()} back to {have!r}."
                    if key != "qabot_schema"
                    else f"the index {self.name!r} has schema {have}; run `qabot ingest --rebuild`"
                )

    def close_client(self) -> None:
        """Drop the embedded client (and the vector index it may hold in memory)."""
        with self._lock:
            if self._client is not None and self._own_client:
                try:
                    self._client.close()
                except Exception:  # noqa: BLE001 - older chromadb has no close()
                    logger.debug("could not close the Chroma client", exc_info=True)
                self._client = None
                self._collection = None

    def seed_vectors(self) -> int:
        """Offer the vectors of the last saved snapshot to `existing_embeddings` (after a
        damaged vector index was removed: its records are written again, not re-embedded)."""
        snap = snapshot.latest(self.settings.snapshot_dir / (self._live_name or self.name))
        if snap is None or snap.matrix is None:
            return 0
        row = {pid: i for i, pid in enumerate(snap.matrix_ids)}
        self._seed = {
            text_hash(p): snap.matrix[row[pid]] for pid, p in snap.passages.items() if pid in row
        }
        return len(self._seed)

    def _reopen(self) -> None:
        """A new embedded client: the old one keeps the vector index it loaded in memory and
        does not see vectors another process wrote since (the SQLite side it does see)."""
        logger.info("another process changed the index; reopening the embedded store")
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - older chromadb has no close()
            logger.debug("could not close the Chroma client", exc_info=True)
        self.client = make_client(self.settings)
        self._collection = None

    @property
    def _bm25_dir(self) -> Path:
        return self.settings.bm25_dir / self.name

    @property
    def _snapshot_dir(self) -> Path:
        return self.settings.snapshot_dir / self.name

    def count(self) -> int:
        """Passages of the last complete generation (read from its snapshot when saved)."""
        try:
            self.refresh()
        except (store_check.StoreDamaged, IndexMismatch):
            raise
        except Exception:  # noqa: BLE001 - no collection yet, or the server is down
            return int(self.collection.count())
        return len(self.passages)

    def embedding_dimension(self) -> int | None:
        dim = (self.collection.metadata or {}).get("embedding_dimension")
        return int(dim) if dim is not None else None

    # --- reading -----------------------------------------------------------------------
    def refresh(self, force: bool = False, max_age: float = 1.0) -> None:
        """Reload passages and BM25 if another writer changed the collection."""
        with self._lock:
            now = time.monotonic()
            if not force and self._generation is not None and now - self._checked_at < max_age:
                return
            self._checked_at = now
            if self._from_published(force):
                return
            if not self.settings.chroma_host and self._client is None:
                store_check.check(self.settings.chroma_dir)  # before Chroma opens the store
            try:
                col = self.client.get_collection(self.name, embedding_function=None)
            except Exception:  # noqa: BLE001 - NotFoundError, or the server is unreachable
                if not self.passages:
                    raise
                if not self._unreachable:
                    logger.warning(
                        "cannot open the index %s (dropped for a rebuild, or the server is "
                        "down); answering from the copy loaded earlier",
                        self.name,
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
            self._collection = col
            if not force and generation == self._generation:
                return
            self._check_identity(meta)
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
                    and generation not in (self._generation, self._own_generation)
                    and self._own_client
                    and not self.settings.chroma_host
                ):
                    self._reopen()
                    self._collection = self.client.get_collection(
                        self.name, embedding_function=None
                    )
                snap = self._read_store()
                self._save(generation, snap)
            self._use(snap)
            self._generation = generation

    def _save(self, generation: str, snap: Snapshot) -> None:
        """Save the snapshot of a complete generation and name it the current one."""
        if self._live_name is not None:
            return  # the staging collection of a rebuild: not what readers use
        try:
            snapshot.save(self._snapshot_dir, generation, snap)
            snapshot.publish(self._snapshot_dir, generation, self._identity())
        except OSError as exc:  # a read-only data dir still answers
            logger.warning("could not save the index snapshot: %s", exc)

    def _from_published(self, force: bool) -> bool:
        """Load the published snapshot of the embedded store, without opening Chroma.

        False when there is none (a store written before snapshots, or by a first ingest
        that has not finished), or for a Chroma server, which other machines write to."""
        if self.settings.chroma_host or not self._own_client or self._live_name is not None:
            return False
        pointer = snapshot.current(self._snapshot_dir)
        if pointer is None:
            return False
        self._check_identity(pointer)
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

    def publish(self) -> None:
        """After an ingest stamped a generation: read it from Chroma and save its snapshot."""
        with self._lock:
            col = self.client.get_collection(self.name, embedding_function=None)
            self._collection = col
            generation = str(dict(col.metadata or {}).get("generation", ""))
            snap = self._read_store()
            self._save(generation, snap)
            self._use(snap)
            self._generation = generation
            self._checked_at = time.monotonic()
            self._seed = {}

    def _read_store(self) -> Snapshot:
        """Passages and (up to `exact_search_max_passages`) vectors, read from Chroma."""
        if not self.settings.chroma_host:
            store_check.check(self.settings.chroma_dir)  # a damaged index crashes Chroma
        n = int(self.collection.count())
        exact = n <= self.settings.exact_search_max_passages
        include = ["documents", "metadatas", *(["embeddings"] if exact else [])]
        try:
            return self._read_pages(include)
        except Exception:  # noqa: BLE001 - chromadb raises InternalError and others
            if self.settings.chroma_host or not self._own_client:
                raise
            # An embedded client opened before another process wrote may not know the new
            # vectors ("Error finding id"); a fresh client does.
            logger.info("stale embedded store; reopening", exc_info=True)
            self._reopen()
            try:
                return self._read_pages(include)
            except Exception:  # noqa: BLE001
                # Seen after a SIGKILLed writer: vectors of some records cannot be read back.
                # Answer from the approximate index rather than not at all.
                logger.warning("cannot read the stored vectors; using Chroma's HNSW search")
                return self._read_pages(["documents", "metadatas"])

    def _read_pages(self, include: list[str]) -> Snapshot:
        """The collection page by page, vectors straight into one float32 matrix (a list of
        Python floats per vector would take ten times the memory on a big corpus)."""
        passages: dict[str, Passage] = {}
        blocks: list[np.ndarray] = []
        page, offset = 5000, 0
        while True:
            got = self.collection.get(include=include, limit=page, offset=offset)
            for pid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                passages[pid] = _passage_from(pid, text, meta)
            if "embeddings" in include and got["ids"]:
                blocks.append(np.asarray(got["embeddings"], dtype=np.float32))
            if len(got["ids"]) < page:
                break
            offset += page
        if "embeddings" not in include or not passages:
            return Snapshot(passages, None, [])
        matrix = np.concatenate(blocks) if len(blocks) > 1 else blocks[0]
        del blocks
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        return Snapshot(passages, matrix, list(passages))

    def _use(self, snap: Snapshot) -> None:
        """Answer from `snap` from now on: its passages, vectors and the matching BM25."""
        passages = snap.passages
        self.passages = passages
        self._matrix, self._matrix_ids = snap.matrix, snap.matrix_ids
        if not passages:
            self._bm25 = BM25.build([], [])
            return
        fingerprint = _fingerprint(passages)
        bm25 = BM25.load(self._bm25_dir, fingerprint)
        if bm25 is None:
            ids = sorted(passages)
            logger.info("building BM25 over %d passages", len(ids))
            bm25 = BM25.build(ids, [embed_text(passages[i]) for i in ids])
            try:
                bm25.save(self._bm25_dir, fingerprint)
            except OSError as exc:  # a read-only data dir still answers
                logger.warning("could not save the BM25 index: %s", exc)
        self._bm25 = bm25

    def _get_all(self, include: list[str], where: dict[str, Any] | None = None) -> dict[str, list]:
        """`collection.get` in pages (a server limits response size)."""
        out: dict[str, list] = {"ids": [], **{k: [] for k in include}}
        page = 5000
        offset = 0
        while True:
            got = self.collection.get(where=where, include=include, limit=page, offset=offset)
            out["ids"].extend(got["ids"])
            for key in include:
                values = got[key]
                out[key].extend(list(values) if values is not None else [])
            if len(got["ids"]) < page:
                return out
            offset += page

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
        with self._lock:  # not while `refresh` swaps the client
            res = self.collection.query(
                query_embeddings=[vector.tolist()], n_results=min(k, n), include=["distances"]
            )
        return [
            (pid, 1.0 - float(dist))
            for pid, dist in zip(res["ids"][0], res["distances"][0], strict=True)
            if pid in self.passages
        ]

    def doc_freq(self) -> tuple[dict[str, int], int]:
        return self._bm25.doc_freq() if self._bm25 is not None else ({}, 0)

    def sparse(self, query: str, k: int) -> list[tuple[str, float]]:
        return self._bm25.search(query, k) if self._bm25 is not None else []

    # --- writing ------------------------------------------------------------------------
    def stored_files(self) -> dict[str, StoredFile]:
        """What the collection holds, per source file."""
        got = self._get_all(include=["metadatas"])
        hashes: dict[str, set[str]] = {}
        expected: dict[str, set[int]] = {}
        ids: dict[str, set[str]] = {}
        for pid, meta in zip(got["ids"], got["metadatas"], strict=True):
            src = str(meta["source"])
            hashes.setdefault(src, set()).add(str(meta["file_hash"]))
            expected.setdefault(src, set()).add(int(meta["n_passages"]))
            ids.setdefault(src, set()).add(pid)
        return {
            s: StoredFile(frozenset(hashes[s]), frozenset(expected[s]), frozenset(ids[s]))
            for s in hashes
        }

    def records(self) -> list[dict[str, Any]]:
        """The metadata of every passage record (source, title, file_hash, indexed_at, ...)."""
        return list(self._get_all(include=["metadatas"])["metadatas"])

    def existing_embeddings(self, text_hashes: Sequence[str]) -> dict[str, list[float]]:
        """Vectors already stored for these text hashes (identical text is embedded once).

        One record per hash is enough, and a text may be stored thousands of times (a big
        repetitive file), so ids are found from metadata first, with a bounded page size.
        """
        found: dict[str, list[float]] = {}
        wanted = []
        for h in dict.fromkeys(text_hashes):
            known = self._vector_cache.get(h)
            if known is None:
                known = self._seed.get(h)
            if known is not None:
                found[h] = known.tolist()
            else:
                wanted.append(h)
        step = 100
        for lo in range(0, len(wanted), step):
            part = wanted[lo : lo + step]
            got = self.collection.get(
                where={"text_hash": {"$in": part}}, include=["metadatas"], limit=4 * step
            )
            ids: dict[str, str] = {}
            for pid, meta in zip(got["ids"], got["metadatas"], strict=True):
                ids.setdefault(str(meta["text_hash"]), pid)
            if len(got["ids"]) == 4 * step:  # truncated: look up the rest one by one
                for h in part:
                    if h not in ids:
                        one = self.collection.get(where={"text_hash": h}, include=[], limit=1)
                        if one["ids"]:
                            ids[h] = one["ids"][0]
            if not ids:
                continue
            by_id = {pid: h for h, pid in ids.items()}
            vecs = self.collection.get(ids=list(by_id), include=["embeddings"])
            for pid, vec in zip(vecs["ids"], vecs["embeddings"], strict=True):
                found[by_id[pid]] = list(map(float, vec))
        self._remember(found)
        return found

    def _remember(self, vectors: dict[str, list[float]], limit: int = 20000) -> None:
        """Keep vectors of this run's texts (float32) so repeated texts skip the lookup."""
        if len(self._vector_cache) + len(vectors) > limit:
            self._vector_cache.clear()
        for h, vec in list(vectors.items())[:limit]:
            self._vector_cache[h] = np.asarray(vec, dtype=np.float32)

    def max_batch(self) -> int:
        try:
            return max(1, min(int(self.client.get_max_batch_size()), 2000))
        except Exception:  # noqa: BLE001 - older servers
            return 1000

    def upsert(
        self,
        passages: Sequence[Passage],
        file_hash: dict[str, str],
        vectors: dict[str, list[float]],
        expected: dict[str, int] | None = None,
    ) -> None:
        """Write passages with their vectors (keyed by text hash), in Chroma-sized batches.

        Each record carries its file's hash and passage count (`expected`; by default the
        count in `passages`), which is how the next ingest tells a finished file from one an
        interrupted ingest left half written.
        """
        n_per_source: dict[str, int] = {}
        for p in passages:
            n_per_source[p.source] = n_per_source.get(p.source, 0) + 1
        n_per_source.update(expected or {})
        batch = self.max_batch()
        for lo in range(0, len(passages), batch):
            chunk = passages[lo : lo + batch]
            metas, embs = [], []
            for p in chunk:
                th = text_hash(p)
                embs.append(vectors[th])
                metas.append(
                    {
                        "source": p.source,
                        "title": p.title,
                        "start_char": p.start_char,
                        "end_char": p.end_char,
                        "start_line": p.start_line,
                        "end_line": p.end_line,
                        "file_hash": file_hash[p.source],
                        "n_passages": n_per_source[p.source],
                        "text_hash": th,
                        "indexed_at": round(time.time(), 3),
                    }
                )
            self.collection.upsert(
                ids=[p.id for p in chunk],
                embeddings=embs,
                documents=[p.text for p in chunk],
                metadatas=metas,
            )

    def set_expected(self, ids: Sequence[str], n_passages: int) -> None:
        """Record the final passage count on a file's records (a file written in windows)."""
        batch = self.max_batch()
        for lo in range(0, len(ids), batch):
            chunk = list(ids[lo : lo + batch])
            self.collection.update(ids=chunk, metadatas=[{"n_passages": n_passages}] * len(chunk))

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        batch = self.max_batch()
        for lo in range(0, len(ids), batch):
            self.collection.delete(ids=ids[lo : lo + batch])

    def _metadata(self) -> dict[str, Any]:
        """The collection's metadata as stored now (not as cached when it was opened)."""
        self._collection = self.client.get_collection(self.name, embedding_function=None)
        return _stored_metadata(self._collection)

    def mark_changed(self, dimension: int | None) -> None:
        """Stamp a new generation so that readers reload, and record the vector size."""
        meta = self._metadata()
        meta.update(self._identity())
        meta["generation"] = self._own_generation = uuid.uuid4().hex
        if dimension:
            meta["embedding_dimension"] = dimension
        self.collection.modify(metadata=meta)

    # --- the writer claim ---------------------------------------------------------------
    # Chroma has no lock and no compare-and-swap, so two ingests on two machines could write
    # one collection at once. Each ingest claims the collection in its metadata (holder and a
    # heartbeat), checks that the claim stuck, and renews it as it works; a claim whose
    # holder died expires after `writer_lease_seconds` (at once when the holder was a process
    # on this machine that no longer exists). This detects a second writer; it is not a lock
    # (two claims made within `settle` seconds of each other could both succeed).

    def claim_writer(self, holder: str, settle: float = 0.3) -> bool:
        """Claim the collection for `holder`; True if an earlier writer died holding it."""
        with self._lock:
            self.collection  # noqa: B018 - create and check it first
            meta = self._metadata()
            current = str(meta.get("writer") or "")
            age = time.time() - float(meta.get("writer_seen") or 0)
            crashed = False
            if current and current != holder:
                if age < self.settings.writer_lease_seconds and not _holder_is_dead(current):
                    raise WriterBusy(current, age)
                logger.warning("taking over the writer claim of %s, which is gone", current)
                crashed = True
            meta["writer"] = holder
            meta["writer_seen"] = time.time()
            self.collection.modify(metadata=meta)
            time.sleep(settle)
            now = self._metadata()
            if now.get("writer") != holder:
                raise WriterBusy(str(now.get("writer")), 0.0)
            return crashed

    def renew_writer(self, holder: str) -> None:
        """Refresh the claim's heartbeat; fails if another writer took the collection over.

        During a rebuild the live collection's claim is renewed too: it is what another
        ingest looks at."""
        with self._lock:
            for col in self._claimed():
                meta = _stored_metadata(col)
                if meta.get("writer") != holder:
                    raise WriterBusy(str(meta.get("writer") or "?"), 0.0)
                meta["writer_seen"] = time.time()
                col.modify(metadata=meta)

    def release_writer(self, holder: str) -> None:
        with self._lock:
            for col in self._claimed():
                meta = _stored_metadata(col)
                if meta.get("writer") == holder:
                    meta["writer"] = ""
                    meta["writer_seen"] = 0.0
                    col.modify(metadata=meta)

    def _claimed(self) -> list[Any]:
        """The collections a writer holds: this one, and the live one during a rebuild."""
        self._metadata()  # a fresh handle on this one
        cols = [self.collection]
        if self._live_name is not None:
            try:
                cols.append(self.client.get_collection(self._live_name, embedding_function=None))
            except Exception:  # noqa: BLE001 - gone (a first ingest with --rebuild)
                logger.debug("no live collection %s", self._live_name)
        return cols

    # --- rebuilding beside the live collection ------------------------------------------
    # `qabot ingest --rebuild` fills a staging collection while readers (a running chat, a
    # one-shot `qabot ask`) go on answering from the live one, the last complete generation;
    # once the new one is complete and stamped, it takes the live one's name.

    def begin_rebuild(self) -> None:
        """Send everything written from now on to an empty staging collection."""
        with self._lock:
            self._live_name = self.name
            self.name = self.name + REBUILD_SUFFIX
            self._delete(self.name)  # left by a rebuild that died
            self._reset()

    def finish_rebuild(self) -> None:
        """Put the (complete, stamped) staging collection in the live one's place."""
        with self._lock:
            live, staged = self._live_name, self.collection
            if live is None:
                return
            retired = live + RETIRED_SUFFIX
            self._delete(retired)
            try:
                self.client.get_collection(live, embedding_function=None).modify(name=retired)
            except Exception:  # noqa: BLE001 - no live collection yet
                logger.debug("no live collection %s to retire", live)
            try:
                staged.modify(name=live)
            except Exception:  # noqa: BLE001
                # A reader opened the name in the moment it was free and created it empty.
                self._delete(live)
                staged.modify(name=live)
            self._delete(retired)
            self.name, self._live_name = live, None
            self._reset()

    def abandon_rebuild(self) -> None:
        """After a rebuild that failed: drop the staging collection; the live one stays."""
        with self._lock:
            if self._live_name is not None:
                self._delete(self.name)
                self.name, self._live_name = self._live_name, None
                self._reset()

    def _delete(self, name: str) -> None:
        try:
            self.client.delete_collection(name)
        except Exception:  # noqa: BLE001 - absent is fine
            logger.debug("no collection %s to delete", name)

    def _reset(self) -> None:
        """Forget the open collection and what was loaded from it."""
        self._collection = None
        self._generation = None
        self.passages = {}
        self._bm25 = None
        self._matrix, self._matrix_ids = None, []
        self._vector_cache.clear()

    def embed_missing(
        self, passages: Sequence[Passage], progress: Progress | None = None
    ) -> tuple[dict[str, list[float]], int]:
        """Vectors for the passages' texts: reused where stored, embedded once otherwise."""
        hashes = [text_hash(p) for p in passages]
        vectors = self.existing_embeddings(hashes)
        todo: dict[str, str] = {}
        for p, th in zip(passages, hashes, strict=True):
            if th not in vectors and th not in todo:
                todo[th] = embed_text(p)
        if todo:
            keys = list(todo)
            embedded = self.embedder.embed([todo[k] for k in keys], progress=progress)
            for key, vec in zip(keys, embedded, strict=True):
                vectors[key] = vec.tolist()
            self._remember({k: vectors[k] for k in keys})
        return vectors, len(todo)


def _stored_metadata(col: Any) -> dict[str, Any]:
    meta = dict(col.metadata or {})
    meta.pop("hnsw:space", None)
    return meta


def writer_id() -> str:
    """`host:pid:random`, naming this process as a writer."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _holder_is_dead(holder: str) -> bool:
    """True when `holder` was a process on this machine that no longer runs."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def text_hash(passage: Passage) -> str:
    return hashlib.sha1(embed_text(passage).encode()).hexdigest()


def _passage_from(pid: str, text: str, meta: dict[str, Any]) -> Passage:
    return Passage(
        id=pid,
        source=str(meta["source"]),
        title=str(meta.get("title", "")),
        text=text,
        start_char=int(meta["start_char"]),
        end_char=int(meta["end_char"]),
        start_line=int(meta["start_line"]),
        end_line=int(meta["end_line"]),
    )

"""The Chroma collection, qabot's store of record: the connection, the embedding model it was
built with, each file's records, the writes of an ingest, and a rebuild filled beside the live
collection.

Its metadata carries the embedding model, dimension and backend (checked on open) and a
`generation` stamp that each ingest updates, so that readers in other processes notice and
reload (`qabot.index`), and the writer claim (`qabot.writer_claim`).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from qabot import memory, store_check
from qabot.domain import ARTICLE_FIELDS, ArticleMeta, Passage
from qabot.errors import QabotError
from qabot.settings import Settings
from qabot.snapshot import Snapshot
from qabot.text import text_hash

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
    readers: frozenset[str] = frozenset()  # `loaders.READER_VERSION`s that wrote them

    @property
    def complete(self) -> bool:
        """One version of the file, fully written: what an interrupted ingest cannot leave."""
        return (
            len(self.file_hashes) == 1
            and len(self.expected) == 1
            and len(self.ids) == next(iter(self.expected))
        )


class Store:
    """One corpus's Chroma collection; the client is opened when first needed (a reader of a
    published snapshot never opens it). `client` may be given (a server's, or a test's)."""

    def __init__(
        self, settings: Settings, model_id: str, backend: str, client: Any | None = None
    ) -> None:
        self.settings = settings
        #: What the collection must have been built with: checked on open.
        self.identity = {
            "qabot_schema": SCHEMA_VERSION,
            "embedding_model": model_id,
            "embedding_backend": backend,
        }
        self.owns_client = client is None
        self._client: Any = client
        self.name = collection_name(settings)
        self._live_name: str | None = None  # during a rebuild: the collection readers use
        #: Held while the client or the collection is swapped (reopen, rebuild).
        self.lock = threading.RLock()
        self._collection: Any = None
        #: The generation this process stamped last (its own change: no need to reopen).
        self.own_generation: str | None = None

    # --- opening and identity -------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    @property
    def opened(self) -> bool:
        """Whether the client is open (an embedded client has loaded the store then)."""
        return self._client is not None

    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._collection = self._open()
        return self._collection

    @collection.setter
    def collection(self, handle: Any) -> None:
        self._collection = handle

    @property
    def live_name(self) -> str:
        """The collection readers answer from (during a rebuild, not the one being filled)."""
        return self._live_name or self.name

    @property
    def staging(self) -> bool:
        """Whether writes go to a rebuild's staging collection."""
        return self._live_name is not None

    def _open(self) -> Any:
        col = self.client.get_or_create_collection(
            self.name,
            metadata={**self.identity, "generation": EMPTY_GENERATION},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        self.check_identity(dict(col.metadata or {}))
        return col

    def check_identity(self, meta: dict[str, Any]) -> None:
        """Raise `IndexMismatch` if the collection was built with another model or schema."""
        for key, want in self.identity.items():
            have = meta.get(key)
            if have is not None and have != want:
                raise IndexMismatch(
                    f"the index {self.name!r} was built with {key.replace('_', ' ')} {have!r}, "
                    f"but qabot is set to {want!r}. Run `qabot ingest --rebuild` to re-embed the "
                    f"corpus, or set QABOT_{key.upper()} back to {have!r}."
                    if key != "qabot_schema"
                    else f"the index {self.name!r} has schema {have}; run `qabot ingest --rebuild`"
                )

    def check_files(self) -> None:
        """Before Chroma loads the embedded store: `StoreDamaged` rather than a crash."""
        if not self.settings.chroma_host:
            store_check.check(self.settings.chroma_dir)

    def fresh(self) -> Any:
        """A new handle on the collection, its metadata as stored now; raises when it does not
        exist or the server cannot be reached."""
        return self.client.get_collection(self.name, embedding_function=None)

    def close_client(self) -> None:
        """Drop the embedded client (and the vector index it may hold in memory)."""
        with self.lock:
            if self._client is not None and self.owns_client:
                _close(self._client)
                self._client = None
                self._collection = None

    def reopen(self) -> None:
        """A new embedded client: the old one keeps the vector index it loaded in memory and
        does not see vectors another process wrote since (the SQLite side it does see)."""
        logger.info("another process changed the index; reopening the embedded store")
        with self.lock:
            _close(self.client)
            self._client = make_client(self.settings)
            self._collection = None

    # --- reading ------------------------------------------------------------------------
    def count(self) -> int:
        return int(self.collection.count())

    def read_snapshot(self) -> Snapshot:
        """Passages and (up to `exact_search_max_passages`) vectors, read from the collection."""
        self.check_files()  # a damaged index crashes Chroma
        exact = self.count() <= self.settings.exact_search_max_passages
        include = ["documents", "metadatas", *(["embeddings"] if exact else [])]
        try:
            return self._read_pages(include)
        except Exception:  # noqa: BLE001 - chromadb raises InternalError and others
            if self.settings.chroma_host or not self.owns_client:
                raise
            # An embedded client opened before another process wrote may not know the new
            # vectors ("Error finding id"); a fresh client does.
            logger.info("stale embedded store; reopening", exc_info=True)
            self.reopen()
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
        vectors = "embeddings" in include
        rows = self.count() if vectors else 0
        matrix: np.ndarray | None = None
        n = 0
        for got in self._pages(include):
            for pid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                passages[pid] = _passage_from(pid, text, meta)
            if vectors and got["ids"]:
                block = np.asarray(got["embeddings"], dtype=np.float32)
                if matrix is None or n + len(block) > len(matrix):  # or written to meanwhile
                    grown = np.empty((max(rows, n + len(block)), block.shape[1]), np.float32)
                    if matrix is not None:
                        grown[:n] = matrix[:n]
                    matrix = grown
                matrix[n : n + len(block)] = block
                n += len(block)
        if matrix is None or not passages:
            return Snapshot(passages, None, [])
        matrix = matrix[:n]
        matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        return Snapshot(passages, matrix, list(passages))

    def query(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """(id, cosine similarity) of the `n` nearest records, from Chroma's HNSW index."""
        with self.lock:  # not while the client is swapped
            res = self.collection.query(
                query_embeddings=[vector.tolist()], n_results=n, include=["distances"]
            )
        return [
            (pid, 1.0 - float(dist))
            for pid, dist in zip(res["ids"][0], res["distances"][0], strict=True)
        ]

    def stored_files(self) -> dict[str, StoredFile]:
        """What the collection holds, per source file."""
        got = self._get_all(include=["metadatas"])
        hashes: dict[str, set[str]] = {}
        expected: dict[str, set[int]] = {}
        ids: dict[str, set[str]] = {}
        readers: dict[str, set[str]] = {}
        for pid, meta in zip(got["ids"], got["metadatas"], strict=True):
            src = str(meta["source"])
            hashes.setdefault(src, set()).add(str(meta["file_hash"]))
            expected.setdefault(src, set()).add(int(meta["n_passages"]))
            ids.setdefault(src, set()).add(pid)
            readers.setdefault(src, set()).add(str(meta.get("reader", "")))
        return {
            s: StoredFile(
                frozenset(hashes[s]),
                frozenset(expected[s]),
                frozenset(ids[s]),
                frozenset(readers[s]),
            )
            for s in hashes
        }

    def records(self) -> list[dict[str, Any]]:
        """The metadata of every passage record (source, title, file_hash, indexed_at, ...)."""
        return list(self._get_all(include=["metadatas"])["metadatas"])

    def _get_all(self, include: list[str]) -> dict[str, list]:
        """Every record: ids and the `include`d fields."""
        out: dict[str, list] = {"ids": [], **{k: [] for k in include}}
        for got in self._pages(include):
            out["ids"].extend(got["ids"])
            for key in include:
                values = got[key]
                out[key].extend(list(values) if values is not None else [])
        return out

    def _pages(self, include: list[str], page: int = 1000) -> Iterator[dict[str, Any]]:
        """`collection.get` page by page (a server limits response size). Chroma's reads
        cost ~25 KB per record while they last, so pages are small and each one's memory is
        given back before the next."""
        offset = 0
        while True:
            got = self.collection.get(include=include, limit=page, offset=offset)
            n = len(got["ids"])
            yield got
            del got
            memory.give_back()
            if n < page:
                return
            offset += page

    def stored_vectors(self, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors the collection holds for these text hashes (one record per hash).

        A text may be stored thousands of times (a big repetitive file), so ids are found
        from metadata first, with a bounded page size.
        """
        found: dict[str, np.ndarray] = {}
        step = 100
        for lo in range(0, len(text_hashes), step):
            part = list(text_hashes[lo : lo + step])
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
                found[by_id[pid]] = np.asarray(vec, dtype=np.float32)
        return found

    # --- writing ------------------------------------------------------------------------
    def max_batch(self) -> int:
        try:
            return max(1, min(int(self.client.get_max_batch_size()), 2000))
        except Exception:  # noqa: BLE001 - older servers
            return 1000

    def upsert(
        self,
        passages: Sequence[Passage],
        file_hash: dict[str, str],
        vectors: dict[str, np.ndarray],
        expected: dict[str, int] | None = None,
        reader: str = "",
    ) -> None:
        """Write passages with their vectors (keyed by text hash), in Chroma-sized batches.

        Each record carries its file's hash and passage count (`expected`; by default the
        count in `passages`), which is how the next ingest tells a finished file from one an
        interrupted ingest left half written, and the version of the file reader
        (`reader`), so that files read by an older one are read again.
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
                th = text_hash(p.title, p.text)
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
                        "reader": reader,
                        **{k: v for k, v in asdict(p.meta).items() if v},
                    }
                )
            self.collection.upsert(
                ids=[p.id for p in chunk],
                embeddings=np.stack(embs),  # float32 rows: no Python float per dimension
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

    def metadata(self) -> dict[str, Any]:
        """The collection's metadata as stored now (not as cached when it was opened)."""
        self._collection = self.fresh()
        return stored_metadata(self._collection)

    def mark_changed(self, dimension: int | None) -> None:
        """Stamp a new generation so that readers reload, and record the vector size."""
        meta = self.metadata()
        meta.update(self.identity)
        meta["generation"] = self.own_generation = uuid.uuid4().hex
        if dimension:
            meta["embedding_dimension"] = dimension
        self.collection.modify(metadata=meta)

    # --- rebuilding beside the live collection ------------------------------------------
    # `qabot ingest --rebuild` fills a staging collection while readers (a running chat, a
    # one-shot `qabot ask`) go on answering from the live one, the last complete generation;
    # once the new one is complete and stamped, it takes the live one's name.

    def begin_rebuild(self) -> None:
        """Send everything written from now on to an empty staging collection."""
        with self.lock:
            self._live_name = self.name
            self.name = self.name + REBUILD_SUFFIX
            self._delete(self.name)  # left by a rebuild that died
            self._collection = None

    def finish_rebuild(self) -> None:
        """Put the (complete, stamped) staging collection in the live one's place."""
        with self.lock:
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
            self._collection = None

    def abandon_rebuild(self) -> None:
        """After a rebuild that failed: drop the staging collection; the live one stays."""
        with self.lock:
            if self._live_name is not None:
                self._delete(self.name)
                self.name, self._live_name = self._live_name, None
                self._collection = None

    def writer_collections(self) -> list[Any]:
        """Fresh handles on what a writer holds: this collection, and the live one during a
        rebuild (what another ingest looks at)."""
        cols = [self.fresh()]
        self._collection = cols[0]
        if self._live_name is not None:
            try:
                cols.append(self.client.get_collection(self._live_name, embedding_function=None))
            except Exception:  # noqa: BLE001 - gone (a first ingest with --rebuild)
                logger.debug("no live collection %s", self._live_name)
        return cols

    def _delete(self, name: str) -> None:
        try:
            self.client.delete_collection(name)
        except Exception:  # noqa: BLE001 - absent is fine
            logger.debug("no collection %s to delete", name)


def stored_metadata(col: Any) -> dict[str, Any]:
    """A collection's own metadata (without what Chroma adds)."""
    meta = dict(col.metadata or {})
    meta.pop("hnsw:space", None)
    return meta


def _close(client: Any) -> None:
    try:
        client.close()
    except Exception:  # noqa: BLE001 - older chromadb has no close()
        logger.debug("could not close the Chroma client", exc_info=True)


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
        meta=ArticleMeta(**{k: str(meta.get(k) or "") for k in ARTICLE_FIELDS}),
    )

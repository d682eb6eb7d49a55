"""Bring the index in step with the corpus folder: add, update, remove, skip with reasons."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from filelock import Timeout

from qabot import memory, store_check
from qabot.big_files import big_file_title, iter_windows, scan_big_text, window_document
from qabot.chunking import Chunker, passage_id
from qabot.corpus_walk import iter_corpus_files
from qabot.domain import Passage
from qabot.embedder import Embedder
from qabot.errors import QabotError
from qabot.index import PassageIndex
from qabot.loaders import (
    READER_VERSION,
    TEXT_SUFFIXES,
    SkipFile,
    Skipped,
    Unreadable,
    file_sha256,
    load_document,
    read_file,
)
from qabot.settings import Settings
from qabot.store import Store, StoredFile
from qabot.vectors import PassageVectors
from qabot.writer_claim import WriterBusy, WriterClaim, writer_lock

logger = logging.getLogger(__name__)


class IngestLocked(QabotError, RuntimeError):
    """Another ingest holds the data dir's writer lock."""


class CorpusError(QabotError, ValueError):
    """A path to ingest is missing or outside the corpus folder."""


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    passages_written: int = 0
    passages_removed: int = 0
    embedded: int = 0
    total_passages: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


class IngestProgress(Protocol):
    """What an ingest tells a front end as it goes (`NoProgress` shows nothing)."""

    def scanning(self, files: int) -> None:
        """`files` files are to be looked at."""

    def file_done(self, source: str) -> None:
        """A file was looked at (written, unchanged or skipped)."""

    def embedding(self, texts: int) -> None:
        """`texts` passages are about to be embedded and written."""

    def embedded(self, n: int) -> None:
        """`n` more texts were embedded."""

    def file_progress(self, source: str, done: int, total: int) -> None:
        """Bytes of a big file (read in windows) processed so far."""


class NoProgress:
    """An `IngestProgress` that shows nothing; a watcher of one event subclasses it."""

    def scanning(self, files: int) -> None:
        return None

    def file_done(self, source: str) -> None:
        return None

    def embedding(self, texts: int) -> None:
        return None

    def embedded(self, n: int) -> None:
        return None

    def file_progress(self, source: str, done: int, total: int) -> None:
        return None


def corpus_root(settings: Settings) -> Path:
    """The corpus folder, resolved; `CorpusError` if it is missing or not a folder."""
    root = settings.corpus_dir.resolve()
    if not root.is_dir():
        what = "is a file, not a folder" if root.exists() else "does not exist"
        raise CorpusError(
            f"corpus folder {settings.corpus_dir} {what}; set QABOT_CORPUS_DIR (or --corpus) "
            f"to the folder of articles"
        )
    return root


class Ingestor:
    """One ingest of the corpus (or part of it), under the data dir's writer lock and the
    collection's writer claim; make one per run.

    Crash safety: every record names its file's hash and passage count, so a file that an
    interrupted ingest left half written (or with records of two versions) is not complete
    and is written again by the next run; ids are derived from content, so a re-run writes
    the same ids and leaves no duplicates. A file that cannot be read this time keeps what
    the index holds for it.
    """

    #: Passages embedded and written to Chroma together. This bounds memory, and what a crash
    #: loses: about 15 s of embedding here (2,000 lost a minute; no speed difference).
    FLUSH_PASSAGES = 500
    #: Plain-text files larger than this are read in windows rather than whole.
    STREAM_BYTES = 8 << 20
    #: Seconds between renewals of the writer claim.
    RENEW_SECONDS = 20.0

    def __init__(
        self,
        settings: Settings,
        store: Store,
        index: PassageIndex,
        embedder: Embedder,
        progress: IngestProgress | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.index = index
        self.embedder = embedder
        self.progress: IngestProgress = progress or NoProgress()
        self.chunker = Chunker(embedder.tokenizer, settings.chunk_max_tokens)
        self.vectors = PassageVectors(store, embedder)
        self.claim = WriterClaim(store)
        self.report = IngestReport()
        self._renewed = 0.0
        # The next batch: passages to embed and write (with their files' hashes, and the
        # passage counts of files written in windows), and ids to delete.
        self._pending: list[Passage] = []
        self._pending_hash: dict[str, str] = {}
        self._pending_expected: dict[str, int] = {}
        self._stale: list[str] = []

    def run(self, paths: Sequence[Path] = (), rebuild: bool = False) -> IngestReport:
        lock = writer_lock(self.settings)
        try:
            lock.acquire()
        except Timeout:
            raise IngestLocked(
                f"another `qabot ingest` is writing to {self.settings.index_dir}; wait for it to "
                f"finish (lock file {lock.lock_file})"
            ) from None
        try:
            repaired = not self.settings.chroma_host and store_check.repair(
                self.settings.chroma_dir
            )
            if repaired:
                # A damaged vector index was removed: write every record again, into a
                # fresh collection, with the vectors of the last snapshot.
                self.store.close_client()
            try:
                crashed = self.claim.claim()
            except WriterBusy as exc:
                raise IngestLocked(str(exc)) from None
            try:
                return self._run(paths, rebuild or repaired, repaired, crashed)
            except BaseException:
                self.store.abandon_rebuild()
                raise
            finally:
                try:
                    self.claim.release()
                except Exception:  # noqa: BLE001 - the claim then expires on its own
                    logger.warning("could not release the writer claim", exc_info=True)
        finally:
            lock.release()

    def _renew(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._renewed > self.RENEW_SECONDS:
            try:
                self.claim.renew()
            except WriterBusy as exc:
                raise IngestLocked(f"lost the writer claim: {exc}") from None
            self._renewed = now

    def _scopes(self, paths: Sequence[Path]) -> list[tuple[Path, str]]:
        """(path, source prefix) of what to scan; every path must lie in the corpus folder."""
        root = corpus_root(self.settings)
        if not paths:
            return [(root, "")]
        scopes = []
        for raw in paths:
            path = raw.resolve()
            if not path.exists():
                raise CorpusError(f"{raw}: no such file or folder")
            try:
                rel = path.relative_to(root)
            except ValueError:
                raise CorpusError(
                    f"{raw} is outside the corpus folder {root}; set QABOT_CORPUS_DIR (or "
                    f"--corpus) to the folder that holds it"
                ) from None
            scopes.append((path, "" if rel == Path(".") else rel.as_posix()))
        return scopes

    def _run(
        self, paths: Sequence[Path], rebuild: bool, repaired: bool, crashed: bool
    ) -> IngestReport:
        started = time.perf_counter()
        self._renewed = time.monotonic()
        report = self.report
        scopes = self._scopes(paths)
        root = self.settings.corpus_dir.resolve()
        if rebuild:  # readers go on with the live collection until this one is complete
            self.store.begin_rebuild()
            self.claim.claim(settle=0.0)
            if repaired:
                logger.warning(
                    "rewriting the index after a repair (%d vectors reused from its snapshot)",
                    self.vectors.seed(self.index.last_snapshot()),
                )
        stored = self.store.stored_files()

        on_disk: dict[str, Path] = {}
        for scope, _prefix in scopes:
            for path, source in iter_corpus_files(scope, root, report.skipped):
                on_disk[source] = path
        self.progress.scanning(len(on_disk))
        limit = int(self.settings.max_file_mb * 1024 * 1024)

        for source, path in sorted(on_disk.items()):
            self._renew()
            before = stored.get(source)
            try:
                size = path.stat().st_size
                if size > limit:
                    raise SkipFile(
                        f"too large ({size / 2**20:.0f} MB; QABOT_MAX_FILE_MB is "
                        f"{self.settings.max_file_mb:g})"
                    )
                if size > self.STREAM_BYTES and path.suffix.lower() in TEXT_SUFFIXES:
                    self._big_file(source, path, before)
                else:
                    self._file(source, path, before)
            except Unreadable as exc:
                # Gone or unreadable since the scan: keep what the index holds for it.
                report.skipped.append(Skipped(source, f"{exc} (kept its indexed passages)"))
            except OSError as exc:
                report.skipped.append(
                    Skipped(source, f"unreadable ({exc.strerror}) (kept its indexed passages)")
                )
            except SkipFile as exc:
                # A file that became unusable keeps nothing stale in the index.
                report.skipped.append(Skipped(source, str(exc)))
                if before is not None:
                    self._stale.extend(before.ids)
                    report.removed.append(source)
            self.progress.file_done(source)

        # Files the index holds under the scanned scopes that are gone from disk.
        for source, held in stored.items():
            in_scope = any(
                prefix == "" or source == prefix or source.startswith(prefix + "/")
                for _, prefix in scopes
            )
            if in_scope and source not in on_disk:
                self._stale.extend(held.ids)
                report.removed.append(source)
        self._flush()
        if report.changed or rebuild or crashed:
            self.store.mark_changed(self.embedder.dimension if report.embedded else None)
            self.store.finish_rebuild()
            # Reading the store back and building BM25 need no model and no vectors kept for
            # reuse: on a 60 MB corpus that memory would add to the run's peak.
            self.vectors.forget()
            self.embedder.release()
            self.index.publish()  # snapshot and BM25 saved now, not by every reader
            report.total_passages = len(self.index.passages)
        else:  # nothing written: no need to read every passage back
            report.total_passages = self.index.count()
        report.seconds = time.perf_counter() - started
        return report

    def _flush(self) -> None:
        """Embed and write the pending passages, then delete the stale ids."""
        if self._pending:
            self.progress.embedding(len(self._pending))
        self._renew(force=True)
        if self._pending:
            vectors, n = self.vectors.for_passages(self._pending, self.progress.embedded)
            self.report.embedded += n
            self.store.upsert(
                self._pending, self._pending_hash, vectors, self._pending_expected, READER_VERSION
            )
            self.report.passages_written += len(self._pending)
        if self._stale:
            self.store.delete(self._stale)
            self.report.passages_removed += len(self._stale)
        self._pending.clear()
        self._pending_hash.clear()
        self._pending_expected.clear()
        self._stale.clear()
        memory.give_back()

    def _queue(self, passages: list[Passage], digest: str) -> None:
        self._pending.extend(passages)
        self._pending_hash[passages[0].source] = digest
        if len(self._pending) >= self.FLUSH_PASSAGES:
            self._flush()

    def _file(self, source: str, path: Path, before: StoredFile | None) -> None:
        data = read_file(path)
        digest = file_sha256(data)
        if _unchanged(before, digest):
            self.report.unchanged.append(source)
            return
        doc = load_document(path, source, data)
        passages = self.chunker.chunk(doc)
        if not passages:
            raise SkipFile("no article text")
        # Every record of a new or changed file is (re)written, since its metadata names
        # the file's hash; vectors of unchanged texts are reused, not re-embedded.
        if before is not None:
            self._stale.extend(before.ids - {p.id for p in passages})
            self.report.updated.append(source)
        else:
            self.report.added.append(source)
        self._queue(passages, digest)

    def _big_file(self, source: str, path: Path, before: StoredFile | None) -> None:
        """A big plain-text file, read and written window by window (bounded memory).

        Its records carry a passage count of 0 until the last window is written; then the
        count is set on all of them, so a crash in between leaves the file incomplete.
        """
        stat = path.stat()
        digest, encoding = scan_big_text(path)
        if _unchanged(before, digest):
            self.report.unchanged.append(source)
            return
        logger.info("%s: %.0f MB, reading it in windows", source, stat.st_size / 2**20)
        ids: set[str] = set()
        title = None
        for window in iter_windows(path, encoding):
            if title is None:
                title = big_file_title(window)
            passages = [
                _shift(p, window.char_offset, window.line_offset)
                for p in self.chunker.chunk(window_document(window, source, title, digest))
            ]
            if passages:
                ids.update(p.id for p in passages)
                self._pending_expected[source] = 0
                self._queue(passages, digest)
            self.progress.file_progress(source, window.bytes_read, stat.st_size)
            logger.info("%s: %d of %d MB read", source, window.bytes_read >> 20, stat.st_size >> 20)
        if not ids:
            raise SkipFile("no article text")
        self._flush()
        after = path.stat()
        if (after.st_mtime_ns, after.st_size) != (stat.st_mtime_ns, stat.st_size):
            # left incomplete (count 0), so the next ingest reads it again
            self.report.skipped.append(Skipped(source, "changed while being read; ingest again"))
            return
        self.store.set_expected(sorted(ids), len(ids))
        if before is not None:
            self._stale.extend(before.ids - ids)
            self.report.updated.append(source)
        else:
            self.report.added.append(source)


def _unchanged(before: StoredFile | None, digest: str) -> bool:
    """Whether the index holds this version of the file, complete, as this qabot reads it."""
    return (
        before is not None
        and before.complete
        and digest in before.file_hashes
        and before.readers == {READER_VERSION}
    )


def _shift(p: Passage, chars: int, lines: int) -> Passage:
    """A passage of a window, placed in its file: offsets, lines and id."""
    start, end = p.start_char + chars, p.end_char + chars
    return replace(
        p,
        id=passage_id(p.source, start, end, p.text),
        start_char=start,
        end_char=end,
        start_line=p.start_line + lines,
        end_line=p.end_line + lines,
    )

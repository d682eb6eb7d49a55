"""Bring the index in step with the corpus folder: add, update, remove, skip with reasons."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from filelock import FileLock, Timeout

from qabot import store_check
from qabot.chunking import Chunker, passage_id
from qabot.domain import Passage
from qabot.errors import QabotError
from qabot.index import PassageIndex, StoredFile, WriterBusy, writer_id
from qabot.loaders import (
    TEXT_SUFFIXES,
    SkipFile,
    Skipped,
    Unreadable,
    big_file_title,
    file_sha256,
    iter_corpus_files,
    iter_windows,
    load_document,
    read_file,
    scan_big_text,
    window_document,
)
from qabot.settings import Settings

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


class IngestProgress:
    """Callbacks a front end may implement; the defaults do nothing."""

    def scanning(self, files: int) -> None: ...

    def file_done(self, source: str) -> None: ...

    def embedding(self, texts: int) -> None: ...

    def embedded(self, n: int) -> None: ...

    def file_progress(self, source: str, done: int, total: int) -> None:
        """Bytes of a big file (read in windows) processed so far."""


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


def writer_lock(settings: Settings) -> FileLock:
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(str(settings.index_dir / "ingest.lock"), timeout=0)


class Ingestor:
    """Runs one ingest of the corpus (or part of it) under the data dir's writer lock.

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

    def __init__(self, settings: Settings, index: PassageIndex) -> None:
        self.settings = settings
        self.index = index
        self.chunker = Chunker(index.embedder.tokenizer, settings.chunk_max_tokens)
        self._renewed = 0.0

    def run(
        self,
        paths: Sequence[Path] = (),
        rebuild: bool = False,
        progress: IngestProgress | None = None,
    ) -> IngestReport:
        lock = writer_lock(self.settings)
        try:
            lock.acquire()
        except Timeout:
            raise IngestLocked(
                f"another `qabot ingest` is writing to {self.settings.index_dir}; wait for it to "
                f"finish (lock file {lock.lock_file})"
            ) from None
        try:
            self._repaired = False
            if not self.settings.chroma_host and store_check.repair(self.settings.chroma_dir):
                # A damaged vector index was removed: write every record again, into a
                # fresh collection, with the vectors of the last snapshot.
                self.index.close_client()
                self._repaired = rebuild = True
            holder = writer_id()
            try:
                crashed = self.index.claim_writer(holder)
            except WriterBusy as exc:
                raise IngestLocked(str(exc)) from None
            try:
                return self._run(paths, rebuild, progress or IngestProgress(), holder, crashed)
            except BaseException:
                self.index.abandon_rebuild()
                raise
            finally:
                try:
                    self.index.release_writer(holder)
                except Exception:  # noqa: BLE001 - the claim then expires on its own
                    logger.warning("could not release the writer claim", exc_info=True)
        finally:
            lock.release()

    def _renew(self, holder: str, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._renewed > self.RENEW_SECONDS:
            try:
                self.index.renew_writer(holder)
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
        self,
        paths: Sequence[Path],
        rebuild: bool,
        progress: IngestProgress,
        holder: str,
        crashed: bool,
    ) -> IngestReport:
        started = time.perf_counter()
        self._renewed = time.monotonic()
        report = IngestReport()
        scopes = self._scopes(paths)
        root = self.settings.corpus_dir.resolve()
        if rebuild:  # readers go on with the live collection until this one is complete
            self.index.begin_rebuild()
            self.index.claim_writer(holder, settle=0.0)
            if self._repaired:
                logger.warning(
                    "rewriting the index after a repair (%d vectors reused from its snapshot)",
                    self.index.seed_vectors(),
                )
        stored = self.index.stored_files()

        on_disk: dict[str, Path] = {}
        for scope, _prefix in scopes:
            for path, source in iter_corpus_files(scope, root, report.skipped):
                on_disk[source] = path
        progress.scanning(len(on_disk))
        self._pending: list[Passage] = []
        self._pending_hash: dict[str, str] = {}
        self._pending_expected: dict[str, int] = {}
        self._stale: list[str] = []
        limit = int(self.settings.max_file_mb * 1024 * 1024)

        for source, path in sorted(on_disk.items()):
            self._renew(holder)
            before = stored.get(source)
            try:
                size = path.stat().st_size
                if size > limit:
                    raise SkipFile(
                        f"too large ({size / 2**20:.0f} MB; QABOT_MAX_FILE_MB is "
                        f"{self.settings.max_file_mb:g})"
                    )
                if size > self.STREAM_BYTES and path.suffix.lower() in TEXT_SUFFIXES:
                    self._big_file(source, path, before, report, progress, holder)
                else:
                    self._file(source, path, before, report, progress, holder)
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
            progress.file_done(source)

        # Files the index holds under the scanned scopes that are gone from disk.
        for source, held in stored.items():
            in_scope = any(
                prefix == "" or source == prefix or source.startswith(prefix + "/")
                for _, prefix in scopes
            )
            if in_scope and source not in on_disk:
                self._stale.extend(held.ids)
                report.removed.append(source)
        if self._pending:
            progress.embedding(len(self._pending))
        self._flush(report, progress, holder)
        if report.changed or rebuild or crashed:
            self.index.mark_changed(self.index.embedder.dimension if report.embedded else None)
            self.index.finish_rebuild()
            self.index.publish()  # snapshot and BM25 saved now, not by every reader
            report.total_passages = len(self.index.passages)
        else:  # nothing written: no need to read every passage back
            report.total_passages = self.index.count()
        report.seconds = time.perf_counter() - started
        return report

    def _flush(self, report: IngestReport, progress: IngestProgress, holder: str) -> None:
        """Write the pending passages, then delete the stale ids."""
        self._renew(holder, force=True)
        if self._pending:
            vectors, n = self.index.embed_missing(self._pending, progress=progress.embedded)
            report.embedded += n
            self.index.upsert(self._pending, self._pending_hash, vectors, self._pending_expected)
            report.passages_written += len(self._pending)
        if self._stale:
            self.index.delete(self._stale)
            report.passages_removed += len(self._stale)
        self._pending.clear()
        self._pending_hash.clear()
        self._pending_expected.clear()
        self._stale.clear()

    def _queue(
        self,
        passages: list[Passage],
        digest: str,
        report: IngestReport,
        progress: IngestProgress,
        holder: str,
    ) -> None:
        self._pending.extend(passages)
        self._pending_hash[passages[0].source] = digest
        if len(self._pending) >= self.FLUSH_PASSAGES:
            progress.embedding(len(self._pending))
            self._flush(report, progress, holder)

    def _file(
        self,
        source: str,
        path: Path,
        before: StoredFile | None,
        report: IngestReport,
        progress: IngestProgress,
        holder: str,
    ) -> None:
        data = read_file(path)
        digest = file_sha256(data)
        if before is not None and before.complete and digest in before.file_hashes:
            report.unchanged.append(source)
            return
        doc = load_document(path, source, data)
        passages = self.chunker.chunk(doc)
        if not passages:
            raise SkipFile("no article text")
        # Every record of a new or changed file is (re)written, since its metadata names
        # the file's hash; vectors of unchanged texts are reused, not re-embedded.
        if before is not None:
            self._stale.extend(before.ids - {p.id for p in passages})
            report.updated.append(source)
        else:
            report.added.append(source)
        self._queue(passages, digest, report, progress, holder)

    def _big_file(
        self,
        source: str,
        path: Path,
        before: StoredFile | None,
        report: IngestReport,
        progress: IngestProgress,
        holder: str,
    ) -> None:
        """A big plain-text file, read and written window by window (bounded memory).

        Its records carry a passage count of 0 until the last window is written; then the
        count is set on all of them, so a crash in between leaves the file incomplete.
        """
        stat = path.stat()
        digest, encoding = scan_big_text(path)
        if before is not None and before.complete and digest in before.file_hashes:
            report.unchanged.append(source)
            return
        logger.info("%s: %.0f MB, reading it in windows", source, stat.st_size / 2**20)
        on_progress = getattr(progress, "file_progress", None)
        ids: set[str] = set()
        title = None
        for window in iter_windows(path, encoding):
            title = title or big_file_title(window, source)
            passages = [
                _shift(p, window.char_offset, window.line_offset)
                for p in self.chunker.chunk(window_document(window, source, title, digest))
            ]
            if passages:
                ids.update(p.id for p in passages)
                self._pending_expected[source] = 0
                self._queue(passages, digest, report, progress, holder)
            if on_progress is not None:
                on_progress(source, window.bytes_read, stat.st_size)
            logger.info("%s: %d of %d MB read", source, window.bytes_read >> 20, stat.st_size >> 20)
        if not ids:
            raise SkipFile("no article text")
        if self._pending:
            progress.embedding(len(self._pending))
        self._flush(report, progress, holder)
        after = path.stat()
        if (after.st_mtime_ns, after.st_size) != (stat.st_mtime_ns, stat.st_size):
            # left incomplete (count 0), so the next ingest reads it again
            report.skipped.append(Skipped(source, "changed while being read; ingest again"))
            return
        self.index.set_expected(sorted(ids), len(ids))
        if before is not None:
            self._stale.extend(before.ids - ids)
            report.updated.append(source)
        else:
            report.added.append(source)


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

"""Bring the index in step with the corpus folder: add, update, remove, skip with reasons."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from qabot.chunking import Chunker
from qabot.domain import Passage
from qabot.index import PassageIndex
from qabot.loaders import SkipFile, Skipped, file_sha256, iter_corpus_files, load_document
from qabot.settings import Settings

logger = logging.getLogger(__name__)


class IngestLocked(RuntimeError):
    """Another ingest holds the data dir's writer lock."""


class CorpusError(ValueError):
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


def writer_lock(settings: Settings) -> FileLock:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(str(settings.data_dir / "ingest.lock"), timeout=0)


class Ingestor:
    """Runs one ingest of the corpus (or part of it) under the data dir's writer lock."""

    #: Files whose passages are written to Chroma together (bounds memory on big corpora).
    FLUSH_PASSAGES = 2000

    def __init__(self, settings: Settings, index: PassageIndex) -> None:
        self.settings = settings
        self.index = index
        self.chunker = Chunker(index.embedder.tokenizer, settings.chunk_max_tokens)

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
                f"another `qabot ingest` is writing to {self.settings.data_dir}; wait for it to "
                f"finish (lock file {lock.lock_file})"
            ) from None
        try:
            return self._run(paths, rebuild, progress or IngestProgress())
        finally:
            lock.release()

    def _scopes(self, paths: Sequence[Path]) -> list[tuple[Path, str]]:
        """(path, source prefix) of what to scan; every path must lie in the corpus folder."""
        root = self.settings.corpus_dir.resolve()
        if not root.is_dir():
            raise CorpusError(
                f"corpus folder {self.settings.corpus_dir} does not exist; create it or set "
                f"QABOT_CORPUS_DIR"
            )
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

    def _run(self, paths: Sequence[Path], rebuild: bool, progress: IngestProgress) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        scopes = self._scopes(paths)
        root = self.settings.corpus_dir.resolve()
        if rebuild:
            self.index.drop()
        stored = self.index.stored_files()

        on_disk: dict[str, Path] = {}
        for scope, _prefix in scopes:
            for path, _ in iter_corpus_files(scope):
                on_disk[path.relative_to(root).as_posix()] = path
        progress.scanning(len(on_disk))

        pending: list[Passage] = []
        pending_hash: dict[str, str] = {}
        stale: list[str] = []

        def flush() -> None:
            if pending:
                vectors, n = self.index.embed_missing(pending, progress=progress.embedded)
                report.embedded += n
                self.index.upsert(pending, pending_hash, vectors)
                report.passages_written += len(pending)
            if stale:
                self.index.delete(stale)
                report.passages_removed += len(stale)
            pending.clear()
            pending_hash.clear()
            stale.clear()

        for source, path in sorted(on_disk.items()):
            before = stored.get(source)
            try:
                data = path.read_bytes()
            except OSError as exc:
                report.skipped.append(Skipped(source, f"unreadable ({exc.strerror})"))
                progress.file_done(source)
                continue
            digest = file_sha256(data)
            if before is not None and before.complete and digest in before.file_hashes:
                report.unchanged.append(source)
                progress.file_done(source)
                continue
            try:
                doc = load_document(path, source)
            except SkipFile as exc:
                # A file that became unusable keeps nothing stale in the index.
                report.skipped.append(Skipped(source, str(exc)))
                if before is not None:
                    stale.extend(before.ids)
                    report.removed.append(source)
                progress.file_done(source)
                continue
            passages = self.chunker.chunk(doc)
            new_ids = {p.id for p in passages}
            # Every record of a new or changed file is (re)written, since its metadata names
            # the file's hash; vectors of unchanged texts are reused, not re-embedded.
            pending.extend(passages)
            pending_hash[source] = digest
            if before is not None:
                stale.extend(before.ids - new_ids)
                report.updated.append(source)
            else:
                report.added.append(source)
            if len(pending) >= self.FLUSH_PASSAGES:
                progress.embedding(len(pending))
                flush()
            progress.file_done(source)

        # Files the index holds under the scanned scopes that are gone from disk.
        for source, held in stored.items():
            in_scope = any(
                prefix == "" or source == prefix or source.startswith(prefix + "/")
                for _, prefix in scopes
            )
            if in_scope and source not in on_disk:
                stale.extend(held.ids)
                report.removed.append(source)
        if pending:
            progress.embedding(len(pending))
        flush()
        if report.changed or rebuild:
            self.index.mark_changed(self.index.embedder.dimension if report.embedded else None)
        self.index.refresh(force=True)
        report.total_passages = len(self.index.passages)
        report.seconds = time.perf_counter() - started
        return report

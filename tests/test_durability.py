"""The embedded store across processes: one writer, readers keep working, SIGKILL-safe ingest,
a big file in bounded memory, and a store of more than 5,000 passages reopened elsewhere."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock, Timeout

from qabot.bm25 import fingerprint_of
from qabot.chunking import Chunker
from qabot.corpus_walk import iter_corpus_files
from qabot.embeddings import get_embedder
from qabot.ingest import Ingestor, NoProgress
from qabot.loaders import SkipFile, load_document
from qabot.qa import QA
from qabot.settings import Settings
from qabot.writer_claim import writer_lock
from tests import subprocs
from tests.common import CARTER, COOK, SHARED, needs_shared, write_leases

FERRY = "Ferry Service To Glimmerbrook Resumes\n\nThe Glimmerbrook ferry, run by Osprey Lines, resumed sailing on Friday after repairs.\n"  # noqa: E501


def expected_ids(settings: Settings) -> set[str]:
    """The passage ids a clean ingest of the folder gives (same loader and chunker)."""
    chunker = Chunker(get_embedder(settings).tokenizer, settings.chunk_max_tokens)
    ids: set[str] = set()
    root = settings.corpus_dir.resolve()
    for path, source in iter_corpus_files(root):
        try:
            ids.update(p.id for p in chunker.chunk(load_document(path, source)))
        except SkipFile:
            continue
    return ids


def assert_consistent(settings: Settings, clean_ids: bool = True) -> None:
    """Collection, BM25 and files agree: the clean-ingest ids, one version per file, no more.

    `clean_ids=False` for a big file read in windows, whose passages the whole-file chunking
    of `expected_ids` would cut elsewhere: then completeness stands for it."""
    qa = QA(settings)
    qa.index.refresh(force=True)
    got = qa.store.collection.get(include=["metadatas"])
    assert len(got["ids"]) == len(set(got["ids"]))
    assert not clean_ids or set(got["ids"]) == expected_ids(settings)
    for stored in qa.store.stored_files().values():
        assert stored.complete
    assert set(qa.index.bm25.ids) == set(got["ids"])


def test_second_ingest_process_fails_at_once(settings: Settings) -> None:
    with writer_lock(settings):
        started = time.monotonic()
        done = subprocs.run(
            ["ingest"], subprocs.env(corpus_dir=settings.corpus_dir, data_dir=settings.data_dir)
        )
        took = time.monotonic() - started
    assert done.returncode == 2
    assert "another `qabot ingest` is writing to" in done.stderr
    assert took < 30  # no model loaded, no file read


def _lock_held(settings: Settings) -> bool:
    try:
        with FileLock(str(settings.index_dir / "ingest.lock"), timeout=0):
            return False
    except Timeout:
        return True


@needs_shared("corpora/bbc")
def test_sigkilled_ingest_recovers_while_a_chat_keeps_answering(
    settings: Settings, corpus: Path
) -> None:
    bbc = sorted((SHARED / "corpora" / "bbc").rglob("*.txt"))
    (corpus / "bbc").mkdir()
    for path in bbc[:: max(1, len(bbc) // 30)][:30]:
        shutil.copy(path, corpus / "bbc" / f"{path.parent.name}-{path.name}")
    QA(settings).ingest([corpus / p for p in ("000_dead59048cb22baa.txt",)])
    environ = subprocs.env(corpus_dir=settings.corpus_dir, data_dir=settings.data_dir)
    chat = subprocs.Chat(environ)
    rng = random.Random()
    log: list[str] = []
    try:
        chat.ask("Who did Ash Carter talk to?", r"Shoigu", timeout=120)
        (corpus / "ferry.txt").write_text(FERRY)
        for attempt in range(2):
            ingest = subprocess.Popen(
                [*subprocs.SMALL_FLUSH, "20", "ingest"],
                env=environ,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            while not _lock_held(settings) and ingest.poll() is None:
                time.sleep(0.05)
            asked = 0
            deadline = time.monotonic() + (rng.uniform(0.5, 6.0) if attempt < 1 else 600)
            # a reader keeps answering while the writer works (no "database is locked")
            while ingest.poll() is None and time.monotonic() < deadline:
                chat.ask("Who did Ash Carter talk to?", r"Shoigu")
                asked += 1
            if ingest.poll() is None:
                ingest.send_signal(signal.SIGKILL)
                ingest.wait()
                log.append(f"killed after {asked} answers")
            else:
                assert ingest.returncode == 0, ingest.stderr.read() if ingest.stderr else ""
                log.append(f"finished after {asked} answers")
        assert log[-1].startswith("finished"), log
        # the running chat sees what the last ingest added: readers check the collection's
        # generation at most once a second, so give it that second
        time.sleep(1.5)
        chat.ask("Which company runs the Glimmerbrook ferry?", r"Osprey Lines")
        assert "Error" not in chat.text()
    finally:
        chat.close()
    print("crash runs:", log, file=sys.stderr)
    assert_consistent(settings)


def test_readers_answer_from_their_copy_during_a_rebuild(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    QA(settings).ingest()
    reader = QA(settings)
    reader.warm_up()
    before = set(reader.index.passages)
    seen: list[tuple[int, bool]] = []

    class Asking(NoProgress):
        """Asks the reader after every file the rebuild writes (some flushed, some not)."""

        def file_done(self, source: str) -> None:
            reader.index.refresh(force=True)
            answer = reader.ask("who did Carter talk to?")
            seen.append((len(reader.index.passages), "Shoigu" in answer.text))

    monkeypatch.setattr(Ingestor, "FLUSH_PASSAGES", 3)  # the new collection fills file by file
    QA(settings).ingest(rebuild=True, progress=Asking())
    assert len(seen) >= 2
    assert seen == [(len(before), True)] * len(seen)  # the whole old copy, all the way through
    reader.index.refresh(force=True)
    assert set(reader.index.passages) == before  # then the rebuilt one (same content, same ids)
    assert "Shoigu" in reader.ask("who did Carter talk to?").text


#: `qabot ingest`, stopping after each batch it writes (of one passage) until `<gate>/go`
#: exists; `<gate>/half` says that it has written one.
_PAUSED_INGEST = [
    sys.executable,
    "-c",
    """
import sys, time
from pathlib import Path
from qabot.ingest import Ingestor
gate = Path(sys.argv.pop(1))
Ingestor.FLUSH_PASSAGES = 1
flush = Ingestor._flush
def paused(self, *args):
    flush(self, *args)
    (gate / "half").touch()
    while not (gate / "go").exists():
        time.sleep(0.05)
Ingestor._flush = paused
from qabot.cli import main
sys.argv[0] = "qabot"
main()
""",
]


def test_one_shot_ask_during_a_rebuild_answers_from_the_last_complete_index(
    settings: Settings, tmp_path: Path
) -> None:
    QA(settings).ingest()
    environ = subprocs.env(corpus_dir=settings.corpus_dir, data_dir=settings.data_dir)
    gate = tmp_path / "gate"
    gate.mkdir()
    rebuild = subprocess.Popen(
        [*_PAUSED_INGEST, str(gate), "ingest", "--rebuild"],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (gate / "half").exists() and rebuild.poll() is None:
            assert time.monotonic() < deadline, "the rebuild never wrote its first passage"
            time.sleep(0.05)
        # the rebuild has written one passage of the first file; the answer is in the last
        asked = subprocs.run(["ask", "--json", "Who is the Pentagon's press secretary?"], environ)
        assert rebuild.poll() is None  # still rebuilding
        assert asked.returncode == 0, asked.stderr
        answer = json.loads(asked.stdout)
        assert not answer["refused"] and "Peter Cook" in answer["answer"]
        assert {p["source"] for p in answer["passages"]} >= {CARTER, COOK}
    finally:
        (gate / "go").touch()
        out, err = rebuild.communicate(timeout=300)
    assert rebuild.returncode == 0, err
    reader = QA(settings)
    reader.warm_up()
    assert "Peter Cook" in reader.ask("Who is the Pentagon's press secretary?").text
    names = [c.name for c in reader.store.client.list_collections()]
    assert names == [reader.store.name]  # the staging and the retired collections are gone
    assert_consistent(settings)


# --- a big file and a big store, written by one process, read by another ------------------
_WRITER = """
import json, resource, sys
from pathlib import Path
from qabot.ingest import NoProgress
from qabot.qa import QA
from qabot.settings import Settings
from qabot.writer_claim import writer_lock

class Progress(NoProgress):
    calls = []
    def file_progress(self, source, done, total):
        self.calls.append((source, done, total))

settings = Settings(_env_file=None, corpus_dir=Path(sys.argv[1]), data_dir=Path(sys.argv[2]))
qa = QA(settings)
qa.embedder.embed(["word " * 200] * 64)  # the model's working memory, before measuring
qa.index.count()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
report = qa.ingest(progress=Progress())
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rss_kb": [before, after], "progress": Progress.calls,
                  "added": len(report.added), "skipped": [s.reason for s in report.skipped],
                  "total": report.total_passages, "embedded": report.embedded}))
"""
BIG_MB = 50
NEEDLE = "The zebra mussel survey in Lake Qwertyuiop counted 4,321 mussels per square metre."
LAST = "The final entry records that the otter named Bramblewick was released in March."


def _write_big(path: Path) -> tuple[int, int]:
    """A 50 MB text file: the same short report again and again, padded with blank lines
    (so that it costs little to embed and store), a unique sentence in the middle, one at
    the end. Returns the character offsets of the two sentences."""
    report = (
        "The harbour board met on Monday and agreed new mooring fees for the summer. "
        "Members said the fees would pay for dredging the inner basin.\n\n"
        "A spokesman said the work would start in April and last six weeks.\n"
    )
    pad = ("\n" + " " * 200) * 2000 + "\n\n"
    size = BIG_MB * 2**20
    with path.open("w", encoding="utf-8") as f:
        f.write("Harbour Board Minutes From Many Years\n\n")
        needle_at = 0
        while f.tell() < size:
            if not needle_at and f.tell() > size // 2:
                f.write(NEEDLE + "\n\n")
                needle_at = f.tell() - len(NEEDLE) - 2
            f.write(report + pad)
        last_at = f.tell()
        f.write(LAST + "\n")
    return needle_at, last_at


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict, tuple[int, int]]:
    base = tmp_path_factory.mktemp("bigstore")
    corpus = base / "corpus"
    corpus.mkdir()
    offsets = _write_big(corpus / "big.txt")
    write_leases(corpus / "leases", 900)
    done = subprocess.run(
        [sys.executable, "-c", _WRITER, str(corpus), str(base / "data")],
        env=subprocs.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    settings = Settings(_env_file=None, corpus_dir=corpus, data_dir=base / "data")  # type: ignore[call-arg]
    return settings, result, offsets


def test_big_file_is_streamed_in_bounded_memory(big_store) -> None:  # type: ignore[no-untyped-def]
    settings, result, (needle_at, last_at) = big_store
    before, after = result["rss_kb"]
    assert result["skipped"] == [] and result["added"] == 901
    # the file is 50 MB; read whole, its bytes, text, lines and spans would add far more
    assert (after - before) / 1024 < 150, result["rss_kb"]
    progress = [(done, total) for source, done, total in result["progress"] if source == "big.txt"]
    assert len(progress) >= BIG_MB  # one report per window of about 1 MB
    assert progress[-1][0] == progress[-1][1] > BIG_MB * 2**20

    qa = QA(settings)
    qa.warm_up()
    text = (settings.corpus_dir / "big.txt").read_text(encoding="utf-8")
    for sentence, at in ((NEEDLE, needle_at), (LAST, last_at)):
        passage = next(p for p in qa.index.passages.values() if sentence in p.text)
        assert passage.start_char == at
        assert text[passage.start_char : passage.end_char] == passage.text
        assert passage.start_line == text.count("\n", 0, at) + 1
    answer = qa.ask("How many zebra mussels did the survey in Lake Qwertyuiop count?")
    assert "4,321" in answer.text and answer.citations[0].source == "big.txt"
    assert all(qa.verifier.verify(c) for c in answer.citations)


def test_a_store_of_over_5000_passages_reopens_in_another_process(big_store) -> None:  # type: ignore[no-untyped-def]
    settings, result, _ = big_store
    qa = QA(settings)
    qa.warm_up()
    count = qa.index.count()
    assert count == result["total"] > 5000
    assert len(qa.index.passages) == count  # read back in pages
    assert fingerprint_of(qa.index.bm25.ids) == fingerprint_of(qa.index.passages)
    assert result["embedded"] < 1000  # shared texts were embedded once
    for i in (0, 451, 899):
        own = f"Lease number {i:04d} was signed by tenant Q{i:04d}X for the corner unit."
        vector = qa.embedder.embed([f"Standard Lease Terms For Corner Units\n{own}"])[0]
        # the leases differ only in their numbers, so near-identical vectors may tie: the
        # passage must be among the nearest, with (near) identity similarity
        hits = {qa.index.passages[pid].source: score for pid, score in qa.index.dense(vector, 30)}
        assert hits.get(f"leases/lease-{i:04d}.txt", 0.0) > 0.99
        answer = qa.ask(f"Who signed lease number {i:04d}?")
        assert f"Q{i:04d}X" in answer.text

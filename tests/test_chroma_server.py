"""qabot against a real Chroma server (`chroma run` on 127.0.0.1): several processes share it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from qabot.ingest import IngestLocked
from qabot.qa import QA
from qabot.store import Store
from qabot.writer_claim import WriterClaim
from tests import subprocs
from tests.common import COOK

CHROMA = Path(subprocs.QABOT[0]).parent / "chroma"
pytestmark = pytest.mark.skipif(
    shutil.which(str(CHROMA)) is None, reason="the `chroma` command (chromadb) is not installed"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_port(tmp_path: Path) -> Iterator[int]:
    """A Chroma server on a free loopback port, storing under tmp_path; stopped afterwards."""
    port = _free_port()
    log = (tmp_path / "chroma.log").open("w")
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1"]
        + ["--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=subprocs.env(),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("chroma run failed: " + (tmp_path / "chroma.log").read_text())
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_ingest_ask_and_a_change_seen_by_a_running_chat(
    make_settings, corpus: Path, tmp_path: Path, chroma_port: int
) -> None:  # type: ignore[no-untyped-def]
    server = {"chroma_host": "127.0.0.1", "chroma_port": chroma_port, "corpus_dir": corpus}
    # this process ingests and asks; each process below has its own data dir (BM25 is
    # derived from what the server holds, never shared through a local file)
    qa = QA(make_settings(data_dir=tmp_path / "data-a", **server))
    report = qa.ingest()
    assert report.total_passages > 0 and not report.skipped
    assert "Peter Cook" in qa.ask("Who is the Pentagon's press secretary?").text
    assert not list((tmp_path / "data-a").rglob("chroma"))  # nothing embedded on disk

    chat = subprocs.Chat(subprocs.env(data_dir=tmp_path / "data-chat", **server))
    try:
        chat.ask("Who is the Pentagon's press secretary?", r"Peter Cook")
        path = corpus / COOK
        path.write_text(path.read_text().replace("Peter Cook", "Peter Crook"))
        done = subprocs.run(["ingest"], subprocs.env(data_dir=tmp_path / "data-b", **server))
        assert done.returncode == 0, done.stderr
        out = chat.ask("Who is the Pentagon's press secretary?", r"Peter Crook")
        assert "Peter Cook" not in out
    finally:
        chat.close()

    # the first process notices too, and its BM25 was rebuilt from the new collection
    qa.index.refresh(max_age=0)
    texts = [p.text for p in qa.index.passages.values()]
    assert any("Peter Crook" in t for t in texts) and not any("Peter Cook" in t for t in texts)
    top = qa.index.sparse("Crook", 1)
    assert top and "Peter Crook" in qa.index.passages[top[0][0]].text


def test_a_second_writer_on_another_machine_is_refused(
    make_settings, corpus: Path, tmp_path: Path, chroma_port: int
) -> None:  # type: ignore[no-untyped-def]
    server = {"chroma_host": "127.0.0.1", "chroma_port": chroma_port, "corpus_dir": corpus}
    settings = make_settings(data_dir=tmp_path / "data-a", **server)
    qa = QA(settings)
    # another host's ingest holds the claim (the local file lock cannot see it)
    elsewhere = make_settings(data_dir=tmp_path / "data-b", **server)
    store = Store(elsewhere, qa.embedder.model_id, qa.embedder.backend)
    other = WriterClaim(store, "buildbox-7:4242:feedbeef")
    other.claim(settle=0)
    with pytest.raises(IngestLocked, match="host buildbox-7, pid 4242"):
        qa.ingest()
    other.release()
    assert qa.ingest().total_passages > 0

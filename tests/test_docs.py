"""`qabot docs`, `qabot docs remove` and `qabot add` through the real CLI in a subprocess, with a
real index on tmp_path; web articles come from an http.server on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests import subprocs
from tests.common import CARTER, COOK, SEEDS

ARTICLE = """<!DOCTYPE html>
<html><head>
<title>Lake Varnow ferry resumes service | Example News</title>
<meta property="og:title" content="Lake Varnow ferry resumes service">
<meta property="article:published_time" content="2024-03-05T08:00:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article>
<h1>Lake Varnow ferry resumes service</h1>
<p>The Lake Varnow ferry resumed service on Tuesday after a three-week repair of its engine,
the operator Varnow Lines said.</p>
<p>The repair cost 48,000 euros and was paid for by the regional council, according to the
operator's chief executive, Marta Quell.</p>
</article>
<footer>Copyright Example News</footer>
</body></html>
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """http://127.0.0.1:PORT serving a folder with one article."""
    www = tmp_path / "www"
    (www / "news").mkdir(parents=True)
    (www / "news" / "ferry.html").write_text(ARTICLE, encoding="utf-8")
    handler = partial(SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _docs(corpus: Path, environ: dict[str, str]) -> dict[str, dict]:  # type: ignore[type-arg]
    result = subprocs.run(["docs", "--json", "--corpus", str(corpus)], environ)
    assert result.returncode == 0, result.stderr
    return {d["source"]: d for d in json.loads(result.stdout)}


def test_docs_lists_twins_add_fetches_and_remove_deletes(tmp_path: Path, site: str) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    shutil.copyfile(corpus / CARTER, corpus / "carter-copy.txt")  # a byte-identical twin
    environ = subprocs.env(data_dir=tmp_path / "data")

    result = subprocs.run(["docs", "--corpus", str(corpus)], environ)
    assert result.returncode == 0 and "Nothing from" in result.stdout, result.stdout
    assert subprocs.run(["ingest", "--corpus", str(corpus)], environ).returncode == 0

    docs = _docs(corpus, environ)
    assert set(docs) == {CARTER, COOK, "carter-copy.txt"}
    assert docs[CARTER]["twins"] == ["carter-copy.txt"]
    assert docs["carter-copy.txt"]["twins"] == [CARTER]
    assert docs[COOK]["twins"] == []
    assert docs[CARTER]["title"].startswith("Russian, U.S. Defense Chiefs")
    assert all(d["passages"] > 0 and d["indexed_at"] and d["in_folder"] for d in docs.values())
    assert all(d["date"] == "" and d["url"] == "" for d in docs.values())  # nothing invented

    # add: a file from elsewhere is copied in; a web page is fetched, saved, its URL kept
    outside = tmp_path / "elsewhere" / "note.md"
    outside.parent.mkdir()
    outside.write_text("# Harbour note\n\nThe harbour at Osk reopened in May.\n", "utf-8")
    url = f"{site}/news/ferry.html"
    result = subprocs.run(["add", "--corpus", str(corpus), str(outside), url], environ)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Added note.md." in result.stdout
    assert "Added lake-varnow-ferry-resumes-service.html." in result.stdout
    assert (corpus / "note.md").read_text("utf-8") == outside.read_text("utf-8")
    assert (corpus / "lake-varnow-ferry-resumes-service.html").read_text("utf-8") == ARTICLE
    docs = _docs(corpus, environ)
    ferry = docs["lake-varnow-ferry-resumes-service.html"]
    assert ferry["url"] == url and ferry["date"] == "2024-03-05"
    assert ferry["title"] == "Lake Varnow ferry resumes service"
    assert docs["note.md"]["passages"] == 1

    result = subprocs.run(["docs", "--corpus", str(corpus)], environ)
    assert url in result.stdout and "dated 2024-03-05" in result.stdout
    assert "twins: carter-copy.txt" in result.stdout
    assert "5 articles" in result.stdout

    result = subprocs.run(
        ["ask", "--corpus", str(corpus), "How much did the Lake Varnow ferry repair cost?"],
        environ,
    )
    assert result.returncode == 0, result.stderr
    assert "48,000 euros" in result.stdout
    assert "lake-varnow-ferry-resumes-service.html:" in result.stdout

    # remove: asks for --yes in a pipe, then deletes the file and its passages
    result = subprocs.run(["docs", "remove", "carter-copy.txt", "--corpus", str(corpus)], environ)
    assert result.returncode == 2 and "pass --yes" in result.stderr, result.stderr
    assert (corpus / "carter-copy.txt").exists()
    result = subprocs.run(
        ["docs", "remove", str(corpus / "carter-copy.txt"), "--yes", "--corpus", str(corpus)],
        environ,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Deleted {corpus / 'carter-copy.txt'} and its" in result.stdout
    assert not (corpus / "carter-copy.txt").exists()
    docs = _docs(corpus, environ)
    assert "carter-copy.txt" not in docs and docs[CARTER]["twins"] == []
    assert len(docs) == 4


def test_add_failures_are_one_line(tmp_path: Path, site: str) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    environ = subprocs.env(data_dir=tmp_path / "data")
    result = subprocs.run(
        ["add", "--corpus", str(corpus), f"{site}/news/missing.html", str(tmp_path / "nope.txt")],
        environ,
    )
    assert result.returncode == 2
    assert "HTTP 404" in result.stderr and "nope.txt: no such file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    result = subprocs.run(["docs", "remove", "nothing.txt", "--corpus", str(corpus)], environ)
    assert result.returncode == 2 and "is not in the index" in result.stderr
    assert sorted(p.name for p in corpus.iterdir()) == sorted(p.name for p in SEEDS.iterdir())

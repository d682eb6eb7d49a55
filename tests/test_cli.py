"""The command line, driven as a user would: `qabot ask` and `eval` in processes, errors as one
line, help, corpora by path. (`qabot chat`: tests/test_chat.py.)"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qabot.cli import app
from qabot.settings import Settings
from tests import subprocs
from tests.common import CARTER, FIXTURES, SEEDS


def test_ask_json_from_the_installed_command(seeded_data: tuple[Path, Path]) -> None:
    corpus, data = seeded_data
    env = {**os.environ, "QABOT_CORPUS_DIR": str(corpus), "QABOT_DATA_DIR": str(data)}
    proc = subprocess.run(
        [sys.executable, "-m", "qabot", "ask", "--json", "Who did Carter talk to?"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert "Shoigu" in got["answer"]
    assert got["refused"] is False
    assert got["citations"][0]["source"] == CARTER
    assert got["citations"][0]["start_line"] == 16
    assert {"query", "passages", "latency_ms"} <= set(got)


def test_eval_writes_records_in_the_design_shape(
    seeded_data: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, data = seeded_data
    fixtures = tmp_path / "few.jsonl"
    lines = (FIXTURES / "seed_questions.jsonl").read_text().splitlines()
    fixtures.write_text("\n".join(lines[:2] + lines[-1:]) + "\n")
    out = tmp_path / "records.jsonl"
    result = CliRunner().invoke(
        app,
        ["eval", str(fixtures), "--corpus", str(corpus), "--k", "3", "--json", "--out", str(out)],
        env={"QABOT_DATA_DIR": str(data)},
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout[result.stdout.index("{") :])
    assert metrics["questions"] == 3 and "answer_recall@3" in metrics
    records = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["seed-01", "seed-02", "seed-34"]
    first = records[0]
    assert set(first) >= {
        "id",
        "question",
        "query",
        "passages",
        "answer",
        "citations",
        "refused",
        "latency_ms",
    }
    assert set(first["passages"][0]) >= {"source", "start_line", "end_line", "text", "score"}
    assert set(first["citations"][0]) == {
        *("n", "source", "title", "start_line", "end_line", "start_char", "end_char", "quote"),
        *("also_in", "author", "published", "site", "url"),
    }
    assert records[2]["refused"] is True


def test_errors_are_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["ingest"],
        env={"QABOT_CORPUS_DIR": str(tmp_path / "nope"), "QABOT_DATA_DIR": str(tmp_path / "d")},
    )
    assert result.exit_code == 2
    assert "corpus folder" in result.output and "does not exist" in result.output
    assert "Traceback" not in result.output


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    for command in ("ingest", "ask", "chat", "telegram", "eval"):
        assert command in result.output


# --- corpora by path, state in the user's dirs, plain output ------------------------------


def _user_env(tmp_path: Path) -> dict[str, str]:
    """A subprocess environment with no QABOT_* but the shared model cache, and its own
    user data and config dirs (platformdirs follows XDG_* on Linux), at 80 columns."""
    environ = subprocs.env()
    environ.pop("COLUMNS", None)
    environ["XDG_DATA_HOME"] = str(tmp_path / "xdg-data")
    environ["XDG_CONFIG_HOME"] = str(tmp_path / "xdg-config")
    return environ


def _one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    for needle in needles:
        assert needle in proc.stderr


def test_a_corpus_by_path_from_anywhere(corpus: Path, tmp_path: Path) -> None:
    """`ingest --corpus` then `ask`/`chat --corpus` from a folder without seeds/; the index
    goes to the user's data dir, one folder per corpus; no corpus at all is one clear line."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environ = _user_env(tmp_path)

    done = subprocs.run(["ingest", "--corpus", str(corpus)], environ, cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    (index,) = (tmp_path / "xdg-data" / "qabot" / "indexes").iterdir()
    assert index.name.startswith("corpus-") and (index / "chroma").is_dir()

    # an unquoted question; -v names the corpus and its size; plain lines in a pipe
    asked = subprocs.run(
        ["ask", "-v", "who", "did", "Carter", "talk", "to", "--corpus", str(corpus)],
        environ,
        cwd=elsewhere,
    )
    assert asked.returncode == 0, asked.stderr
    assert f"Corpus {corpus}: 2 articles, 10 passages." in asked.stderr
    lines = asked.stdout.splitlines()
    assert lines[0] == "Sergei Shoigu"
    assert any(line.startswith("The Pentagon said") and line.endswith("[1]") for line in lines)
    assert any(line.startswith("[1] ") and line.endswith(f"{CARTER}:16") for line in lines)
    assert all(line == line.rstrip() for line in lines)
    assert len(list(index.parent.iterdir())) == 1  # the same index, not a new one

    chat = subprocs.Chat(environ, ("--corpus", str(corpus)), cwd=elsewhere)
    try:
        out = chat.ask("Who did Carter talk to?", r"000_dead59048cb22baa\.txt:16")
        assert f"Corpus {corpus}: 2 articles, 10 passages." in out
        help_text = chat.ask("/help", r"/save FILE")
        assert f"Corpus {corpus}: 2 articles, 10 passages." in help_text
    finally:
        chat.close()
    assert chat.text().startswith(f"qabot — ask about {corpus}.")
    assert "Traceback" not in chat.text() and chat.proc.returncode == 0

    for command in (["ask", "who", "owns", "it"], ["chat"], ["ingest"], ["telegram"]):
        _one_line_error(
            subprocs.run(command, environ, cwd=elsewhere),
            "no corpus given",
            "--corpus PATH",
            "QABOT_CORPUS_DIR",
        )
    _one_line_error(
        subprocs.run(["ask", "hi", "--corpus", str(tmp_path / "nope")], environ, cwd=elsewhere),
        f"corpus folder {tmp_path / 'nope'} does not exist",
    )

    # the user's config .env names the corpus; a .env where qabot runs wins over it
    user_env = tmp_path / "xdg-config" / "qabot" / ".env"
    user_env.parent.mkdir(parents=True)
    user_env.write_text(f"QABOT_CORPUS_DIR={corpus}\n")
    asked = subprocs.run(["ask", "--json", "Who", "did", "Carter", "talk", "to?"], environ)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["citations"][0]["source"] == CARTER
    (elsewhere / ".env").write_text(f"QABOT_CORPUS_DIR={tmp_path / 'nope'}\n")
    _one_line_error(subprocs.run(["ask", "hi"], environ, cwd=elsewhere), "does not exist")


def test_version_help_and_warm(tmp_path: Path) -> None:
    environ = _user_env(tmp_path)
    version = subprocs.run(["--version"], environ)
    assert version.returncode == 0 and version.stdout.startswith("qabot 0.")
    for args in (["-h"], ["ask", "-h"], ["ingest", "--help"], ["eval", "-h"]):
        shown = subprocs.run(args, environ)
        assert shown.returncode == 0 and shown.stdout.startswith("Usage: "), shown.stderr
        assert "<bool>" not in shown.stdout and "╭" not in shown.stdout
        assert all(line == line.rstrip() for line in shown.stdout.splitlines())
        if args[0] != "-h":
            assert "--corpus PATH" in shown.stdout
        assert "<list" not in shown.stdout and "{" not in shown.stdout  # arguments as typed
    asked = subprocs.run(["ask", "-h"], environ).stdout
    assert asked.startswith("Usage: ") and " ask [OPTIONS] QUESTION...\n" in asked
    assert "\n  QUESTION...  The question (quotes optional).\n" in asked
    assert "docs/DESIGN.md" in subprocs.run(["eval", "-h"], environ).stdout
    warmed = subprocs.run(["warm"], environ)
    assert warmed.returncode == 0, warmed.stderr
    assert "Embedding model ready" in warmed.stdout
    cache = Path(environ["QABOT_MODEL_CACHE_DIR"])  # the session's, honoured over the default
    assert any(cache.glob("onnx/*/model*.onnx"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens there once it is closed


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("data dir under a file", "QABOT_DATA_DIR: data/sub lies under data, a file"),
        ("dotenv not utf-8", ".env is not UTF-8 (byte 0xe9 at offset 19); save .env as UTF-8"),
        ("chroma unreachable", "cannot reach the Chroma server at http://127.0.0.1:"),
        ("bad collection", "QABOT_COLLECTION: 'my news!' is not a Chroma collection name"),
        ("nan threshold", "QABOT_REFUSAL_THRESHOLD: Input should be a finite number"),
        ("threshold over 1", "QABOT_REFUSAL_THRESHOLD: Input should be less than or equal to 1"),
        ("empty data dir", "QABOT_DATA_DIR: is empty"),
        ("empty corpus dir", "QABOT_CORPUS_DIR: is empty"),
        (
            "corpus is a file",
            "corpus folder news.txt is a file, not a folder; set QABOT_CORPUS_DIR",
        ),
        ("corpus missing", "corpus folder nope does not exist; set QABOT_CORPUS_DIR"),
        ("corrupt store", "file is not a database (run again with -v for the details)"),
    ],
)
def test_config_and_store_errors_are_one_line(case: str, needle: str, tmp_path: Path) -> None:
    """Each is one line on stderr naming the fix, a non-zero exit, and no traceback."""
    (tmp_path / "news.txt").write_text("Not A Folder\n\nA file where a folder should be.\n")
    settings = {"corpus_dir": SEEDS, "data_dir": "d"}
    if case == "data dir under a file":
        (tmp_path / "data").write_text("")
        settings["data_dir"] = "data/sub"
    elif case == "dotenv not utf-8":
        (tmp_path / ".env").write_bytes(b"QABOT_TOP_K=5\n# caf\xe9\n")
    elif case == "chroma unreachable":
        settings.update(chroma_host="127.0.0.1", chroma_port=_closed_port())
    elif case == "bad collection":
        settings["collection"] = "my news!"
    elif case == "nan threshold":
        settings["refusal_threshold"] = "nan"
    elif case == "threshold over 1":
        settings["refusal_threshold"] = "1.5"
    elif case == "empty data dir":
        settings["data_dir"] = ""
    elif case == "empty corpus dir":
        settings["corpus_dir"] = ""
    elif case == "corpus is a file":
        settings["corpus_dir"] = "news.txt"
    elif case == "corpus missing":
        settings["corpus_dir"] = "nope"
    elif case == "corrupt store":
        chroma = Settings(_env_file=None, corpus_dir=SEEDS, data_dir=tmp_path / "d").chroma_dir  # type: ignore[call-arg]
        chroma.mkdir(parents=True)
        (chroma / "chroma.sqlite3").write_text("not a database")
    proc = subprocess.run(
        [*subprocs.QABOT, "ingest"],
        env=subprocs.env(**settings),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert needle in proc.stderr, proc.stderr
    if case.startswith("corpus"):
        assert not (tmp_path / "d").exists()  # nothing written for a corpus that is not there
    if case == "corrupt store":  # an unexpected error: its traceback only with -v
        verbose = subprocess.run(
            [*subprocs.QABOT, "ingest", "-v"],
            env=subprocs.env(**settings),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" in verbose.stderr and verbose.returncode != 0

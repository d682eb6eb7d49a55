"""`qabot chat` as a user meets it: a script over stdin in-process, and a process that gets
Ctrl-C (SIGINT) while the model loads and while an answer streams, /save, Ctrl-D."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qabot.cli import app
from tests import subprocs
from tests.common import CARTER
from tests.openai_server import FakeOpenAI, Reply, serve

GOOD = (
    "Ash Carter spoke with Sergei Shoigu by telephone [1]. "
    "They spoke for the first time in more than a year [1][2]."
)
#: Streamed a word every half second: about ten seconds, long enough to interrupt.
SLOW = Reply("Carter talked with Shoigu " + "and talked " * 20 + "[1].", chunk_delay=0.5)


def _slow_load(tmp_path: Path) -> Path:
    """A folder whose sitecustomize makes the REPL's background load take 5 s longer, so that
    Ctrl-C surely comes while the first question waits for it (the seeds load in well under a
    second, which raced the signal). Test-only: qabot has no hook for this."""
    folder = tmp_path / "slow_load"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(
        "import time\n"
        "from qabot.qa import QA\n"
        "_warm_up = QA.warm_up\n"
        "QA.warm_up = lambda self: (time.sleep(5), _warm_up(self))[1]\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with serve() as state:
        yield state


@pytest.fixture
def interruptible() -> Iterator[None]:
    """Ctrl-C reaches the chat as it does in a terminal, also when the suite runs as a
    background job: a shell starts those with SIGINT ignored, every child inherits that, and
    Python then installs no KeyboardInterrupt handler. (An exec resets a handled signal.)"""
    before = signal.getsignal(signal.SIGINT)
    if before is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.mark.usefixtures("interruptible")
def test_ctrl_c_cancels_the_wait_and_the_answer_not_the_session(
    seeded_data: tuple[Path, Path], server: FakeOpenAI, tmp_path: Path
) -> None:
    corpus, data = seeded_data
    environ = subprocs.env(
        data_dir=data, llm="openai:test-model", llm_base_url=server.base_url, llm_max_retries=0
    )
    environ["OPENAI_API_KEY"] = "sk-test-unused"
    environ["PYTHONPATH"] = f"{_slow_load(tmp_path)}{os.pathsep}{environ['PYTHONPATH']}"
    server.script(SLOW, Reply(GOOD))
    chat = subprocs.Chat(environ, ("--corpus", str(corpus)))
    try:
        # 1. during the model load: the question waits, Ctrl-C gives the prompt back
        chat.ask("Who did Carter talk to?", r"Loading the model and index")
        mark = chat.mark()
        os.kill(chat.proc.pid, signal.SIGINT)
        chat.wait_for(r"Cancelled\.", mark)
        # 2. during an answer (a slow stream; tokens come without a newline, so the
        # server says when it has begun): the tokens stop, the question is dropped
        mark = chat.mark()
        assert chat.proc.stdin is not None
        chat.proc.stdin.write("Who did Carter talk to?\n")
        chat.proc.stdin.flush()
        deadline = time.monotonic() + 60
        while not server.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)  # a few words into the answer
        os.kill(chat.proc.pid, signal.SIGINT)
        chat.wait_for(r"Cancelled\.", mark, timeout=5)  # well before the stream would end
        # 3. the next question is answered as usual
        out = chat.ask("Who did Carter talk to?", r"thinking…(.|\n)*\[2\] .*:\d+")
        assert out.count("Ash Carter spoke with Sergei Shoigu by telephone [1].") == 1
        assert chat.proc.poll() is None
        saved = tmp_path / "talk.md"
        chat.ask(f"/save {saved}", r"Saved 1 answer to ")
        # Ctrl-D (end of input) leaves
        assert chat.proc.stdin is not None
        chat.proc.stdin.close()
        assert chat.proc.wait(timeout=20) == 0
    finally:
        chat.close()
    out = chat.text()
    assert "Traceback" not in out and "KeyboardInterrupt" not in out
    assert out.count("Cancelled.") == 2
    assert "talked" not in out  # nothing of the cancelled answer (it cited nothing yet)
    assert [len(r.body["messages"]) for r in server.requests if r.body.get("stream")] == [2, 2]
    text = saved.read_text(encoding="utf-8")
    assert text.startswith("# qabot conversation\n")
    assert text.count("## Who did Carter talk to?") == 1  # the cancelled ones are not kept
    assert "Ash Carter spoke with Sergei Shoigu by telephone [1]." in text
    assert re.search(rf"\n- \[1\] Russian, U\.S\. .* — {CARTER}:\d+(-\d+)?\n  > The ", text)
    assert "\n- [2] " in text


def test_chat_repl_over_stdin_indexes_on_first_use(corpus: Path, tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/help",
            "Who did Carter talk to?",
            "/sources",
            "How long did they talk?",
            "/reset",
            "/sources",
            "What is the capital of Australia?",
            "/nonsense",
            "/[/]",  # was a MarkupError that ended the session
            "/[blink]x[/blink]",  # was shown as /x
            "exit",
            "/reset",  # never reached
        ]
    )
    env = {"QABOT_CORPUS_DIR": str(corpus), "QABOT_DATA_DIR": str(tmp_path / "fresh")}
    result = CliRunner().invoke(app, ["chat"], input=script + "\n", env=env)
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())  # undo the console's line wrapping
    assert "/sources" in out and "/reset" in out  # help text
    assert "First run: indexed" in out
    assert "Sergei Shoigu" in out and "terminology. [1]" in out
    assert f"{CARTER}:16" in out
    assert "50-minute" in out
    assert out.count("Conversation forgotten.") == 1
    assert "No answer yet" in out
    assert "I could not find that in the corpus." in out
    assert "Unknown command '/nonsense'" in out
    assert "Unknown command '/[/]'" in out
    assert "Unknown command '/[blink]x[/blink]'" in out

"""The REPL as a user meets it: `qabot chat` in a process, Ctrl-C (SIGINT), /save, Ctrl-D."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qabot.domain import Answer, Citation
from qabot.transcript import conversation_markdown
from tests import subprocs
from tests.common import CARTER
from tests.openai_server import FakeOpenAI, Reply, serve

GOOD = "Ash Carter spoke with Sergei Shoigu by telephone [1]. They spoke for the first time in more than a year [1][2]."  # noqa: E501
#: Streamed a word every half second: about ten seconds, long enough to interrupt.
SLOW = Reply("Carter talked with Shoigu " + "and talked " * 20 + "[1].", chunk_delay=0.5)


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with serve() as state:
        yield state


def test_ctrl_c_cancels_the_wait_and_the_answer_not_the_session(
    seeded_data: tuple[Path, Path], server: FakeOpenAI, tmp_path: Path
) -> None:
    corpus, data = seeded_data
    environ = subprocs.env(
        data_dir=data, llm="openai:test-model", llm_base_url=server.base_url, llm_max_retries=0
    )
    environ["OPENAI_API_KEY"] = "sk-test-unused"
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
        out = chat.ask("Who did Carter talk to?", r"checked answer(.|\n)*\[2\] .*:\d+")
        assert "Ash Carter spoke with Sergei Shoigu by telephone [1]." in out
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


def test_saved_conversations_are_inert_markdown() -> None:
    citation = Citation(
        n=1,
        source="a<b>.txt",
        title="<script>alert(1)</script>",
        start_line=3,
        end_line=4,
        start_char=0,
        end_char=10,
        quote="Tom & Jerry\nsaid\u202e so",
    )
    answer = Answer("Who?", "Who?", "Tom & Jerry said so [1]", (citation,), ())
    refused = Answer("Why?", "Why?", "I could not find that in the corpus.", (), (), refused=True)
    text = conversation_markdown([answer, refused], "/news")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "- [1] &lt;script&gt;alert(1)&lt;/script&gt; — a&lt;b&gt;.txt:3-4\n" in text
    assert "  > Tom &amp; Jerry said so\n" in text  # one line, no bidi control
    assert "## Why?\n\nI could not find that in the corpus.\n" in text

"""LLM mode with Ollama: langchain-ollama for real against a local server that speaks Ollama's
HTTP API (`/api/chat`, NDJSON streaming), through the real `qabot ask` and `qabot chat`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import subprocs
from tests.common import CARTER
from tests.ollama_server import MODEL, FakeOllama, serve
from tests.openai_server import Reply

GOOD = (
    "Ash Carter spoke with Sergei Shoigu by telephone for 50 minutes [1]. "
    "The defense chiefs spoke for the first time in more than a year [1][2]."
)


@pytest.fixture
def server() -> Iterator[FakeOllama]:
    with serve() as state:
        yield state


def _env(server: FakeOllama, data: Path) -> dict[str, str]:
    environ = subprocs.env(data_dir=data, llm=f"ollama:{MODEL}", llm_base_url=server.base_url)
    environ.pop("OLLAMA_HOST", None)
    return environ


def _chat_requests(server: FakeOllama) -> list[dict]:  # type: ignore[type-arg]
    return [r.body for r in server.requests if r.path == "/api/chat"]


def test_ask_answers_through_ollama(seeded_data: tuple[Path, Path], server: FakeOllama) -> None:
    corpus, data = seeded_data
    server.script(Reply(GOOD))
    result = subprocs.run(
        ["ask", "--corpus", str(corpus), "Who did Carter talk to, and for how long?"],
        _env(server, data),
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("Ash Carter spoke with Sergei Shoigu by telephone for 50 minutes [1].") == 1
    assert "[1] " in out and f"{CARTER}:" in out
    assert "As checked" not in out and "thinking" not in out  # a pipe: plain answer text
    (body,) = _chat_requests(server)
    assert body["model"] == MODEL and body.get("stream", True) is True
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert '<passage n="1"' in body["messages"][1]["content"]


def test_chat_shows_thinking_then_the_answer_once_and_no_log_lines(
    seeded_data: tuple[Path, Path], server: FakeOllama, tmp_path: Path
) -> None:
    corpus, data = seeded_data
    server.script(
        Reply(GOOD),
        Reply("PWNED. Nothing here is cited."),  # unsupported: refused, with a logged warning
    )
    environ = _env(server, data)
    chat = subprocs.Chat(environ, ("--corpus", str(corpus)))
    try:
        out = chat.ask("Who did Carter talk to, and for how long?", r"\[2\] .*:\d+")
        assert out.index("thinking…") < out.index("Ash Carter spoke")
        assert out.count("Ash Carter spoke with Sergei Shoigu by telephone for 50 minutes") == 1
        assert "As checked" not in out
        out = chat.ask("What did Carter and Shoigu agree on the phone?", r"not supported")
        assert "PWNED" not in out
    finally:
        chat.close()
    everything = chat.text()
    assert "WARNING" not in everything and "Traceback" not in everything, everything
    log = (data / "chat.log").read_text(encoding="utf-8")
    assert "not supported by the passages" in log


def test_a_missing_ollama_model_falls_back_with_a_notice(
    seeded_data: tuple[Path, Path], server: FakeOllama
) -> None:
    corpus, data = seeded_data
    environ = _env(server, data)
    environ["QABOT_LLM"] = "ollama:no-such-model"
    result = subprocs.run(["ask", "--corpus", str(corpus), "Who did Carter talk to?"], environ)
    assert result.returncode == 0, result.stderr
    assert "The language model failed (HTTP 404); showing the extractive answer." in result.stdout
    assert "Shoigu" in result.stdout

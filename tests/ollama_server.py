"""A small server on 127.0.0.1 that speaks Ollama's HTTP API, for tests, scripted per test.

`POST /api/chat` answers with the next scripted `Reply`: streamed as NDJSON (one JSON object
per line, the last with `"done": true`) when the request asks for `stream`, else one JSON
body. `/api/tags`, `/api/show` and `/api/version` answer as Ollama does for one model. The
scripting and recording are those of the fake OpenAI server.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.openai_server import FakeHandler, FakeOpenAI, _words, serve_on_localhost

logger = logging.getLogger(__name__)
MODEL = "llama3.2:1b"


class FakeOllama(FakeOpenAI):
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _part(text: str, done: bool = False) -> dict[str, Any]:
    part: dict[str, Any] = {
        "model": MODEL,
        "created_at": "2026-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": text},
        "done": done,
    }
    if done:
        part.update(done_reason="stop", total_duration=1, eval_count=1, prompt_eval_count=1)
    return part


def _handler(state: FakeOllama) -> type[BaseHTTPRequestHandler]:
    class Handler(FakeHandler):
        label = "fake ollama"

        def do_GET(self) -> None:  # noqa: N802
            self.do_POST()

        def do_POST(self) -> None:  # noqa: N802
            body = self._record(state.requests)
            path = self.path.rstrip("/")
            if path == "/api/tags":
                self._send(200, {"models": [{"name": MODEL, "model": MODEL, "size": 1}]})
            elif path == "/api/show":
                self._send(200, {"modelfile": "", "details": {"family": "llama"}})
            elif path == "/api/version":
                self._send(200, {"version": "0.12.0"})
            elif path != "/api/chat":
                self._send(404, {"error": "not found"})
            elif body.get("model") != MODEL:
                self._send(404, {"error": f"model '{body.get('model')}' not found"})
            else:
                self._chat(body)

        def _chat(self, body: dict[str, Any]) -> None:
            reply = state.next_reply(body)
            time.sleep(reply.delay)
            try:
                if reply.status != 200:
                    self._send(reply.status, {"error": reply.text})
                elif body.get("stream", True):  # Ollama streams unless told not to
                    self.send_response(200)
                    self.send_header("Content-Type", "application/x-ndjson")
                    self.end_headers()
                    pieces = reply.chunks if reply.chunks is not None else _words(reply.text)
                    for piece in pieces:
                        time.sleep(reply.chunk_delay)
                        self.wfile.write(json.dumps(_part(piece)).encode() + b"\n")
                        self.wfile.flush()
                    self.wfile.write(json.dumps(_part("", done=True)).encode() + b"\n")
                    self.wfile.flush()
                    self.close_connection = True
                else:
                    self._send(200, _part(reply.text, done=True))
            except (BrokenPipeError, ConnectionResetError):
                logger.debug("fake ollama: client went away")

    return Handler


@contextmanager
def serve() -> Iterator[FakeOllama]:
    """Run a FakeOllama on a free port of 127.0.0.1 for the duration of the block."""
    state = FakeOllama()
    with serve_on_localhost(state, _handler(state), "fake-ollama"):
        yield state

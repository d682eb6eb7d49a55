"""A small OpenAI-compatible chat server on 127.0.0.1 for tests, scripted per test.

`POST /v1/chat/completions` answers with the next scripted `Reply` (streamed as server-sent
events when the request asks for `stream`, else one JSON body), and records every request.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

logger = logging.getLogger(__name__)


@dataclass
class Reply:
    """What the server does for one request."""

    text: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before the response starts
    chunk_delay: float = 0.0  # seconds between streamed chunks
    chunks: list[str] | None = None  # how to split `text` when streaming (default: by word)


Responder = Callable[[dict[str, Any]], Reply]


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    def text_of(self, role: str) -> str:
        return "\n".join(str(m.get("content", "")) for m in self.messages if m["role"] == role)


@dataclass
class FakeOpenAI:
    """The server's state: scripted replies, a default, and the requests received."""

    port: int = 0
    replies: deque[Reply | Responder] = field(default_factory=deque)
    default: Reply | Responder = field(default_factory=lambda: Reply(status=500, text="unscripted"))
    requests: list[Recorded] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: Reply | Responder) -> None:
        self.replies.extend(replies)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        item = self.replies.popleft() if self.replies else self.default
        return item(body) if callable(item) else item


def _chunk(content: str | None, finish: str | None = None, role: bool = False) -> bytes:
    delta: dict[str, Any] = {}
    if role:
        delta["role"] = "assistant"
    if content is not None:
        delta["content"] = content
    event = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "test-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(event)}\n\n".encode()


class FakeHandler(BaseHTTPRequestHandler):
    """What the fake servers share: quiet logs, recorded requests, JSON replies."""

    label = "fake server"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        logger.debug(f"{self.label}: " + format, *args)

    def _record(self, requests: list[Recorded]) -> dict[str, Any]:
        """The request's JSON body, after recording the request."""
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        headers = {k.lower(): v for k, v in self.headers.items()}
        requests.append(Recorded(self.path, headers, body))
        return body

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _handler(state: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(FakeHandler):
        label = "fake openai"

        def do_POST(self) -> None:  # noqa: N802
            body = self._record(state.requests)
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, {"error": {"message": "not found"}})
                return
            reply = state.next_reply(body)
            time.sleep(reply.delay)
            try:
                if reply.status != 200:
                    self._send(reply.status, {"error": {"message": reply.text, "type": "server"}})
                elif body.get("stream"):
                    self._stream(reply)
                else:
                    self._send(200, _completion(reply.text))
            except (BrokenPipeError, ConnectionResetError):
                logger.debug("fake openai: client went away")

        def _stream(self, reply: Reply) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.wfile.write(_chunk("", role=True))
            pieces = reply.chunks if reply.chunks is not None else _words(reply.text)
            for piece in pieces:
                time.sleep(reply.chunk_delay)
                self.wfile.write(_chunk(piece))
                self.wfile.flush()
            self.wfile.write(_chunk(None, finish="stop"))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

    return Handler


def _words(text: str) -> list[str]:
    parts = text.split(" ")
    return [p + (" " if i < len(parts) - 1 else "") for i, p in enumerate(parts)]


def _completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@contextmanager
def serve_on_localhost(
    state: Any, handler: type[BaseHTTPRequestHandler], name: str
) -> Iterator[None]:
    """Serve `handler` on a free port of 127.0.0.1 (set as `state.port`) for the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve() -> Iterator[FakeOpenAI]:
    """Run a FakeOpenAI on a free port of 127.0.0.1 for the duration of the block."""
    state = FakeOpenAI()
    with serve_on_localhost(state, _handler(state), "fake-openai"):
        yield state

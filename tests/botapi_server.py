"""A small fake Telegram Bot API server on 127.0.0.1 for driving the real bot over HTTP.

It answers the methods qabot uses (getMe, getUpdates with long polling, sendMessage,
editMessageText, sendChatAction, setMyCommands, ...), queues updates that tests push,
records every call, can be scripted to fail a method once (e.g. 429 with retry_after), and
rejects message text that is not well-formed Telegram HTML or longer than 4096 characters.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_ID = 4242
BOT_USERNAME = "qabot_test_bot"
LIMIT = 4096

_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)((?:\s+[\w-]+(?:=\"[^\"<>]*\")?)*)\s*>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9A-Fa-f]+);")


def html_problems(text: str) -> list[str]:
    """Why Telegram would reject `text` sent with parse_mode HTML (empty list: it is fine)."""
    problems: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "<":
            m = _TAG.match(text, i)
            if m is None:
                problems.append(f"unescaped '<' at {i}: {text[i : i + 20]!r}")
                i += 1
                continue
            closing, name = m.group(1), m.group(2).lower()
            if name not in _ALLOWED_TAGS:
                problems.append(f"unsupported tag <{name}> at {i}")
            elif closing:
                if not stack or stack[-1] != name:
                    problems.append(f"</{name}> at {i} does not close {stack[-1:] or 'anything'}")
                else:
                    stack.pop()
            else:
                stack.append(name)
            i = m.end()
        elif ch == "&":
            m = _ENTITY.match(text, i)
            if m is None:
                problems.append(f"unescaped '&' at {i}: {text[i : i + 12]!r}")
                i += 1
            else:
                i = m.end()
        elif ch == ">":
            problems.append(f"unescaped '>' at {i}")
            i += 1
        else:
            i += 1
    if stack:
        problems.append(f"unclosed tags {stack}")
    visible = html.unescape(re.sub(r"<[^<>]*>", "", text))
    if not visible.strip():
        problems.append("message text is empty")
    if len(text) > LIMIT:
        problems.append(f"text is {len(text)} characters, over {LIMIT}")
    if len(visible.encode("utf-16-le")) // 2 > LIMIT:
        problems.append("visible text is over 4096 UTF-16 code units")
    return problems


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    token: str
    at: float
    status: int = 200
    result: Any = None


@dataclass
class _Failure:
    method: str
    status: int
    description: str
    retry_after: int | None


@dataclass
class FakeBotAPI:
    """The server's state; `start()` serves it on 127.0.0.1 in a thread."""

    reject_token: bool = False
    calls: list[Call] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # malformed requests the bot sent
    webhook: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._failures: list[_Failure] = []
        self._delays: dict[str, float] = {}
        self._chat_types: dict[int, str] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # the bot's, by chat and id
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle --------------------------------------------------------------------------
    def start(self) -> FakeBotAPI:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                api._handle(self)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        with self._cond:
            self._cond.notify_all()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # --- scripting ----------------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        status: int = 429,
        description: str = "Too Many Requests: retry after 1",
        retry_after: int | None = 1,
    ) -> None:
        """Make the next call of `method` fail once with this error."""
        with self._cond:
            self._failures.append(_Failure(method, status, description, retry_after))

    def delay_next(self, method: str, seconds: float) -> None:
        """Carry out the next call of `method` at once but answer only after `seconds`: a
        message Telegram has taken whose confirmation the bot does not get in time."""
        with self._cond:
            self._delays[method] = seconds

    def _user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}

    def _chat(self, chat_id: int) -> dict[str, Any]:
        kind = self._chat_types.get(chat_id, "private" if chat_id > 0 else "group")
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind != "private":
            chat["title"] = f"Group {chat_id}"
        return chat

    def _bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "QA", "username": BOT_USERNAME}

    def push(self, update: dict[str, Any]) -> int:
        """Queue a raw update (update_id is filled in); returns its update_id."""
        with self._cond:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
            self._cond.notify_all()
        return update_id

    def message(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        chat_type: str | None = None,
        reply_to: int | None = None,
        edited: bool = False,
    ) -> dict[str, Any]:
        """A user's text message as an update dict (commands and @mentions get entities)."""
        chat_id = user_id if chat_id is None else chat_id
        with self._cond:
            if chat_type is not None:
                self._chat_types[chat_id] = chat_type
            message_id = next(self._message_ids)
        entities = []
        command = re.match(r"/[A-Za-z0-9_]+(?:@\w+)?", text)
        if command:
            entities.append({"type": "bot_command", "offset": 0, "length": command.end()})
        for m in re.finditer(r"@\w+", text):
            if command and m.start() < command.end():
                continue
            offset = len(text[: m.start()].encode("utf-16-le")) // 2
            entities.append({"type": "mention", "offset": offset, "length": len(m.group(0))})
        msg: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self._user(user_id),
            "text": text,
        }
        if entities:
            msg["entities"] = entities
        if reply_to is not None:
            msg["reply_to_message"] = {
                "message_id": reply_to,
                "date": int(time.time()),
                "chat": self._chat(chat_id),
                "from": self._bot_user(),
                "text": self.messages.get((chat_id, reply_to), {}).get("text", "earlier answer"),
            }
        if edited:
            msg["edit_date"] = int(time.time())
        return {"edited_message" if edited else "message": msg}

    def send_text(self, user_id: int, text: str, **kw: Any) -> int:
        """Push a text message; returns its message_id."""
        update = self.message(user_id, text, **kw)
        self.push(update)
        return int(next(iter(update.values()))["message_id"])

    def callback(self, user_id: int, chat_id: int, data: str, message_id: int = 1) -> None:
        """Push a press of an inline button under the bot's message `message_id`."""
        self.push(
            {
                "callback_query": {
                    "id": f"cb{time.monotonic_ns()}",
                    "from": self._user(user_id),
                    "chat_instance": "ci",
                    "data": data,
                    "message": {
                        "message_id": message_id,
                        "date": int(time.time()),
                        "chat": self._chat(chat_id),
                        "from": self._bot_user(),
                        "text": "an answer",
                    },
                }
            }
        )

    # --- inspection -------------------------------------------------------------------------
    def calls_of(self, method: str, chat_id: int | None = None) -> list[Call]:
        with self._cond:
            calls = [c for c in self.calls if c.method == method]
        if chat_id is not None:
            calls = [c for c in calls if str(c.params.get("chat_id")) == str(chat_id)]
        return calls

    def texts(self, chat_id: int) -> list[str]:
        """Texts the bot sent to a chat (successful sendMessage calls), in order."""
        return [
            str(c.params["text"]) for c in self.calls_of("sendMessage", chat_id) if c.status == 200
        ]

    def outgoing(self, chat_id: int | None = None) -> list[Call]:
        """Every successful call that put text in a chat: sendMessage and editMessageText."""
        return [
            c
            for m in ("sendMessage", "editMessageText")
            for c in self.calls_of(m, chat_id)
            if c.status == 200
        ]

    def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 30.0, what: str = "condition"
    ) -> Any:
        """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")

    def wait_texts(self, chat_id: int, n: int, timeout: float = 30.0) -> list[str]:
        """Wait until the bot has sent at least `n` messages to the chat; return them all."""
        self.wait_for(
            lambda: len(self.texts(chat_id)) >= n, timeout, f"{n} messages to chat {chat_id}"
        )
        return self.texts(chat_id)

    # --- HTTP --------------------------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", req.path.split("?")[0])
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        if m is None:
            self._reply(req, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = m.group(1), m.group(2)
        params = self._params(req.headers.get("Content-Type", ""), body)
        call = Call(method, params, token, time.monotonic(), status=0)
        with self._cond:
            self.calls.append(call)  # recorded on arrival (a long poll is visible while it waits)
        status, payload = self._dispatch(call)
        call.result = payload.get("result")
        call.status = status
        with self._cond:
            delay = self._delays.pop(call.method, 0.0)
        if delay:
            time.sleep(delay)
        with contextlib.suppress(OSError):  # the bot may have stopped waiting for the answer
            self._reply(req, status, payload)

    @staticmethod
    def _params(content_type: str, body: bytes) -> dict[str, Any]:
        if not body:
            return {}
        if "json" in content_type:
            return dict(json.loads(body))
        params: dict[str, Any] = {}
        for key, values in parse_qs(body.decode("utf-8"), keep_blank_values=True).items():
            value: Any = values[-1]
            if key in {
                "reply_markup",
                "allowed_updates",
                "commands",
                "reply_parameters",
                "link_preview_options",
                "entities",
            }:
                value = json.loads(value)
            params[key] = value
        return params

    @staticmethod
    def _reply(req: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        try:
            req.send_response(status)
            req.send_header("Content-Type", "application/json")
            req.send_header("Content-Length", str(len(data)))
            req.end_headers()
            req.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _error(self, status: int, description: str, **extra: Any) -> tuple[int, dict[str, Any]]:
        payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if extra:
            payload["parameters"] = extra
        return status, payload

    def _dispatch(self, call: Call) -> tuple[int, dict[str, Any]]:
        if self.reject_token:
            return self._error(401, "Unauthorized")
        with self._cond:
            failure = next((f for f in self._failures if f.method == call.method), None)
            if failure is not None:
                self._failures.remove(failure)
        if failure is not None:
            extra = {"retry_after": failure.retry_after} if failure.retry_after else {}
            return self._error(failure.status, failure.description, **extra)
        handler = getattr(self, f"_m_{call.method}", None)
        if handler is None:
            if call.method in {
                "sendChatAction",
                "setMyCommands",
                "deleteMyCommands",
                "deleteWebhook",
                "answerCallbackQuery",
                "close",
                "logOut",
            }:
                return 200, {"ok": True, "result": True}
            return self._error(404, f"Not Found: method {call.method} not found")
        return handler(call)

    def _m_getMe(self, call: Call) -> tuple[int, dict[str, Any]]:  # noqa: N802
        bot = {**self._bot_user(), "can_join_groups": True, "can_read_all_group_messages": False}
        return 200, {"ok": True, "result": {**bot, "supports_inline_queries": False}}

    def _m_getMyCommands(self, call: Call) -> tuple[int, dict[str, Any]]:  # noqa: N802
        sets = [c for c in self.calls_of("setMyCommands")]
        return 200, {"ok": True, "result": sets[-1].params.get("commands", []) if sets else []}

    def _m_setWebhook(self, call: Call) -> tuple[int, dict[str, Any]]:  # noqa: N802
        self.webhook = dict(call.params)
        return 200, {"ok": True, "result": True}

    def _m_getUpdates(self, call: Call) -> tuple[int, dict[str, Any]]:  # noqa: N802
        offset = int(call.params.get("offset") or 0)
        limit = int(call.params.get("limit") or 100)
        timeout = min(float(call.params.get("timeout") or 0), 10.0)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.monotonic() >= deadline or self._server is None:
                    break
                self._cond.wait(min(0.5, max(0.0, deadline - time.monotonic())))
            result = self._updates[:limit]
        return 200, {"ok": True, "result": result}

    def _validate(self, call: Call) -> tuple[int, dict[str, Any]] | None:
        text = str(call.params.get("text", ""))
        problems = (
            html_problems(text)
            if str(call.params.get("parse_mode", "")).upper() == "HTML"
            else (["message text is empty"] if not text.strip() else [])
        )
        if len(text) > LIMIT and not problems:
            problems.append(f"text is {len(text)} characters, over {LIMIT}")
        if problems:
            self.errors.append(f"{call.method}: {'; '.join(problems)}")
            return self._error(400, "Bad Request: can't parse entities: " + problems[0])
        return None

    def _message_result(self, chat_id: int, message_id: int, call: Call) -> dict[str, Any]:
        text = str(call.params.get("text", ""))
        if str(call.params.get("parse_mode", "")).upper() == "HTML":
            text = html.unescape(re.sub(r"<[^<>]*>", "", text))
        msg: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self._bot_user(),
            "text": text,
        }
        if "reply_markup" in call.params:
            msg["reply_markup"] = call.params["reply_markup"]
        return msg

    def _m_sendMessage(self, call: Call) -> tuple[int, dict[str, Any]]:  # noqa: N802
        bad = self._validate(call)
        if bad is not None:
            return bad
        chat_id = int(call.params["chat_id"])
        with self._cond:
            message_id = next(self._message_ids)
            msg = self._message_result(chat_id, message_id, call)
            self.messages[(chat_id, message_id)] = msg
        return 200, {"ok": True, "result": msg}

    def _m_editMessageText(self, call: Call) -> tuple[int, dict[str, Any]]:  # noqa: N802
        bad = self._validate(call)
        if bad is not None:
            return bad
        chat_id = int(call.params["chat_id"])
        message_id = int(call.params["message_id"])
        with self._cond:
            old = self.messages.get((chat_id, message_id))
            if old is None:
                return self._error(400, "Bad Request: message to edit not found")
            msg = self._message_result(chat_id, message_id, call)
            if msg["text"] == old["text"] and msg.get("reply_markup") == old.get("reply_markup"):
                return self._error(400, "Bad Request: message is not modified")
            self.messages[(chat_id, message_id)] = msg
        return 200, {"ok": True, "result": msg}

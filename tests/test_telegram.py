"""The real `qabot telegram` command, as a subprocess, against a fake Bot API over loopback HTTP.

One long-running bot process serves most scenarios (each test talks from its own user and
chat); separate processes cover a restart, webhook mode and the start-up failures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botapi_server import BOT_USERNAME, FakeBotAPI, html_problems

from qabot.domain import REFUSAL_TEXT
from qabot.telegram_format import escape, visible_text

TOKEN = "123456:TEST-token-Zq9xVbN3kLmP7wRt"
ALLOWED = ",".join(str(u) for u in range(1001, 1021))
MALLORY = 6666  # not on the allowlist
GROUP = -100500
CARTER = "000_dead59048cb22baa.txt"
REFUSAL_HTML = escape(REFUSAL_TEXT)
ROOT = Path(__file__).resolve().parent.parent


class BotProcess:
    """`python -m qabot telegram -v` with its output captured to a file."""

    def __init__(self, home: Path, api: FakeBotAPI, **env: str) -> None:
        self.log = home / f"bot-{time.monotonic_ns()}.log"
        full = {
            k: v
            for k, v in os.environ.items()
            if (not k.startswith("QABOT_") or k == "QABOT_MODEL_CACHE_DIR")
            and k != "TELEGRAM_BOT_TOKEN"
        }
        full.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            QABOT_TELEGRAM_BASE_URL=api.base_url,
            QABOT_TELEGRAM_ALLOWED_USERS=ALLOWED,
            HF_HUB_OFFLINE="1",
            PYTHONPATH=str(ROOT),
        )
        full.update(env)
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "qabot", "telegram", "-v"],
                cwd=home,
                env=full,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until(self, api: FakeBotAPI, method: str, timeout: float = 150) -> None:
        """Wait until the bot calls `method` (it is then serving), or fail with its output."""
        deadline = time.monotonic() + timeout
        while not api.calls_of(method):
            if self.proc.poll() is not None:
                raise AssertionError(f"bot exited with {self.proc.returncode}:\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"bot did not call {method}:\n{self.output()}")
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> tuple[int, float]:
        """Send `sig`; returns (exit code, seconds it took to exit)."""
        started = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode, time.monotonic() - started


def _ask(api: FakeBotAPI, user: int, text: str, n_before: int | None = None, **kw: Any) -> str:
    """Send a message and return the bot's next message to that chat."""
    chat = kw.get("chat_id", user)
    before = len(api.texts(chat)) if n_before is None else n_before
    api.send_text(user, text, **kw)
    return api.wait_texts(chat, before + 1)[before]


def _long_article() -> str:
    paragraphs = []
    for p in range(16):
        sentences = [
            f"At the Lake Varnow regatta of year {p}, crew {p}-{s} rowed the {s}th heat "
            f"past the marker buoy number {p * 10 + s} while the judges noted the wind."
            for s in range(8)
        ]
        paragraphs.append(" ".join(sentences))
    return "Lake Varnow regatta results\n\n" + "\n\n".join(paragraphs) + "\n"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder: the seed articles plus a long one, and an empty data dir (the bot
    indexes the corpus on its first run)."""
    base = tmp_path_factory.mktemp("telegram")
    shutil.copytree(ROOT / "seeds", base / "corpus")
    (base / "corpus" / "regatta.txt").write_text(_long_article(), encoding="utf-8")
    return base


def _dirs(home: Path) -> dict[str, str]:
    return {"QABOT_CORPUS_DIR": str(home / "corpus"), "QABOT_DATA_DIR": str(home / "data")}


@pytest.fixture(scope="module")
def api() -> Iterator[FakeBotAPI]:
    server = FakeBotAPI().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def bot(home: Path, api: FakeBotAPI) -> Iterator[BotProcess]:
    process = BotProcess(home, api, **_dirs(home), QABOT_TELEGRAM_RATE_LIMIT="5")
    process.wait_until(api, "getUpdates")
    yield process
    process.stop(signal.SIGKILL)


# --- the long-running bot ---------------------------------------------------------------------


def test_start_explains_and_commands_are_registered(api: FakeBotAPI, bot: BotProcess) -> None:
    commands = api.calls_of("setMyCommands")[0].params["commands"]
    assert {c["command"] for c in commands} == {
        "start",
        "help",
        "ask",
        "sources",
        "reset",
        "since",
        "until",
        "dated_only",
        "whoami",
    }
    text = _ask(api, 1001, "/start")
    assert re.search(r"3 news articles \(\d+ passages\)", text), text
    assert "/sources" in text and "/reset" in text and "For example" in text
    assert _ask(api, 1001, "/help") == text
    allowed = ", ".join(ALLOWED.split(","))
    assert f"serving 3 articles as @{BOT_USERNAME}; allowed: {allowed}" in bot.output()


def test_whoami_answers_listed_and_unlisted_users(api: FakeBotAPI, bot: BotProcess) -> None:
    stranger = 7777  # not on the allowlist
    text = _ask(api, stranger, "/whoami")
    assert f"Your Telegram user id is {stranger}." in text and "not on" in text, text
    assert "QABOT_TELEGRAM_ALLOWED_USERS" in text
    text = _ask(api, 1019, "/whoami")
    assert "Your Telegram user id is 1019. You are on this bot's allowlist." in text, text


def test_question_is_answered_with_a_citation(api: FakeBotAPI, bot: BotProcess) -> None:
    user = 1002
    text = _ask(api, user, "Who did Carter talk to?")
    assert "Sergei Shoigu" in text and "<b>[1]</b>" in text
    assert f"<code>{CARTER}:16</code>" in text
    send = api.calls_of("sendMessage", user)[-1]
    typing = api.calls_of("sendChatAction", user)
    assert typing and typing[0].params["action"] == "typing" and typing[0].at < send.at
    button = send.params["reply_markup"]["inline_keyboard"][0][0]
    assert button["text"] == "Sources"

    # the Sources button shows the full cited passages
    api.callback(user, user, button["callback_data"], message_id=send.result["message_id"])
    sources = api.wait_texts(user, 2)[1]
    assert "<blockquote>" in sources and f"{CARTER}:" in sources and "Shoigu" in sources
    api.wait_for(lambda: api.calls_of("answerCallbackQuery"), 5, "answerCallbackQuery")


def test_follow_up_then_sources_then_reset(api: FakeBotAPI, bot: BotProcess) -> None:
    user = 1003
    _ask(api, user, "Who did Ash Carter speak to by telephone?")
    follow = _ask(api, user, "How long did they talk?")
    assert "50-minute" in follow and "<b>[1]</b>" in follow
    sources = _ask(api, user, "/sources")
    assert "Searched for:" in sources and "Ash Carter speak to by telephone" in sources
    assert re.search(rf"<code>{CARTER}:\d+(-\d+)?</code>\n<blockquote>", sources)
    assert "forgotten" in _ask(api, user, "/reset").lower()
    _ask(api, user, "How long did they talk?")
    after = _ask(api, user, "/sources")
    assert "Searched for:" not in after  # no history left to lean on


def test_since_until_and_dated_only_restrict_what_a_chat_searches(
    api: FakeBotAPI, bot: BotProcess
) -> None:
    user, other = 1016, 1017
    assert _ask(api, user, "/dated_only on") == "Searching dated articles."
    assert _ask(api, user, "/since 2030") == "Searching articles published since 1 Jan 2030."
    assert _ask(api, user, "/until 2029") == "1 Jan 2030 is after 31 Dec 2029"
    assert _ask(api, user, "/dated_only maybe") == "say /dated_only on or /dated_only off"
    text = _ask(api, user, "Who did Carter talk to?")
    assert "<i>Searched articles published since 1 Jan 2030.</i>" in text
    assert "Shoigu" not in text
    assert "Shoigu" in _ask(api, other, "Who did Carter talk to?")  # another chat: all
    assert _ask(api, user, "/since off") == "Searching dated articles."
    assert _ask(api, user, "/dated_only off") == "Searching all articles."
    assert "Shoigu" in _ask(api, user, "Who did Carter talk to?")


def test_one_chat_in_order_many_chats_at_once(api: FakeBotAPI, bot: BotProcess) -> None:
    user = 1004
    for q in ("Who did Carter talk to?", "What is the capital of Australia?", "/sources"):
        api.send_text(user, q)
    for other in (1012, 1013, 1014):
        api.send_text(other, "Who did Carter talk to?")
    first, second, third = api.wait_texts(user, 3)[:3]
    assert "Shoigu" in first and second.startswith(REFUSAL_HTML) and "closest passages" in third
    for other in (1012, 1013, 1014):
        assert "Shoigu" in api.wait_texts(other, 1)[0]


def test_unlisted_user_gets_nothing_from_the_corpus(api: FakeBotAPI, bot: BotProcess) -> None:
    time.sleep(1.0)  # let late replies to the previous test's chats arrive first
    since = time.monotonic()
    answered_callbacks = len(api.calls_of("answerCallbackQuery"))
    api.send_text(MALLORY, "Who did Carter talk to?")
    api.send_text(MALLORY, "/start")
    api.send_text(MALLORY, "/sources")
    api.send_text(MALLORY, "/ask Who did Carter talk to?")
    api.push(api.message(MALLORY, "Who did Carter talk to?", edited=True))
    api.callback(MALLORY, MALLORY, "sources:1")
    api.callback(MALLORY, 1002, "sources:1")  # a button under someone else's answer
    api.send_text(
        MALLORY, f"@{BOT_USERNAME} Who did Carter talk to?", chat_id=GROUP, chat_type="group"
    )
    api.send_text(MALLORY, "/ask Who did Carter talk to?", chat_id=GROUP, chat_type="group")
    api.wait_for(
        lambda: len(api.calls_of("answerCallbackQuery")) >= answered_callbacks + 2,
        10,
        "callback answers",
    )
    replies = api.wait_texts(MALLORY, 4)
    time.sleep(1.0)  # anything else the bot might (wrongly) send arrives by now
    assert len(api.texts(MALLORY)) == 4
    assert all("not authorised" in t for t in replies)
    # Only the chats Mallory wrote in could be reached (other tests' chats may still get
    # late replies); of those, only the private one, and only with "not authorised".
    late = [
        c
        for c in api.outgoing()
        if c.at >= since and str(c.params["chat_id"]) in {str(MALLORY), str(GROUP)}
    ]
    assert {str(c.params["chat_id"]) for c in late} == {str(MALLORY)}
    assert not any("Shoigu" in str(c.params["text"]) for c in late)
    assert not [c for c in api.calls_of("sendChatAction", MALLORY)]
    for call in api.calls_of("answerCallbackQuery")[answered_callbacks:]:
        assert call.params.get("text") == "Not authorised."


def test_group_answers_only_when_addressed(api: FakeBotAPI, bot: BotProcess) -> None:
    user, group = 1005, GROUP - 1
    api.send_text(user, "Who did Carter talk to?", chat_id=group, chat_type="group")
    api.send_text(user, "@someone_else Who did Carter talk to?", chat_id=group)
    asked = api.send_text(
        user, f"@{BOT_USERNAME} Who did Ash Carter speak to by telephone?", chat_id=group
    )
    first = api.wait_texts(group, 1)[0]
    assert "Shoigu" in first
    reply = api.calls_of("sendMessage", group)[0]
    assert reply.params["reply_parameters"]["message_id"] == asked  # quotes the asker

    follow = _ask(api, user, f"/ask@{BOT_USERNAME} How long did they talk?", chat_id=group)
    assert "50-minute" in follow
    bot_message = api.calls_of("sendMessage", group)[-1].result["message_id"]
    refused = _ask(
        api, user, "What is the capital of Australia?", chat_id=group, reply_to=bot_message
    )
    assert refused.startswith(REFUSAL_HTML)
    help_text = _ask(api, user, f"/help@{BOT_USERNAME}", chat_id=group)
    assert f"@{BOT_USERNAME}" in help_text and "/ask QUESTION" in help_text
    time.sleep(0.5)
    assert len(api.texts(group)) == 4  # the two messages not meant for the bot got nothing


def test_markup_in_a_question_is_escaped(api: FakeBotAPI, bot: BotProcess) -> None:
    user = 1006
    question = "What did <b>Carter</b> & <script>alert(1)</script> say to Shoigu?"
    _ask(api, user, question)
    sources = _ask(api, user, "/sources")
    assert "&lt;b&gt;Carter&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in sources
    assert question in visible_text(sources)
    assert "<script>" not in sources
    time.sleep(0.5)  # the rest of a /sources reply split into parts arrives first
    assert _ask(api, user, "/nonsense<b>&").startswith("Unknown command /nonsense&lt;b&gt;&amp;")
    assert api.errors == []  # every message the bot sent was well-formed Telegram HTML


def test_huge_question_gets_a_polite_refusal(api: FakeBotAPI, bot: BotProcess) -> None:
    user = 1007
    text = _ask(api, user, "Who did Carter talk to? " * 200)
    assert "4,799 characters" in text and "1,000" in text
    assert "Shoigu" not in text and not api.calls_of("sendChatAction", user)


def test_rate_limit_per_user(api: FakeBotAPI, bot: BotProcess) -> None:
    user = 1008
    for _ in range(6):
        api.send_text(user, "Who did Carter talk to?")
    texts = api.wait_texts(user, 6)
    limited = [t for t in texts if "at most 5 questions a minute" in t]
    assert len(limited) == 1 and sum("Shoigu" in t for t in texts) == 5


def test_retry_after_then_success_sends_one_reply(api: FakeBotAPI, bot: BotProcess) -> None:
    user = 1009
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    text = _ask(api, user, "Who did Carter talk to?")
    assert "Shoigu" in text
    time.sleep(0.5)
    calls = api.calls_of("sendMessage", user)
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0
    # a network error (502) is retried too
    api.fail_next("sendMessage", 502, "Bad Gateway", retry_after=None)
    assert "Shoigu" in _ask(api, user, "Who did Carter talk to?")
    assert [c.status for c in api.calls_of("sendMessage", user)] == [429, 200, 502, 200]


def test_a_reply_taken_but_not_confirmed_is_not_sent_twice(
    api: FakeBotAPI, bot: BotProcess
) -> None:
    user = 1015
    api.delay_next("sendMessage", 7.0)  # past the bot's 5 s read timeout
    api.send_text(user, "Who did Carter talk to?")
    texts = api.wait_texts(user, 2, timeout=40)
    assert "Shoigu" in texts[0]
    assert "did not confirm my reply" in texts[1]
    time.sleep(2)  # a retry would come 0.5 s after the timeout
    assert sum("Shoigu" in t for t in api.texts(user)) == 1


def test_error_is_reported_briefly_and_bot_keeps_running(api: FakeBotAPI, bot: BotProcess) -> None:
    user = 1010
    api.fail_next("sendMessage", 400, "Bad Request: something unexpected", retry_after=None)
    assert "something went wrong" in _ask(api, user, "Who did Carter talk to?")
    assert "Shoigu" in _ask(api, user, "Who did Carter talk to?")


def test_sigterm_stops_cleanly_and_the_token_is_never_logged(
    api: FakeBotAPI, bot: BotProcess
) -> None:
    # remembered for the restart test below
    assert "Shoigu" in _ask(api, 1011, "Who did Ash Carter speak to by telephone?")
    code, seconds = bot.stop(signal.SIGTERM)
    output = bot.output()
    assert code == 0, output
    assert seconds < 8, f"took {seconds:.1f} s to stop"
    assert "Application started" in output and "error while handling an update" in output
    assert "Traceback" in output  # the error handler logged one...
    assert TOKEN not in output and TOKEN.split(":")[1] not in output  # ...without the token
    assert all(c.token == TOKEN for c in api.calls)  # it did use the token


# --- webhook mode, first-run indexing, long replies ----------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    req = urllib.request.Request(url, json.dumps(update).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_restart_in_webhook_mode_keeps_history_checks_secret_splits_replies(
    home: Path, api: FakeBotAPI, bot: BotProcess
) -> None:
    """The same data dir after the polling bot stopped, now served through a webhook."""
    if bot.proc.poll() is None:  # run on its own: make the history first
        _ask(api, 1011, "Who did Ash Carter speak to by telephone?")
        bot.stop()
    web = FakeBotAPI().start()
    port, secret = _free_port(), "hook-Secret_42"
    url = f"http://127.0.0.1:{port}/telegram/hook"
    process = BotProcess(
        home,
        web,
        **_dirs(home),
        QABOT_TOP_K="20",
        QABOT_TELEGRAM_WEBHOOK_URL=url,
        QABOT_TELEGRAM_WEBHOOK_PORT=str(port),
        QABOT_TELEGRAM_WEBHOOK_SECRET=secret,
    )
    updates = iter(range(1, 100))

    def post(user: int, text: str, token: str | None = secret) -> int:
        return _post(url, {"update_id": next(updates), **web.message(user, text)}, token)

    try:
        process.wait_until(web, "setWebhook")
        assert web.webhook["url"] == url and web.webhook["secret_token"] == secret
        assert not web.calls_of("getUpdates")

        # the secret token is checked on every request
        user = 1011
        web.wait_for(lambda: post(user, "/sources", None) == 403, 10, "the webhook server")
        assert post(user, "/sources", "wrong") == 403
        assert web.texts(user) == []

        # history survived the restart: the last answer and follow-ups
        assert post(user, "/sources") == 200
        sources = web.wait_texts(user, 1)[0]
        assert "Ash Carter speak to by telephone" in sources and CARTER in sources
        post(user, "How long did they talk?")
        assert "50-minute" in web.wait_texts(user, 2)[1]

        # a long reply (20 passages behind a refusal) arrives in valid parts that rejoin
        post(user, "What is the capital of Australia?")
        assert web.wait_texts(user, 3)[2].startswith(REFUSAL_HTML)
        post(user, "/sources")
        web.wait_for(lambda: len(web.texts(user)) >= 6, 20, "a long /sources reply")
        time.sleep(1.0)
        parts = web.texts(user)[3:]
        assert web.errors == [] and all(html_problems(p) == [] for p in parts)
        assert len(parts) >= 3 and all(len(p) <= 4096 for p in parts)
        whole = "".join(visible_text(p) for p in parts)
        assert len(whole) > 10_000
        # every passage, rejoined across the parts, is verbatim text of its file
        # `Title — path:lines`, or `path:lines` alone for an article without a title
        heads = list(re.finditer(r"^(?:.* — )?(\S+):(\d+)(?:-\d+)?$", whole, re.M))
        assert len(heads) == 20
        for head, nxt in zip(heads, [*heads[1:], None], strict=True):
            block = whole[head.end() : nxt.start() if nxt else len(whole)].strip()
            text = (home / "corpus" / head.group(1)).read_text(encoding="utf-8")
            assert block in text, block[:100]

        code, seconds = process.stop(signal.SIGINT)
        assert code == 0 and seconds < 8
        assert TOKEN not in process.output() and secret not in process.output()
    finally:
        process.stop(signal.SIGKILL)
        web.stop()


# --- start-up failures ------------------------------------------------------------------------


def _run_bot(
    tmp_path: Path, api: FakeBotAPI, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    full = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("QABOT_", "TELEGRAM_")) or k == "QABOT_MODEL_CACHE_DIR"
    }
    full.update(
        QABOT_TELEGRAM_BASE_URL=api.base_url if api._server is not None else "",
        QABOT_DATA_DIR=str(tmp_path / "data"),
        QABOT_CORPUS_DIR=str(ROOT / "seeds"),
        HF_HUB_OFFLINE="1",
        PYTHONPATH=str(ROOT),
    )
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "qabot", "telegram", *args],
        cwd=tmp_path,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"QABOT_TELEGRAM_ALLOWED_USERS": "*"}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, "QABOT_TELEGRAM_ALLOWED_USERS is not set"),
    ],
)
def test_missing_settings_exit_before_any_network_call(
    tmp_path: Path, env: dict[str, str], needle: str
) -> None:
    api = FakeBotAPI().start()
    try:
        result = _run_bot(tmp_path, api, **env)
    finally:
        api.stop()
    assert result.returncode != 0
    assert needle in result.stderr, result.stderr
    assert api.calls == []
    assert TOKEN not in result.stdout + result.stderr


def test_a_rejected_token_is_not_printed(tmp_path: Path) -> None:
    api = FakeBotAPI(reject_token=True).start()
    try:
        result = _run_bot(
            tmp_path, api, TELEGRAM_BOT_TOKEN=TOKEN, QABOT_TELEGRAM_ALLOWED_USERS="1001"
        )
    finally:
        api.stop()
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "rejected" in output and "[REDACTED]" in output, output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    assert "Traceback" not in output and len(result.stderr.strip().splitlines()) == 1, output
    assert "TELEGRAM_BOT_TOKEN" in result.stderr


@pytest.mark.parametrize("verbose", [False, True])
def test_an_unreachable_bot_api_is_one_line_without_v(tmp_path: Path, verbose: bool) -> None:
    api = FakeBotAPI()  # never started: its address is a closed port
    port = _free_port()
    result = _run_bot(
        tmp_path,
        api,
        *(["-v"] if verbose else []),
        TELEGRAM_BOT_TOKEN=TOKEN,
        QABOT_TELEGRAM_ALLOWED_USERS="1001",
        QABOT_TELEGRAM_BASE_URL=f"http://127.0.0.1:{port}/bot",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert f"cannot reach the Telegram Bot API at http://127.0.0.1:{port}" in result.stderr
    assert "QABOT_TELEGRAM_BASE_URL" in result.stderr
    assert TOKEN.split(":")[1] not in output
    if verbose:
        assert "Traceback" in output, output
    else:
        assert "Traceback" not in output and len(result.stderr.strip().splitlines()) == 1, output

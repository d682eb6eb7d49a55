"""The bot's transport helpers with a real PTB bot over HTTP against the fake Bot API: the
streamed `Reply`, "typing…", retries that never post twice, and the per-user rate limit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest
from botapi_server import FakeBotAPI
from telegram.error import BadRequest, TimedOut
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from qabot.telegram_transport import Reply, RetryingRateLimiter, UserRateLimit, typing

TOKEN = "123456:TEST-token-Zq9xVbN3kLmP7wRt"
CHAT = 77


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    server = FakeBotAPI().start()
    yield server
    server.stop()


def _with_bot(
    api: FakeBotAPI, body: Callable[[ExtBot[None]], Awaitable[None]], read_timeout: float = 5.0
) -> None:
    """Run `body` with a bot that sends through the bot's retry policy, as `qabot telegram`."""

    async def main() -> None:
        async with ExtBot(
            TOKEN,
            base_url=api.base_url,
            request=HTTPXRequest(read_timeout=read_timeout),
            rate_limiter=RetryingRateLimiter(max_retries=3),
        ) as bot:
            await body(bot)

    asyncio.run(main())


# --- the streamed reply -------------------------------------------------------------------------


def test_streamed_tokens_edit_one_message_at_most_once_a_second(api: FakeBotAPI) -> None:
    async def body(bot: ExtBot[None]) -> None:
        reply = Reply(bot, CHAT, None)

        def produce() -> None:
            for i in range(25):
                reply.on_token(f"word{i} <&> ")
                time.sleep(0.1)

        await asyncio.to_thread(produce)
        await reply.finish("<b>Final</b> answer [1]")

    _with_bot(api, body)
    sends = api.calls_of("sendMessage", CHAT)
    edits = api.calls_of("editMessageText", CHAT)
    assert len(sends) == 1 and len(edits) >= 2 and api.errors == []
    assert "word0 &lt;&amp;&gt;" in sends[0].params["text"]
    times = [c.at for c in sends + edits[:-1]]  # the final edit is not throttled
    assert all(b - a >= 0.95 for a, b in zip(times, times[1:], strict=False))
    assert edits[-1].params["text"] == "<b>Final</b> answer [1]"
    assert len(api.messages) == 1  # one message, edited in place


def test_a_long_final_answer_is_split_with_the_button_under_the_last_part(
    api: FakeBotAPI,
) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Sources", callback_data="s:1")]])
    html = "\n\n".join(f"<b>Paragraph {i}.</b> " + "word " * 150 for i in range(20))

    async def body(bot: ExtBot[None]) -> None:
        await Reply(bot, CHAT, reply_to=5).finish(html, keyboard)

    _with_bot(api, body)
    sends = api.calls_of("sendMessage", CHAT)
    assert len(sends) >= 3 and api.errors == []
    assert [("reply_markup" in c.params) for c in sends] == [False] * (len(sends) - 1) + [True]
    assert all(c.params["reply_parameters"]["message_id"] == 5 for c in sends)
    assert not api.calls_of("editMessageText")  # nothing streamed: nothing to replace


def test_typing_shows_until_the_block_ends(api: FakeBotAPI) -> None:
    async def body(bot: ExtBot[None]) -> None:
        async with typing(bot, CHAT):
            await asyncio.sleep(0.3)
        assert asyncio.all_tasks() == {asyncio.current_task()}  # the typing loop is gone

    _with_bot(api, body)
    (action,) = api.calls_of("sendChatAction", CHAT)
    assert action.params["action"] == "typing"


# --- retries -------------------------------------------------------------------------------------


def test_flood_control_and_server_errors_are_retried(api: FakeBotAPI) -> None:
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    api.fail_next("sendMessage", 502, "Bad Gateway", retry_after=None)

    async def body(bot: ExtBot[None]) -> None:
        await bot.send_message(CHAT, "one")

    _with_bot(api, body)
    calls = api.calls_of("sendMessage", CHAT)
    assert [c.status for c in calls] == [429, 502, 200]
    assert calls[1].at - calls[0].at >= 1.0  # the flood wait was honoured
    assert api.texts(CHAT) == ["one"]


def test_a_send_that_may_have_arrived_is_not_sent_again(api: FakeBotAPI) -> None:
    api.delay_next("sendMessage", 1.5)  # taken at once, confirmed after the read timeout
    api.delay_next("sendChatAction", 1.5)

    async def body(bot: ExtBot[None]) -> None:
        with pytest.raises(TimedOut):
            await bot.send_message(CHAT, "once")
        await bot.send_chat_action(CHAT, "typing")  # idempotent: retried until confirmed

    _with_bot(api, body, read_timeout=0.5)
    time.sleep(1.5)  # a wrong retry would have arrived by now
    assert len(api.calls_of("sendMessage", CHAT)) == 1
    assert len(api.calls_of("sendChatAction", CHAT)) == 2


def test_a_bad_request_is_not_retried(api: FakeBotAPI) -> None:
    api.fail_next("sendMessage", 400, "Bad Request: something unexpected", retry_after=None)

    async def body(bot: ExtBot[None]) -> None:
        with pytest.raises(BadRequest, match="(?i)something unexpected"):
            await bot.send_message(CHAT, "x")

    _with_bot(api, body)
    assert [c.status for c in api.calls_of("sendMessage", CHAT)] == [400]


# --- the per-user rate limit ---------------------------------------------------------------------


def test_user_rate_limit_window() -> None:
    limit = UserRateLimit(2, period=60)
    assert limit.wait(1, now=0) == 0 and limit.wait(1, now=1) == 0
    assert limit.wait(1, now=2) == pytest.approx(58)
    assert limit.wait(2, now=2) == 0  # per user
    assert limit.wait(1, now=60.5) == 0

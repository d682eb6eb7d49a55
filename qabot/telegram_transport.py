"""How the bot's messages leave and how fast questions may come: the streamed `Reply`, the
"typing…" action, retries that never post a message twice, and the per-user rate limit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import httpx
from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import AIORateLimiter

from qabot import telegram_format as fmt

logger = logging.getLogger(__name__)

NETWORK_RETRIES = 3
STREAM_EDIT_INTERVAL = 1.0  # seconds between edits of a streamed answer
TYPING_INTERVAL = 4.0  # a chat action lasts about 5 s


# --- retries and the rate limit ---------------------------------------------------------------


def safe_to_retry(endpoint: str, error: NetworkError) -> bool:
    """Whether calling `endpoint` again cannot post something twice.

    Edits, reads and chat actions are idempotent. A send is retried only when Telegram
    cannot have it: it answered with an error status, or the connection never opened. After a
    read timeout or a broken connection the message may have arrived, so it is not resent.
    """
    if endpoint == "sendChatAction" or not endpoint.startswith(("send", "forward", "copy")):
        return True
    cause = error.__cause__
    if cause is None:
        return not isinstance(error, TimedOut)  # an HTTP error status from the server
    return isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


class RetryingRateLimiter(AIORateLimiter):
    """PTB's flood limiter (which retries RetryAfter) that also retries network errors
    where a retry cannot post a message twice (`safe_to_retry`)."""

    async def process_request(  # type: ignore[override]
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        for attempt in range(NETWORK_RETRIES + 1):
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except NetworkError as exc:
                if attempt == NETWORK_RETRIES or not safe_to_retry(endpoint, exc):
                    raise
                delay = 0.5 * 2**attempt
                logger.warning("%s failed (%s); retrying in %.1f s", endpoint, exc, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")


class UserRateLimit:
    """At most `limit` questions per user in any `period` seconds."""

    def __init__(self, limit: int, period: float = 60.0) -> None:
        self.limit = limit
        self.period = period
        self._times: dict[int, deque[float]] = {}

    def wait(self, user_id: int, now: float | None = None) -> float:
        """0 and count the question if allowed; else seconds until the next is allowed."""
        now = time.monotonic() if now is None else now
        times = self._times.setdefault(user_id, deque())
        while times and now - times[0] >= self.period:
            times.popleft()
        if len(times) >= self.limit:
            return self.period - (now - times[0])
        times.append(now)
        return 0.0


# --- replies -----------------------------------------------------------------------------------


class Reply:
    """One answer on its way to a chat: a streamed preview (edited at most once a second),
    replaced by the final, checked answer."""

    def __init__(self, bot: Any, chat_id: int, reply_to: int | None) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.reply_to = reply_to
        self.loop = asyncio.get_running_loop()
        self.chunks: list[str] = []
        self.message_id: int | None = None
        self._changed = asyncio.Event()
        self._finished = asyncio.Event()
        self._done = False
        self._task: asyncio.Task[None] | None = None

    def on_token(self, chunk: str) -> None:
        """Called from the worker thread while the answerer streams."""
        self.loop.call_soon_threadsafe(self._push, chunk)

    def _push(self, chunk: str) -> None:
        self.chunks.append(chunk)
        self._changed.set()
        if self._task is None and not self._done:
            self._task = asyncio.create_task(self._stream())

    async def _stream(self) -> None:
        last = 0.0
        while True:
            await self._changed.wait()
            delay = last + STREAM_EDIT_INTERVAL - self.loop.time()
            if delay > 0 and not self._done:
                # throttle edits, but let the final answer through at once
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._finished.wait(), delay)
            if self._done:
                return
            self._changed.clear()
            text = fmt.preview("".join(self.chunks))
            try:
                if self.message_id is None:
                    message = await self._send(text)
                    self.message_id = message.message_id
                else:
                    await self._edit(self.message_id, text)
            except TelegramError as exc:
                logger.warning("could not update the streamed answer: %s", exc)
            last = self.loop.time()

    async def _send(self, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
        reply = (
            ReplyParameters(self.reply_to, allow_sending_without_reply=True)
            if self.reply_to is not None
            else None
        )
        return await self.bot.send_message(
            self.chat_id,
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_parameters=reply,
            reply_markup=markup,
        )

    async def _edit(
        self, message_id: int, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        try:
            await self.bot.edit_message_text(
                text,
                chat_id=self.chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                reply_markup=markup,
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise

    def _stop(self) -> None:
        self._done = True
        self._finished.set()
        self._changed.set()

    async def finish(self, markup_html: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
        """Send the final text (split to fit), replacing the streamed preview if there was one."""
        self._stop()
        if self._task is not None:
            await self._task
        parts = fmt.split_html(markup_html) or ["…"]
        for i, part in enumerate(parts):
            markup = keyboard if i == len(parts) - 1 else None
            if i == 0 and self.message_id is not None:
                await self._edit(self.message_id, part, markup)
            else:
                await self._send(part, markup)

    async def close(self) -> None:
        """Stop streaming without sending anything more (the question failed)."""
        self._stop()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task


@contextlib.asynccontextmanager
async def typing(bot: Any, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" in the chat until the block ends."""

    async def loop() -> None:
        while True:
            try:
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramError as exc:
                logger.debug("chat action failed: %s", exc)
            await asyncio.sleep(TYPING_INTERVAL)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

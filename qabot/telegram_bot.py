"""The Telegram front end: a python-telegram-bot Application that renders `QA.ask` answers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from qabot import telegram_format as fmt
from qabot.chat_store import ChatStore
from qabot.domain import Answer
from qabot.settings import Settings

if TYPE_CHECKING:
    from qabot.qa import QA

logger = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
_TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")
NETWORK_RETRIES = 3
STREAM_EDIT_INTERVAL = 1.0  # seconds between edits of a streamed answer
TYPING_INTERVAL = 4.0  # a chat action lasts about 5 s
COMMANDS = [
    BotCommand("start", "What I know and how to ask"),
    BotCommand("help", "What I know and how to ask"),
    BotCommand("ask", "Ask a question: /ask QUESTION"),
    BotCommand("sources", "The full passages behind the last answer"),
    BotCommand("reset", "Forget this conversation"),
    BotCommand("whoami", "Your numeric user id (for the allowlist)"),
]
PROBE_RETRIES = 3  # attempts to reach the Bot API at start, before giving up with one line


class TelegramConfigError(Exception):
    """The bot cannot start as configured (missing token or allowlist); says what to set."""


# --- configuration and secrets ---------------------------------------------------------------


def parse_allowlist(value: str) -> frozenset[int] | None:
    """User ids allowed to ask, or None when everyone is (`*`); empty or malformed fails."""
    value = value.strip()
    if value == "*":
        return None
    if not value:
        raise TelegramConfigError(
            "QABOT_TELEGRAM_ALLOWED_USERS is not set: set it to a comma list of numeric "
            "Telegram user ids (e.g. 12345,67890), or to * to let everyone ask."
        )
    ids = set()
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        if not re.fullmatch(r"\d+", item):
            raise TelegramConfigError(
                f"QABOT_TELEGRAM_ALLOWED_USERS: {item!r} is not a numeric user id "
                "(use a comma list of ids, or *)."
            )
        ids.add(int(item))
    if not ids:
        raise TelegramConfigError("QABOT_TELEGRAM_ALLOWED_USERS lists no user ids.")
    return frozenset(ids)


def check_config(settings: Settings) -> tuple[str, frozenset[int] | None]:
    """The token and allowlist, or a TelegramConfigError naming the variable to set."""
    secret = settings.telegram_bot_token
    token = secret.get_secret_value().strip() if secret is not None else ""
    if not token:
        raise TelegramConfigError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its token "
            "in the environment or in .env."
        )
    if not _TOKEN_SHAPE.fullmatch(token):
        raise TelegramConfigError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters, "
            "digits, - or _)."
        )
    return token, parse_allowlist(settings.telegram_allowed_users)


class Redactor(logging.Filter):
    """Replaces secrets (the bot token, the webhook secret) in log records, tracebacks too."""

    def __init__(self, secrets_: Sequence[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets_ if s]

    def redact(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, "[REDACTED]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is still logged, redacted
            message = str(record.msg)
        redacted = self.redact(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def install(self) -> None:
        """Filter every handler of the root logger (and the last-resort one)."""
        logging.captureWarnings(True)
        for handler in [*logging.getLogger().handlers, logging.lastResort]:
            if handler is not None and self not in handler.filters:
                handler.addFilter(self)
        # httpx logs every request URL at INFO, and the URL carries the token
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).setLevel(logging.WARNING)


# --- outgoing requests -------------------------------------------------------------------------


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
    import httpx

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
async def typing(bot: Any, chat_id: int):  # type: ignore[no-untyped-def]
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


# --- the bot -----------------------------------------------------------------------------------


class QABot:
    """Handlers and state of the bot: who may ask, per-chat order, history, rate limits."""

    def __init__(
        self,
        settings: Settings,
        make_qa: Callable[[], QA],
        store: ChatStore,
        allowed: frozenset[int] | None,
    ) -> None:
        self.settings = settings
        self._make_qa = make_qa
        self._qa: QA | None = None
        self.store = store
        self.allowed = allowed
        self.rate = UserRateLimit(settings.telegram_rate_limit)
        self._chat_locks: dict[int, asyncio.Lock] = {}

    # --- wiring ---------------------------------------------------------------------------
    def build(self, token: str) -> Application:
        app = (
            Application.builder()
            .token(token)
            .base_url(self.settings.telegram_base_url)
            .rate_limiter(RetryingRateLimiter(max_retries=3))
            .concurrent_updates(True)
            .post_init(self._post_init)
            .post_shutdown(self._post_shutdown)
            .build()
        )
        app.add_handler(TypeHandler(Update, self.gate), group=-1)
        new_message = filters.UpdateType.MESSAGE  # edits of earlier messages are not re-asked
        for names, callback in (
            (["start", "help"], self.cmd_help),
            (["ask"], self.cmd_ask),
            (["sources"], self.cmd_sources),
            (["reset"], self.cmd_reset),
        ):
            app.add_handler(CommandHandler(names, callback, filters=new_message))
        app.add_handler(CallbackQueryHandler(self.on_callback))
        private = filters.ChatType.PRIVATE & new_message
        app.add_handler(MessageHandler(private & filters.COMMAND, self.unknown_command))
        app.add_handler(MessageHandler(private & filters.TEXT, self.on_private_text))
        app.add_handler(MessageHandler(private & ~filters.TEXT, self.not_text))
        app.add_handler(
            MessageHandler(
                filters.ChatType.GROUPS & new_message & filters.TEXT & ~filters.COMMAND,
                self.on_group_text,
            )
        )
        app.add_error_handler(self.on_error)
        return app

    async def _post_init(self, app: Application) -> None:
        await app.bot.set_my_commands(COMMANDS)
        # the heavy part comes after getMe and setMyCommands, so a bad token fails fast
        self._qa = await asyncio.to_thread(self._make_qa)
        report = await asyncio.to_thread(self.qa.ensure_index)
        if report is not None:
            logger.info("indexed %s: %d passages", self.settings.corpus_dir, report.total_passages)
        await asyncio.to_thread(self.qa.warm_up)
        articles, _ = self.qa.stats()
        allowed = "everyone" if self.allowed is None else ", ".join(map(str, sorted(self.allowed)))
        # one line for the operator, with or without -v
        print(
            f"serving {articles} article{'s' * (articles != 1)} as @{app.bot.username}; "
            f"allowed: {allowed}",
            flush=True,
        )

    async def _post_shutdown(self, app: Application) -> None:
        self.store.close()
        logger.info("stopped; chat histories saved in %s", self.store.path)

    @property
    def qa(self) -> QA:
        if self._qa is None:
            raise RuntimeError("the bot is not initialised yet")
        return self._qa

    # --- access ------------------------------------------------------------------------------
    def is_allowed(self, user_id: int | None) -> bool:
        if user_id is None:
            return False
        return self.allowed is None or user_id in self.allowed

    async def gate(self, update: object, context: Context) -> None:
        """Runs first for every update; anything not from a listed user stops here (fail closed)."""
        if not isinstance(update, Update):
            raise ApplicationHandlerStop
        user = update.effective_user
        if user is not None and self._is_whoami(update, context.bot.username or ""):
            await self.whoami(update)
            raise ApplicationHandlerStop
        if user is not None and self.is_allowed(user.id):
            return
        logger.info("ignored an update from an unlisted user (%s)", user.id if user else "none")
        try:
            if update.callback_query is not None:
                await update.callback_query.answer("Not authorised.")
            elif (
                update.message is not None
                and update.message.chat.type == ChatType.PRIVATE
                and user is not None
            ):
                await update.message.reply_text(
                    f"Sorry, you are not authorised to use this bot. Your user id is {user.id}; "
                    "its operator can add it to QABOT_TELEGRAM_ALLOWED_USERS."
                )
        except TelegramError as exc:
            logger.warning("could not tell an unlisted user so: %s", exc)
        raise ApplicationHandlerStop

    def _is_whoami(self, update: Update, username: str) -> bool:
        """Whether this is a new `/whoami` (or `/whoami@thisbot`): anyone may ask it in a
        private chat, listed users in groups too."""
        message, user = update.message, update.effective_user
        if message is None or user is None or not message.text:
            return False
        command, _, target = message.text.split()[0].partition("@")
        if command.lower() != "/whoami" or (target and target.lower() != username.lower()):
            return False
        return message.chat.type == ChatType.PRIVATE or self.is_allowed(user.id)

    async def whoami(self, update: Update) -> None:
        """Tell users their numeric id, and whether they may ask."""
        message, user = update.message, update.effective_user
        assert message is not None and user is not None
        if self.is_allowed(user.id):
            status = "You are on this bot's allowlist."
        else:
            status = (
                "You are not on this bot's allowlist yet; its operator can add this id to "
                "QABOT_TELEGRAM_ALLOWED_USERS."
            )
        try:
            await message.reply_text(
                f"Your Telegram user id is {user.id}. {status}",
                do_quote=message.chat.type != ChatType.PRIVATE,
            )
        except TelegramError as exc:
            logger.warning("could not answer /whoami: %s", exc)

    def _lock(self, chat_id: int) -> asyncio.Lock:
        return self._chat_locks.setdefault(chat_id, asyncio.Lock())

    # --- commands ----------------------------------------------------------------------------
    def help_text(self, group: bool, username: str) -> str:
        passages = self.qa.index.passages
        docs = sorted({(p.source, p.title) for p in passages.values()})
        how = (
            f"In this group, mention me (@{fmt.escape(username)}) with your question, reply to "
            "one of my messages, or use <code>/ask QUESTION</code>."
            if group
            else "Send me a question in plain words; follow-up questions are fine."
        )
        example = (
            f"For example, ask about “{fmt.escape(docs[0][1] or docs[0][0])}”." if docs else ""
        )
        lines = [
            f"I answer questions about a collection of {len(docs)} news article"
            f"{'s' if len(docs) != 1 else ''} ({len(passages)} passages). Every answer quotes "
            "and cites the passages it comes from, and when the articles do not say, I say so.",
            "",
            how,
            example,
            "",
            "/ask QUESTION — ask a question",
            "/sources — the full passages behind the last answer, with file and lines",
            "/reset — forget this conversation",
            "/whoami — your numeric user id",
            "/help — this text",
        ]
        return "\n".join(lines)

    async def cmd_help(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        message = update.effective_message
        if chat is None or message is None:
            return
        group = chat.type != ChatType.PRIVATE
        await message.reply_html(self.help_text(group, context.bot.username), do_quote=group)

    async def cmd_ask(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None:
            return
        question = " ".join(context.args or [])
        if not question.strip():
            await message.reply_html(
                "Put the question after the command: <code>/ask Who did Carter talk to?</code>"
            )
            return
        await self.answer(update, context, question)

    async def cmd_sources(self, update: Update, context: Context) -> None:
        chat, message = update.effective_chat, update.effective_message
        if chat is None or message is None:
            return
        async with self._lock(chat.id):
            answer = self.store.last_answer(chat.id)
            await self._send_sources(context, chat.id, answer, message.message_id)

    async def _send_sources(
        self, context: Context, chat_id: int, answer: Answer | None, reply_to: int | None
    ) -> None:
        await Reply(context.bot, chat_id, reply_to).finish(fmt.render_sources(answer))

    async def cmd_reset(self, update: Update, context: Context) -> None:
        chat, message = update.effective_chat, update.effective_message
        if chat is None or message is None:
            return
        async with self._lock(chat.id):
            dropped = self.store.reset(chat.id)
        logger.info("chat %s reset (%d turns dropped)", chat.id, dropped)
        await message.reply_text("Conversation forgotten; the next question starts afresh.")

    async def unknown_command(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        name = message.text.split()[0]
        await message.reply_html(f"Unknown command {fmt.escape(name)}; /help lists them.")

    async def not_text(self, update: Update, context: Context) -> None:
        if update.effective_message is not None:
            await update.effective_message.reply_text("I answer questions asked in text.")

    async def on_callback(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        data = query.data or ""
        chat_id = query.message.chat.id if query.message is not None else None
        if not data.startswith("sources:") or chat_id is None:
            await query.answer()
            return
        await query.answer()
        async with self._lock(chat_id):
            turn = int(data.partition(":")[2] or 0)
            answer = self.store.answer(chat_id, turn)
            if answer is None:
                await context.bot.send_message(
                    chat_id, "That answer is no longer kept; ask again to see its sources."
                )
                return
            await self._send_sources(context, chat_id, answer, None)

    # --- questions ---------------------------------------------------------------------------
    async def on_private_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await self.answer(update, context, message.text)

    def _addressed(self, message: Message, bot_id: int, username: str) -> str | None:
        """The question in a group message meant for the bot (a mention, or a reply to the
        bot), with the mention removed; None when the message is not for the bot."""
        text = message.text or ""
        mentioned = False
        for entity, value in message.parse_entities(
            [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
        ).items():
            is_me = (
                entity.type == MessageEntity.MENTION
                and value.lstrip("@").lower() == username.lower()
            ) or (entity.user is not None and entity.user.id == bot_id)
            if is_me:
                mentioned = True
                text = text.replace(value, " ")
        replied = message.reply_to_message
        to_me = replied is not None and replied.from_user is not None
        if mentioned or (to_me and replied.from_user.id == bot_id):  # type: ignore[union-attr]
            return " ".join(text.split())
        return None

    async def on_group_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None:
            return
        question = self._addressed(message, context.bot.id, context.bot.username or "")
        if question is None:
            return
        if not question:
            await message.reply_text("Yes? Ask me a question about the news articles.")
            return
        await self.answer(update, context, question)

    async def answer(self, update: Update, context: Context, question: str) -> None:
        """Check limits, then answer in this chat's turn, off the event loop."""
        chat, message, user = update.effective_chat, update.effective_message, update.effective_user
        if chat is None or message is None or user is None:
            return
        group = chat.type != ChatType.PRIVATE
        question = question.strip()
        limit = self.settings.telegram_max_question_chars
        if len(question) > limit:
            await message.reply_text(
                f"Sorry, that question is {len(question):,} characters long; please keep "
                f"questions under {limit:,} characters.",
                do_quote=group,
            )
            return
        wait = self.rate.wait(user.id)
        if wait > 0:
            await message.reply_text(
                f"You are asking faster than I can keep up with (at most "
                f"{self.settings.telegram_rate_limit} questions a minute). "
                f"Please try again in {max(1, round(wait))} s.",
                do_quote=group,
            )
            return
        async with self._lock(chat.id):
            reply = Reply(context.bot, chat.id, message.message_id if group else None)
            try:
                async with typing(context.bot, chat.id):
                    history = self.store.history(chat.id)
                    result = await asyncio.to_thread(
                        self.qa.ask, question, history, None, reply.on_token
                    )
            except BaseException:
                await reply.close()
                raise
            turn = self.store.add(chat.id, question, result)
            keyboard = None
            if result.citations:
                keyboard = InlineKeyboardMarkup(
                    [[InlineKeyboardButton("Sources", callback_data=f"sources:{turn}")]]
                )
            await reply.finish(fmt.render_answer(result), keyboard)
            logger.info(
                "chat %s: answered in %.0f ms (%s)",
                chat.id,
                result.latency_ms,
                "refused" if result.refused else f"{len(result.citations)} citations",
            )

    # --- errors ------------------------------------------------------------------------------
    async def on_error(self, update: object, context: Context) -> None:
        """Log with the traceback, then tell the user something short; the bot keeps running."""
        error = context.error
        if update is None and isinstance(error, NetworkError):
            logger.warning("network error while polling: %s", error)
            return
        logger.error("error while handling an update", exc_info=error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        user = update.effective_user
        if not self.is_allowed(user.id if user else None):
            return
        text = (
            "Telegram did not confirm my reply in time. If you do not see it above, please ask "
            "again."
            if isinstance(error, TimedOut)
            else "Sorry, something went wrong while answering that. Please try again."
        )
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(update.effective_chat.id, text)


# --- entry point -------------------------------------------------------------------------------


def _webhook_path(url: str) -> str:
    return urlparse(url).path.strip("/")


async def _probe(token: str, base_url: str, redactor: Redactor) -> str:
    """The bot's username, from one `getMe`, retried a few times on network errors; a
    TelegramConfigError of one line when the Bot API cannot be reached or rejects the token."""
    for attempt in range(PROBE_RETRIES):
        try:
            async with Bot(token, base_url=base_url) as bot:
                return bot.username
        except InvalidToken as exc:
            logger.info("getMe rejected", exc_info=True)
            raise TelegramConfigError(
                f"Telegram rejected the bot token ({redactor.redact(str(exc))}): check "
                "TELEGRAM_BOT_TOKEN (from @BotFather)"
            ) from None
        except NetworkError as exc:
            logger.info("cannot reach the Bot API (attempt %d)", attempt + 1, exc_info=True)
            if attempt + 1 == PROBE_RETRIES:
                where = base_url.removesuffix("/bot")
                raise TelegramConfigError(
                    f"cannot reach the Telegram Bot API at {where} "
                    f"({redactor.redact(str(exc))}): check the network or "
                    "QABOT_TELEGRAM_BASE_URL"
                ) from None
            await asyncio.sleep(0.5 * 2**attempt)
        except TelegramError as exc:
            logger.info("getMe failed", exc_info=True)
            raise TelegramConfigError(
                f"Telegram refused to start the bot: {redactor.redact(str(exc))}"
            ) from None
    raise AssertionError("unreachable")


def run(settings: Settings) -> None:
    """Serve the bot until SIGINT/SIGTERM: polling, or a webhook when one is configured."""
    token, allowed = check_config(settings)
    webhook_secret = ""
    if settings.telegram_webhook_url:
        given = settings.telegram_webhook_secret
        webhook_secret = given.get_secret_value() if given else secrets.token_urlsafe(32)
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", webhook_secret):
            raise TelegramConfigError(
                "QABOT_TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ or -."
            )
    redactor = Redactor([token, webhook_secret])
    redactor.install()

    def make_qa() -> QA:
        from qabot.qa import QA  # heavy: the model stack

        return QA(settings)

    # Reach Telegram first: an unreachable server or a rejected token is one line, at once.
    asyncio.run(_probe(token, settings.telegram_base_url, redactor))
    try:
        store = ChatStore(settings.data_dir / "telegram" / "chats.sqlite3", settings.history_turns)
        app = QABot(settings, make_qa, store, allowed).build(token)
        logger.info(
            "starting (%s); allowed users: %s",
            "webhook" if settings.telegram_webhook_url else "polling",
            "everyone" if allowed is None else ", ".join(map(str, sorted(allowed))),
        )
        if settings.telegram_webhook_url:
            app.run_webhook(
                listen=settings.telegram_webhook_listen,
                port=settings.telegram_webhook_port,
                url_path=_webhook_path(settings.telegram_webhook_url),
                webhook_url=settings.telegram_webhook_url,
                secret_token=webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            )
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=3)
    except TelegramError as exc:
        raise TelegramConfigError(
            f"Telegram refused to start the bot: {redactor.redact(str(exc))}"
        ) from None
    except Exception as exc:
        text = str(exc)
        if redactor.redact(text) != text:
            raise TelegramConfigError(redactor.redact(text)) from None
        raise

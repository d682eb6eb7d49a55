"""The Telegram front end: the handlers that turn updates into `QA.ask` calls and render the
answers, and `run`, which serves them by polling or a webhook."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from qabot import telegram_format as fmt
from qabot.chat_store import ChatStore
from qabot.date_filter import DateError
from qabot.domain import Answer
from qabot.process import redact_logs
from qabot.settings import Settings
from qabot.telegram_access import Gate
from qabot.telegram_config import TelegramConfigError, check_config, probe
from qabot.telegram_transport import Reply, RetryingRateLimiter, UserRateLimit, typing
from qabot.text import one_line

if TYPE_CHECKING:
    from qabot.qa import QA

logger = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
COMMANDS = [
    BotCommand("start", "What I know and how to ask"),
    BotCommand("help", "What I know and how to ask"),
    BotCommand("ask", "Ask a question: /ask QUESTION"),
    BotCommand("sources", "The full passages behind the last answer"),
    BotCommand("reset", "Forget this conversation"),
    BotCommand("since", "Search only articles published from a date on: /since 2022-06"),
    BotCommand("until", "Search only articles published up to a date: /until 2022"),
    BotCommand("dated_only", "Leave out articles with no known date: /dated_only on|off"),
    BotCommand("whoami", "Your numeric user id (for the allowlist)"),
]


# --- the bot -----------------------------------------------------------------------------------


class QABot:
    """Handlers and state of the bot: the gate, per-chat order, history, rate limits."""

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
        self.gate = Gate(allowed)
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
        app.add_handler(TypeHandler(Update, self.gate.check), group=-1)
        new_message = filters.UpdateType.MESSAGE  # edits of earlier messages are not re-asked
        for names, callback in (
            (["start", "help"], self.cmd_help),
            (["ask"], self.cmd_ask),
            (["sources"], self.cmd_sources),
            (["reset"], self.cmd_reset),
            (["since", "until", "dated_only"], self.cmd_dates),
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
        # one line for the operator, with or without -v
        print(
            f"serving {articles} article{'s' * (articles != 1)} as @{app.bot.username}; "
            f"allowed: {self.gate.listed()}",
            flush=True,
        )

    async def _post_shutdown(self, app: Application) -> None:
        await asyncio.to_thread(self.store.close)
        logger.info("stopped; chat histories saved in %s", self.store.path)

    @property
    def qa(self) -> QA:
        if self._qa is None:
            raise RuntimeError("the bot is not initialised yet")
        return self._qa

    def _lock(self, chat_id: int) -> asyncio.Lock:
        return self._chat_locks.setdefault(chat_id, asyncio.Lock())

    # --- commands ----------------------------------------------------------------------------
    async def cmd_help(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        message = update.effective_message
        if chat is None or message is None:
            return
        group = chat.type != ChatType.PRIVATE
        text = fmt.render_help(self.qa.articles(), self.qa.stats()[1], group, context.bot.username)
        await message.reply_html(text, do_quote=group)

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
            answer = await asyncio.to_thread(self.store.last_answer, chat.id)
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
            dropped = await asyncio.to_thread(self.store.reset, chat.id)
        logger.info("chat %s reset (%d turns dropped)", chat.id, dropped)
        await message.reply_text("Conversation forgotten; the next question starts afresh.")

    async def cmd_dates(self, update: Update, context: Context) -> None:
        """/since DATE, /until DATE (or off), /dated_only on|off: what this chat searches."""
        chat, message = update.effective_chat, update.effective_message
        if chat is None or message is None or not message.text:
            return
        command = message.text.split()[0].split("@")[0]  # "/since@qabot_bot" in a group
        group = chat.type != ChatType.PRIVATE
        async with self._lock(chat.id):
            dates = await asyncio.to_thread(self.store.dates, chat.id)
            try:
                dates = dates.restricted(command, " ".join(context.args or []))
            except DateError as exc:
                await message.reply_text(str(exc), do_quote=group)
                return
            await asyncio.to_thread(self.store.set_dates, chat.id, dates)
        await message.reply_text(dates.searching(), do_quote=group)

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
            answer = await asyncio.to_thread(self.store.answer, chat_id, turn)
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
            return one_line(text)
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
                    history = await asyncio.to_thread(self.store.history, chat.id)
                    dates = await asyncio.to_thread(self.store.dates, chat.id)
                    result = await asyncio.to_thread(
                        self.qa.ask, question, history, None, reply.on_token, dates or None
                    )
            except BaseException:
                await reply.close()
                raise
            turn = await asyncio.to_thread(self.store.add, chat.id, question, result)
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
        if not self.gate.is_allowed(user.id if user else None):
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


def run(settings: Settings) -> None:
    """Serve the bot until SIGINT/SIGTERM: polling, or a webhook when one is configured."""
    config = check_config(settings)
    redactor = redact_logs(config.secrets)

    def make_qa() -> QA:
        from qabot.qa import QA  # heavy: the model stack

        return QA(settings)

    # Reach Telegram first: an unreachable server or a rejected token is one line, at once.
    asyncio.run(probe(config, settings.telegram_base_url))
    try:
        store = ChatStore(settings.data_dir / "telegram" / "chats.sqlite3", settings.history_turns)
        bot = QABot(settings, make_qa, store, config.allowed)
        app = bot.build(config.token)
        logger.info(
            "starting (%s); allowed users: %s",
            "webhook" if settings.telegram_webhook_url else "polling",
            bot.gate.listed(),
        )
        if settings.telegram_webhook_url:
            app.run_webhook(
                listen=settings.telegram_webhook_listen,
                port=settings.telegram_webhook_port,
                url_path=urlparse(settings.telegram_webhook_url).path.strip("/"),
                webhook_url=settings.telegram_webhook_url,
                secret_token=config.webhook_secret,
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

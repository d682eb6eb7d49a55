"""Who may use the bot. It fails closed: an update from a user not on the allowlist stops at
the gate, before any handler runs; the one exception is `/whoami`, which tells anyone their id."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

logger = logging.getLogger(__name__)


class Gate:
    """The first handler of every update (`allowed` None: everyone is listed)."""

    def __init__(self, allowed: frozenset[int] | None) -> None:
        self.allowed = allowed

    def listed(self) -> str:
        """Who may ask, for the operator: `everyone`, or the user ids."""
        return "everyone" if self.allowed is None else ", ".join(map(str, sorted(self.allowed)))

    def is_allowed(self, user_id: int | None) -> bool:
        if user_id is None:
            return False
        return self.allowed is None or user_id in self.allowed

    async def check(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
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

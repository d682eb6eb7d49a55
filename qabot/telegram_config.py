"""What the bot needs before it serves: a token the Bot API accepts, an allowlist, and a webhook
secret when it uses a webhook; each missing or wrong one is one line naming what to set."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from dataclasses import dataclass

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

from qabot.errors import QabotError
from qabot.redaction import redact
from qabot.settings import Settings

logger = logging.getLogger(__name__)

_TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")
PROBE_RETRIES = 3  # attempts to reach the Bot API at start, before giving up with one line


class TelegramConfigError(QabotError):
    """The bot cannot start as configured (missing token or allowlist); says what to set."""


@dataclass(frozen=True)
class BotConfig:
    token: str
    allowed: frozenset[int] | None  # None: everyone may ask
    webhook_secret: str  # "" when polling

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never reach a log or a message."""
        return (self.token, self.webhook_secret)


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


def check_config(settings: Settings) -> BotConfig:
    """The token, allowlist and webhook secret, or a TelegramConfigError naming the variable
    to set; nothing here contacts Telegram."""
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
    allowed = parse_allowlist(settings.telegram_allowed_users)
    webhook_secret = ""
    if settings.telegram_webhook_url:
        given = settings.telegram_webhook_secret
        webhook_secret = given.get_secret_value() if given else secrets.token_urlsafe(32)
        if not _WEBHOOK_SECRET_SHAPE.fullmatch(webhook_secret):
            raise TelegramConfigError(
                "QABOT_TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ or -."
            )
    return BotConfig(token, allowed, webhook_secret)


async def probe(config: BotConfig, base_url: str) -> str:
    """The bot's username, from one `getMe`, retried a few times on network errors; a
    TelegramConfigError of one line when the Bot API cannot be reached or rejects the token."""
    for attempt in range(PROBE_RETRIES):
        try:
            async with Bot(config.token, base_url=base_url) as bot:
                return bot.username
        except InvalidToken as exc:
            logger.info("getMe rejected", exc_info=True)
            raise TelegramConfigError(
                f"Telegram rejected the bot token ({redact(str(exc), config.secrets)}): check "
                "TELEGRAM_BOT_TOKEN (from @BotFather)"
            ) from None
        except NetworkError as exc:
            logger.info("cannot reach the Bot API (attempt %d)", attempt + 1, exc_info=True)
            if attempt + 1 == PROBE_RETRIES:
                where = base_url.removesuffix("/bot")
                raise TelegramConfigError(
                    f"cannot reach the Telegram Bot API at {where} "
                    f"({redact(str(exc), config.secrets)}): check the network or "
                    "QABOT_TELEGRAM_BASE_URL"
                ) from None
            await asyncio.sleep(0.5 * 2**attempt)
        except TelegramError as exc:
            logger.info("getMe failed", exc_info=True)
            raise TelegramConfigError(
                f"Telegram refused to start the bot: {redact(str(exc), config.secrets)}"
            ) from None
    raise AssertionError("unreachable")

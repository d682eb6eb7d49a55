"""What the bot checks before it serves: token, allowlist, webhook secret, a Bot API that
accepts the token (the last against the fake Bot API over HTTP)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from botapi_server import BOT_USERNAME, FakeBotAPI

from qabot.settings import Settings
from qabot.telegram_config import TelegramConfigError, check_config, parse_allowlist, probe

TOKEN = "123456:TEST-token-Zq9xVbN3kLmP7wRt"


def test_allowlist_parsing() -> None:
    assert parse_allowlist("*") is None
    assert parse_allowlist(" 12, 34 ,") == frozenset({12, 34})
    for bad in ("", "  ", "alice", "12;34", ","):
        with pytest.raises(TelegramConfigError, match="QABOT_TELEGRAM_ALLOWED_USERS"):
            parse_allowlist(bad)


@pytest.mark.parametrize(
    ("values", "needle"),
    [
        ({"telegram_allowed_users": "*"}, "TELEGRAM_BOT_TOKEN is not set"),
        (
            {"telegram_bot_token": "not a token", "telegram_allowed_users": "*"},
            "TELEGRAM_BOT_TOKEN does not look like a bot token",
        ),
        ({"telegram_bot_token": TOKEN}, "QABOT_TELEGRAM_ALLOWED_USERS is not set"),
        (
            {
                "telegram_bot_token": TOKEN,
                "telegram_allowed_users": "1",
                "telegram_webhook_url": "https://bot.example.org/hook",
                "telegram_webhook_secret": "has spaces",
            },
            "QABOT_TELEGRAM_WEBHOOK_SECRET must be",
        ),
    ],
)
def test_each_missing_or_malformed_setting_is_named(
    make_settings: Callable[..., Settings], values: dict[str, str], needle: str
) -> None:
    with pytest.raises(TelegramConfigError, match=needle) as caught:
        check_config(make_settings(**values))
    assert TOKEN not in str(caught.value)


def test_a_webhook_gets_a_random_secret_unless_one_is_given(
    make_settings: Callable[..., Settings],
) -> None:
    base = {"telegram_bot_token": f" {TOKEN} ", "telegram_allowed_users": "5,6"}
    polling = check_config(make_settings(**base))
    assert (polling.token, polling.allowed, polling.webhook_secret) == (TOKEN, {5, 6}, "")
    hook = {**base, "telegram_webhook_url": "https://bot.example.org/hook"}
    first, second = (check_config(make_settings(**hook)) for _ in range(2))
    assert len(first.webhook_secret) >= 32 and first.webhook_secret != second.webhook_secret
    given = check_config(make_settings(**hook, telegram_webhook_secret="s3cret_-X"))
    assert given.webhook_secret == "s3cret_-X" and given.secrets == (TOKEN, "s3cret_-X")


def test_probe_names_the_bot_or_says_the_token_was_rejected(
    make_settings: Callable[..., Settings],
) -> None:
    config = check_config(make_settings(telegram_bot_token=TOKEN, telegram_allowed_users="*"))
    api = FakeBotAPI().start()
    try:
        assert asyncio.run(probe(config, api.base_url)) == BOT_USERNAME
    finally:
        api.stop()
    rejecting = FakeBotAPI(reject_token=True).start()
    try:
        with pytest.raises(TelegramConfigError, match="rejected the bot token") as caught:
            asyncio.run(probe(config, rejecting.base_url))
    finally:
        rejecting.stop()
    assert "TELEGRAM_BOT_TOKEN" in str(caught.value) and "[REDACTED]" in str(caught.value)
    assert TOKEN.split(":")[1] not in str(caught.value)
    assert [c.method for c in rejecting.calls] == ["getMe"]  # a rejection is not retried

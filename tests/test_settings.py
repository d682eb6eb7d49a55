"""Settings: one object, env-driven, and `.env.example` lists every field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qabot.settings import Settings
from tests.common import ROOT


def _env_name(field: str) -> str:
    return "TELEGRAM_BOT_TOKEN" if field == "telegram_bot_token" else f"QABOT_{field.upper()}"


def test_env_example_lists_every_setting() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.M))
    assert listed == {_env_name(f) for f in Settings.model_fields}


def test_environment_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("QABOT_TOP_K=7\nTELEGRAM_BOT_TOKEN=123:abc\n")
    monkeypatch.setenv("QABOT_CORPUS_DIR", str(tmp_path / "news"))
    settings = Settings()
    assert settings.top_k == 7
    assert settings.corpus_dir == tmp_path / "news"
    assert settings.telegram_bot_token is not None
    assert "123:abc" not in repr(settings)


def test_bad_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QABOT_EMBEDDING_BACKEND", "gpu")
    with pytest.raises(ValueError, match="embedding_backend"):
        Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("QABOT_REFUSAL_THRESHOLD", "nan"),
        ("QABOT_REFUSAL_THRESHOLD", "-inf"),
        ("QABOT_REFUSAL_THRESHOLD", "1.01"),
        ("QABOT_DENSE_WEIGHT", "inf"),
        ("QABOT_LLM_TIMEOUT", "nan"),
        ("QABOT_DATA_DIR", ""),
        ("QABOT_CORPUS_DIR", "  "),
        ("QABOT_COLLECTION", "ab"),
        ("QABOT_COLLECTION", "news..archive"),
        ("QABOT_COLLECTION", "10.0.0.1"),
        ("QABOT_COLLECTION", "-news"),
    ],
)
def test_values_that_would_silently_misbehave_are_rejected(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name.removeprefix("QABOT_").lower()):
        Settings(_env_file=None)  # type: ignore[call-arg]

"""Settings: one object, env-driven, and `.env.example` lists every field with its default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic_core import PydanticUndefined

from qabot.settings import Settings
from tests.common import ROOT


def _env_name(field: str) -> str:
    return "TELEGRAM_BOT_TOKEN" if field == "telegram_bot_token" else f"QABOT_{field.upper()}"


def test_env_example_lists_every_setting() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    written = dict(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=(.*)$", text, re.M))
    assert set(written) == {_env_name(f) for f in Settings.model_fields}
    # ... each with the default it has (a path the platform decides has none to show)
    for field, info in Settings.model_fields.items():
        if info.default is PydanticUndefined:
            continue
        default = info.default
        shown = "" if default is None else str(default)
        if isinstance(default, bool):
            shown = shown.lower()
        assert written[_env_name(field)] == shown, field


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


def test_state_lives_in_the_user_dirs_one_index_per_corpus(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for kind in ("DATA", "CACHE"):
        monkeypatch.setenv(f"XDG_{kind}_HOME", str(tmp_path / kind.lower()))
    monkeypatch.delenv("QABOT_MODEL_CACHE_DIR")
    news, other = tmp_path / "news", tmp_path / "elsewhere" / "news"
    settings = Settings(_env_file=None, corpus_dir=news)  # type: ignore[call-arg]
    assert settings.data_dir == tmp_path / "data" / "qabot"
    assert settings.cache_dir == tmp_path / "cache" / "qabot"
    assert settings.index_dir.parent == settings.data_dir / "indexes"
    assert settings.index_dir.name.startswith("news-")
    assert settings.chroma_dir.parent == settings.bm25_dir.parent == settings.index_dir
    twin = Settings(_env_file=None, corpus_dir=other)  # type: ignore[call-arg]
    assert twin.index_dir != settings.index_dir  # same name, another folder
    assert Settings(_env_file=None, corpus_dir=news).index_dir == settings.index_dir  # type: ignore[call-arg]

    monkeypatch.setenv("QABOT_DATA_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("QABOT_MODEL_CACHE_DIR", str(tmp_path / "models"))
    moved = Settings(_env_file=None, corpus_dir=news)  # type: ignore[call-arg]
    assert moved.index_dir == tmp_path / "mine" / "indexes" / settings.index_dir.name
    assert moved.cache_dir == tmp_path / "models"


def test_the_user_config_env_is_read_and_the_local_one_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    user_env = tmp_path / "config" / "qabot" / ".env"
    user_env.parent.mkdir(parents=True)
    user_env.write_text("QABOT_TOP_K=7\nQABOT_CANDIDATES=11\n")
    assert (Settings().top_k, Settings().candidates) == (7, 11)
    (tmp_path / ".env").write_text("QABOT_TOP_K=9\n")  # the working directory's
    assert (Settings().top_k, Settings().candidates) == (9, 11)
    monkeypatch.setenv("QABOT_TOP_K", "3")
    assert Settings().top_k == 3
    assert Settings(_env_file=None).candidates == 40  # type: ignore[call-arg]


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

"""Shared fixtures: every path under tmp_path, the real model loaded once per session."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from qabot.process import configure_libraries
from qabot.settings import Settings
from tests.common import SEEDS

#: One ONNX export for the whole session, shared by every data dir and every subprocess
#: (set at import, so that module-scoped fixtures which start processes see it too).
MODEL_CACHE = Path(tempfile.mkdtemp(prefix="qabot-model-cache-"))
os.environ["QABOT_MODEL_CACHE_DIR"] = str(MODEL_CACHE)
#: The user's data, cache and config dirs (platformdirs follows XDG_* on Linux) point into a
#: session temp dir, so that nothing, in this process or a subprocess, touches the real home.
XDG_HOME = Path(tempfile.mkdtemp(prefix="qabot-xdg-"))
for _kind in ("DATA", "CACHE", "CONFIG", "STATE"):
    os.environ[f"XDG_{_kind}_HOME"] = str(XDG_HOME / _kind.lower())
configure_libraries()  # as the command line does


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(MODEL_CACHE, ignore_errors=True)
    shutil.rmtree(XDG_HOME, ignore_errors=True)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's .env or QABOT_* variables, or writes outside tmp_path."""
    for key in list(os.environ):
        if key.startswith("QABOT_") or key == "TELEGRAM_BOT_TOKEN":
            monkeypatch.delenv(key)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("QABOT_MODEL_CACHE_DIR", str(MODEL_CACHE))
    for kind in ("DATA", "CONFIG"):  # a user .env or index left by one test never reaches another
        monkeypatch.setenv(f"XDG_{kind}_HOME", str(tmp_path / f"xdg-{kind.lower()}"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A copy of the seed articles that a test may change."""
    dest = tmp_path / "corpus"
    shutil.copytree(SEEDS, dest)
    return dest


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "corpus_dir": tmp_path / "corpus",
            "data_dir": tmp_path / "data",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings], corpus: Path) -> Settings:
    return make_settings(corpus_dir=corpus)


@pytest.fixture(scope="session")
def seeded_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(corpus, data_dir) with the seeds ingested once for the whole session; read-only use."""
    from qabot.qa import QA

    base = tmp_path_factory.mktemp("seeded")
    corpus_dir = base / "corpus"
    shutil.copytree(SEEDS, corpus_dir)
    settings = Settings(_env_file=None, corpus_dir=corpus_dir, data_dir=base / "data")  # type: ignore[call-arg]
    QA(settings).ingest()
    yield corpus_dir, base / "data"


@pytest.fixture
def seeded_qa(seeded_data: tuple[Path, Path]):  # type: ignore[no-untyped-def]
    from qabot.qa import QA

    corpus_dir, data_dir = seeded_data
    qa = QA(Settings(_env_file=None, corpus_dir=corpus_dir, data_dir=data_dir))  # type: ignore[call-arg]
    qa.warm_up()
    return qa

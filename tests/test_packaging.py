"""`pip install .` gives a working `qabot` outside the repo: the wheel, in a fresh venv."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.common import CARTER, ROOT, SEEDS

#: Where a Python puts pure packages, asked of that Python.
PURELIB = "import sysconfig; print(sysconfig.get_path('purelib'))"
#: Which prompts module an interpreter imports, and that it loads a packaged prompt.
PROMPTS = "import qabot.prompts as p; print(p.__file__); print(p.load_prompt('answer').name)"


def _run(*args: str | Path, **kwargs: object) -> str:
    proc = subprocess.run(  # type: ignore[call-overload]
        [str(a) for a in args], capture_output=True, text=True, timeout=120, **kwargs
    )
    assert proc.returncode == 0, f"{args}:\n{proc.stdout}\n{proc.stderr}"
    return str(proc.stdout)


@pytest.mark.packaging
def test_the_wheel_installs_and_answers_outside_the_repo(tmp_path: Path) -> None:
    # Build from a copy of what the wheel is made of, so the repo gets no build/ or egg-info.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "qabot", src / "qabot", ignore=shutil.ignore_patterns("__pycache__"))
    pip = (sys.executable, "-m", "pip")
    dist = tmp_path / "dist"
    _run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, src)
    (wheel,) = dist.glob("qabot-*.whl")

    # A fresh venv that borrows this one's dependencies through a path entry: the .pth files
    # in there (among them the editable install of this repo) are not run. (With
    # --system-site-packages it would see the base interpreter's packages, not this venv's.)
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(_run(python, "-c", PURELIB).strip())
    borrowed = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
    (site / "borrowed-deps.pth").write_text("\n".join(borrowed) + "\n")
    _run(*pip, "--python", python, "install", "--no-deps", "--no-index", wheel)

    cwd = tmp_path / "somewhere"  # no repo here, nor on sys.path
    cwd.mkdir()
    corpus = tmp_path / "news"
    shutil.copytree(SEEDS, corpus)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("QABOT_", "PYTHON"))}
    environ.update(
        HF_HUB_OFFLINE="1",
        QABOT_MODEL_CACHE_DIR=os.environ["QABOT_MODEL_CACHE_DIR"],  # the session's export
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
        XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
    )
    module, prompt = _run(python, "-c", PROMPTS, cwd=cwd, env=environ).split()
    assert module.startswith(str(site)) and prompt == "answer"  # the installed copy

    qabot = venv / "bin" / "qabot"
    question = ["Who", "did", "Carter", "talk", "to?"]
    record = json.loads(
        _run(qabot, "ask", "--corpus", corpus, "--json", *question, cwd=cwd, env=environ)
    )
    assert "Shoigu" in record["answer"] and not record["refused"]
    assert record["citations"][0]["source"] == CARTER
    assert _run(qabot, "--version", env=environ).startswith("qabot 0.")

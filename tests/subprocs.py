"""Run qabot in other processes for the durability and server tests: ingest, ask, a piped chat."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QABOT = [sys.executable, "-m", "qabot.cli"]

#: Run the CLI with `Ingestor.FLUSH_PASSAGES` lowered, so that a small corpus is written in
#: many batches (more places for a kill to land mid-write).
SMALL_FLUSH = [
    sys.executable,
    "-c",
    "import sys; from qabot.ingest import Ingestor; Ingestor.FLUSH_PASSAGES = int(sys.argv.pop(1));"
    " from qabot.cli import main; sys.argv[0] = 'qabot'; main()",
]


def env(**qabot: object) -> dict[str, str]:
    """The environment of a qabot subprocess: offline, unbuffered, wide, QABOT_* as given."""
    keep = ("QABOT_MODEL_CACHE_DIR",)  # the session's shared ONNX export
    out = {k: v for k, v in os.environ.items() if not k.startswith("QABOT_") or k in keep}
    out.update(HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1", COLUMNS="400", NO_COLOR="1")
    out["PYTHONPATH"] = str(ROOT)
    out.update({f"QABOT_{k.upper()}": str(v) for k, v in qabot.items()})
    return out


def run(
    args: list[str], environ: dict[str, str], timeout: float = 120, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*QABOT, *args], env=environ, capture_output=True, text=True, timeout=timeout, cwd=cwd
    )


class Chat:
    """`qabot chat` fed through a pipe; `ask` waits until the output shows what it expects."""

    def __init__(
        self, environ: dict[str, str], args: tuple[str, ...] = (), cwd: Path | None = None
    ) -> None:
        self.proc = subprocess.Popen(
            [*QABOT, "chat", *args],
            env=environ,
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.output: list[str] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._lock:
                self.output.append(line)

    def text(self, since: int = 0) -> str:
        with self._lock:
            return "".join(self.output[since:])

    def mark(self) -> int:
        """A position in the output, for `wait_for`."""
        with self._lock:
            return len(self.output)

    def ask(self, question: str, expect: str, timeout: float = 90) -> str:
        """Send `question`; return the output it produced once `expect` (a regex) shows."""
        mark = self.mark()
        assert self.proc.stdin is not None
        self.proc.stdin.write(question + "\n")
        self.proc.stdin.flush()
        return self.wait_for(expect, mark, timeout)

    def wait_for(self, expect: str, since: int, timeout: float = 90) -> str:
        """The output after `since` once `expect` (a regex) shows in it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.text(since)
            if re.search(expect, out):
                return out
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"chat did not say {expect!r}; it said:\n{self.text()}")

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            try:
                self.proc.stdin.write("exit\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()

"""Process-wide logging as the entry points set it, each case in a fresh Python process (the
test process's own logging belongs to pytest)."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qabot.process import configure_libraries
from tests.common import ROOT

TOKEN = "123456:SECRET-token"


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    prelude = "import logging, warnings\nfrom qabot import process\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_levels_quiet_the_noisy_libraries_even_when_verbose(tmp_path: Path) -> None:
    code = """
process.configure_logging({verbose})
logging.getLogger("qabot.x").info("our info")
logging.getLogger("httpx").info("GET https://api.telegram.org/bot...")
logging.getLogger("httpx").warning("httpx warning")
"""
    quiet = _python(code.format(verbose=False), tmp_path).stderr
    assert "our info" not in quiet and "GET" not in quiet and "httpx warning" in quiet
    verbose = _python(code.format(verbose=True), tmp_path).stderr
    assert "INFO qabot.x: our info" in verbose and "GET" not in verbose


def test_secrets_are_masked_in_records_tracebacks_and_warnings(tmp_path: Path) -> None:
    done = _python(
        f"""
process.configure_logging(False)
process.redact_logs(["{TOKEN}", ""])
log = logging.getLogger("qabot.x")
log.warning("token %s", "{TOKEN}")
try:
    raise RuntimeError("rejected {TOKEN}")
except RuntimeError:
    log.exception("failed")
warnings.warn("deprecated use of {TOKEN}")
""",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert TOKEN not in done.stderr
    assert "WARNING qabot.x: token [REDACTED]" in done.stderr
    assert "RuntimeError: rejected [REDACTED]" in done.stderr
    assert "UserWarning: deprecated use of [REDACTED]" in done.stderr


def test_log_to_file_keeps_the_terminal_clear(tmp_path: Path) -> None:
    log = tmp_path / "data" / "chat.log"
    done = _python(
        f"""
process.configure_logging(False)
process.log_to_file(__import__("pathlib").Path({str(log)!r}))
logging.getLogger("qabot.x").warning("into the file")
""",
        tmp_path,
    )
    assert done.returncode == 0 and done.stderr == ""
    assert "WARNING qabot.x: into the file" in log.read_text()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def root_handler() -> Iterator[_Collect]:
    """A handler on the root logger, as `logging.basicConfig` adds, with the root at WARNING."""
    root, bm25s = logging.getLogger(), logging.getLogger("bm25s")
    handler, levels = _Collect(), (root.level, bm25s.level)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    bm25s.setLevel(logging.DEBUG)  # as importing bm25s does (the CLI may have raised it since)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        bm25s.setLevel(levels[1])


def test_bm25s_debug_lines_and_onnx_advice_are_dropped(root_handler: _Collect) -> None:
    configure_libraries()
    configure_libraries()  # a second call adds nothing
    bm25s_logger = logging.getLogger("bm25s")
    assert len(bm25s_logger.filters) == 1
    bm25s_logger.debug("Building index from tokens")
    bm25s_logger.warning("a real bm25s problem")
    logging.warning("Please consider to run pre-processing before quantization. See ...")
    logging.warning("a real problem")
    assert root_handler.messages == ["a real bm25s problem", "a real problem"]

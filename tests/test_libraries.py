"""The entry points' library settings: third-party debug lines and advice stay out of the logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from qabot.libraries import configure_libraries


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

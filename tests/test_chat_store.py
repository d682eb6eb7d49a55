"""The bot's per-chat history in SQLite: bounded, kept across restarts, safe across threads."""

from __future__ import annotations

import threading
from pathlib import Path

from qabot.chat_store import ChatStore
from qabot.date_filter import DateRange
from qabot.domain import Answer, Citation, Passage


def _answer(text: str) -> Answer:
    quote = "Tom & <b>Jerry</b> said “so”."
    passage = Passage("p1", "dir/a.txt", "Title <1>", quote + "\n\nMore.", 0, 40, 3, 5, 0.5, ("b",))
    citation = Citation(1, "dir/a.txt", "Title <1>", 3, 3, 0, len(quote), quote, "p1", ("b",))
    return Answer("q", "q searched", text, (citation,), (passage,), short_answer="Tom")


def test_chat_store_keeps_bounded_history_per_chat_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite3"
    store = ChatStore(path, max_turns=3)
    answer = _answer("text [1]")
    for i in range(5):
        store.add(1, f"q{i}", answer)
    turn = store.add(2, "other chat", answer)
    assert store.history(1) == ["q2", "q3", "q4"]
    store.close()

    store = ChatStore(path, max_turns=3)
    assert store.history(1) == ["q2", "q3", "q4"]
    assert store.history(2) == ["other chat"]
    assert store.last_answer(1) == answer  # frozen dataclasses round-trip exactly
    assert store.answer(2, turn) == answer and store.answer(1, turn) is None
    assert store.reset(1) == 3
    assert store.history(1) == [] and store.last_answer(1) is None
    assert store.history(2) == ["other chat"]
    store.close()


def test_chat_store_without_history_still_keeps_last_answer(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "c.sqlite3", max_turns=0)
    store.add(1, "q", _answer("a"))
    assert store.history(1) == []
    assert store.last_answer(1) is not None
    store.close()


def test_chat_store_is_safe_across_threads(tmp_path: Path) -> None:
    """The bot calls the store from worker threads (off the event loop), many chats at once."""
    store = ChatStore(tmp_path / "c.sqlite3", max_turns=5)
    answer = _answer("a [1]")
    errors: list[BaseException] = []

    def chat(chat_id: int) -> None:
        try:
            for i in range(20):
                store.add(chat_id, f"q{i}", answer)
                assert store.history(chat_id)[-1] == f"q{i}"
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=chat, args=(c,)) for c in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for c in range(8):
        assert store.history(c) == [f"q{i}" for i in range(15, 20)]
        assert store.last_answer(c) == answer
    store.close()


def test_each_chat_keeps_the_dates_it_searches_across_reopen_and_reset(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite3"
    store = ChatStore(path, max_turns=3)
    assert store.dates(1) == DateRange()
    store.set_dates(1, DateRange("2022-06-01", "", False))
    store.set_dates(1, DateRange("2022-06-01", "2022-06-30", False))
    store.add(1, "q", _answer("text [1]"))
    store.reset(1)
    store.close()
    store = ChatStore(path, max_turns=3)
    assert store.dates(1) == DateRange("2022-06-01", "2022-06-30", False)
    assert store.dates(2) == DateRange()

"""Per-chat conversation history in SQLite: each turn written in one transaction, bounded; and
the publication dates each chat searches (`/since`, `/until`, `/dated_only`)."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from qabot.date_filter import DateRange
from qabot.domain import Answer, ArticleMeta, Citation, Passage

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_chat ON turns (chat_id, id);
CREATE TABLE IF NOT EXISTS dates (
    chat_id INTEGER PRIMARY KEY,
    since TEXT NOT NULL,
    until TEXT NOT NULL,
    undated INTEGER NOT NULL
);
"""


def answer_to_json(answer: Answer) -> str:
    return json.dumps(asdict(answer), ensure_ascii=False)


def answer_from_json(text: str) -> Answer | None:
    """The Answer stored by `answer_to_json`, or None if it no longer fits the dataclasses."""
    try:
        data: dict[str, Any] = json.loads(text)
        data["citations"] = tuple(Citation(**_fields(c)) for c in data["citations"])
        data["passages"] = tuple(Passage(**_fields(p)) for p in data["passages"])
        return Answer(**data)
    except (TypeError, KeyError, ValueError):
        logger.warning("a stored answer could not be read back; ignoring it")
        return None


def _fields(record: dict[str, Any]) -> dict[str, Any]:
    """A stored citation or passage's fields as its dataclass takes them."""
    return {
        **record,
        "also_in": tuple(record.get("also_in", ())),
        "meta": ArticleMeta(**record.get("meta", {})),
    }


class ChatStore:
    """The questions and answers of each chat, newest `max_turns` kept, safe across threads."""

    def __init__(self, path: Path, max_turns: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_turns = max_turns
        self._lock = threading.Lock()
        # autocommit mode; every write is an explicit BEGIN IMMEDIATE ... COMMIT
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def history(self, chat_id: int) -> list[str]:
        """Earlier questions of this chat, oldest first (what `QA.ask` takes)."""
        if self.max_turns == 0:
            return []
        with self._lock:
            rows = self._db.execute(
                "SELECT question FROM turns WHERE chat_id = ? ORDER BY id DESC LIMIT ?",
                (chat_id, self.max_turns),
            ).fetchall()
        return [q for (q,) in reversed(rows)]

    def last_answer(self, chat_id: int) -> Answer | None:
        with self._lock:
            row = self._db.execute(
                "SELECT answer FROM turns WHERE chat_id = ? ORDER BY id DESC LIMIT 1", (chat_id,)
            ).fetchone()
        return answer_from_json(row[0]) if row else None

    def answer(self, chat_id: int, turn_id: int) -> Answer | None:
        """The answer of one turn of this chat, if it is still kept."""
        with self._lock:
            row = self._db.execute(
                "SELECT answer FROM turns WHERE chat_id = ? AND id = ?", (chat_id, turn_id)
            ).fetchone()
        return answer_from_json(row[0]) if row else None

    def add(self, chat_id: int, question: str, answer: Answer) -> int:
        """Record a turn and drop the oldest beyond the bound, atomically; returns the turn id."""
        keep = max(self.max_turns, 1)  # the last answer stays for /sources
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.execute(
                    "INSERT INTO turns (chat_id, question, answer, created) VALUES (?, ?, ?, ?)",
                    (chat_id, question, answer_to_json(answer), time.time()),
                )
                self._db.execute(
                    "DELETE FROM turns WHERE chat_id = ? AND id NOT IN "
                    "(SELECT id FROM turns WHERE chat_id = ? ORDER BY id DESC LIMIT ?)",
                    (chat_id, chat_id, keep),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return int(cur.lastrowid or 0)

    def dates(self, chat_id: int) -> DateRange:
        """The publication dates this chat searches (all, until it says otherwise)."""
        with self._lock:
            row = self._db.execute(
                "SELECT since, until, undated FROM dates WHERE chat_id = ?", (chat_id,)
            ).fetchone()
        return DateRange(row[0], row[1], bool(row[2])) if row else DateRange()

    def set_dates(self, chat_id: int, dates: DateRange) -> None:
        """Search `dates` in this chat from now on; kept across restarts and /reset."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO dates (chat_id, since, until, undated) VALUES (?, ?, ?, ?)",
                (chat_id, dates.since, dates.until, int(dates.undated)),
            )

    def reset(self, chat_id: int) -> int:
        """Forget this chat's conversation; returns how many turns were dropped."""
        with self._lock:
            cur = self._db.execute("DELETE FROM turns WHERE chat_id = ?", (chat_id,))
        return cur.rowcount

    def close(self) -> None:
        with self._lock:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._db.close()

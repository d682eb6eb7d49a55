"""One writer per collection: the data dir's file lock for ingests on this machine, and a claim
in the collection's metadata for ingests on others (a shared Chroma server).

Chroma has no lock and no compare-and-swap, so two ingests on two machines could write one
collection at once. Each ingest claims the collection in its metadata (holder and a
heartbeat), checks that the claim stuck, and renews it as it works; a claim whose holder died
expires after `writer_lease_seconds` (at once when the holder was a process on this machine
that no longer exists). This detects a second writer; it is not a lock (two claims made within
`settle` seconds of each other could both succeed).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid

from filelock import FileLock

from qabot.errors import QabotError
from qabot.settings import Settings
from qabot.store import Store, stored_metadata

logger = logging.getLogger(__name__)


class WriterBusy(QabotError, RuntimeError):
    """Another process (maybe on another machine) holds the collection's writer claim."""

    def __init__(self, holder: str, age: float) -> None:
        host, pid = (holder.split(":") + ["?", "?"])[:2]
        super().__init__(
            f"another `qabot ingest` (host {host}, pid {pid}) is writing to this collection; "
            f"its last sign of life was {age:.0f} s ago. Wait for it to finish (a writer that "
            f"died releases its claim after QABOT_WRITER_LEASE_SECONDS)."
        )
        self.holder = holder


def writer_lock(settings: Settings) -> FileLock:
    """The data dir's lock: one ingest at a time on this machine (it fails at once if held)."""
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(str(settings.index_dir / "ingest.lock"), timeout=0)


def writer_id() -> str:
    """`host:pid:random`, naming this process as a writer."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class WriterClaim:
    """`holder`'s claim on the store's collection (and, during a rebuild, on the live one)."""

    def __init__(self, store: Store, holder: str | None = None) -> None:
        self.store = store
        self.holder = holder or writer_id()

    def claim(self, settle: float = 0.3) -> bool:
        """Claim the collection; True if an earlier writer died holding it."""
        store = self.store
        with store.lock:
            store.collection  # noqa: B018 - create and check it first
            meta = store.metadata()
            current = str(meta.get("writer") or "")
            age = time.time() - float(meta.get("writer_seen") or 0)
            crashed = False
            if current and current != self.holder:
                lease = store.settings.writer_lease_seconds
                if age < lease and not _holder_is_dead(current):
                    raise WriterBusy(current, age)
                logger.warning("taking over the writer claim of %s, which is gone", current)
                crashed = True
            meta["writer"] = self.holder
            meta["writer_seen"] = time.time()
            store.collection.modify(metadata=meta)
            time.sleep(settle)
            now = store.metadata()
            if now.get("writer") != self.holder:
                raise WriterBusy(str(now.get("writer")), 0.0)
            return crashed

    def renew(self) -> None:
        """Refresh the claim's heartbeat; `WriterBusy` if another writer took it over."""
        with self.store.lock:
            for col in self.store.writer_collections():
                meta = stored_metadata(col)
                if meta.get("writer") != self.holder:
                    raise WriterBusy(str(meta.get("writer") or "?"), 0.0)
                meta["writer_seen"] = time.time()
                col.modify(metadata=meta)

    def release(self) -> None:
        with self.store.lock:
            for col in self.store.writer_collections():
                meta = stored_metadata(col)
                if meta.get("writer") == self.holder:
                    meta["writer"] = ""
                    meta["writer_seen"] = 0.0
                    col.modify(metadata=meta)


def _holder_is_dead(holder: str) -> bool:
    """True when `holder` was a process on this machine that no longer runs."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False

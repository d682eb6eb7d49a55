"""What a corpus holds: every indexed article with its title, author, date, site, passages,
twins and when it was indexed, plus where an added article came from (`.qabot-sources.json`
in the corpus)."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qabot.atomic import replacing
from qabot.store import Store

#: Where `qabot add` records the origin of what it fetched (a dotfile: ingest never reads it).
SOURCES_FILE = ".qabot-sources.json"


@dataclass(frozen=True)
class DocEntry:
    source: str  # the file, relative to the corpus folder
    title: str
    passages: int
    twins: tuple[str, ...]  # other files with the same content (same file hash)
    indexed_at: str  # ISO time of the last write of its passages; "" if not recorded
    in_folder: bool  # False: indexed, but the file is gone (the next ingest removes it)
    url: str = ""  # its canonical URL, else where `qabot add` fetched it from
    date: str = ""  # the publication date (YYYY-MM-DD), where the article gives one
    author: str = ""
    site: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_sources(root: Path) -> dict[str, dict[str, str]]:
    """The recorded origin of each added file (by source name); {} if none or unreadable."""
    try:
        data = json.loads((root / SOURCES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_sources(root: Path, sources: dict[str, dict[str, str]]) -> None:
    with replacing(root / SOURCES_FILE) as tmp:
        text = json.dumps(sources, ensure_ascii=False, indent=1, sort_keys=True)
        tmp.write_text(text, encoding="utf-8")


def record_source(root: Path, source: str, **origin: str) -> None:
    """Remember where `source` came from (url, date, ...)."""
    sources = read_sources(root)
    sources[source] = {k: v for k, v in origin.items() if v}
    _write_sources(root, sources)


def forget_source(root: Path, source: str) -> None:
    sources = read_sources(root)
    if sources.pop(source, None) is not None:
        _write_sources(root, sources)


def _iso(timestamp: object) -> str:
    if not isinstance(timestamp, (int, float)):
        return ""
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def catalog(store: Store, root: Path) -> list[DocEntry]:
    """Every article the index holds, by file name."""
    by_source: dict[str, list[dict[str, Any]]] = {}
    for meta in store.records():
        by_source.setdefault(str(meta["source"]), []).append(meta)
    by_hash: dict[str, list[str]] = {}
    for source, metas in by_source.items():
        for file_hash in {str(m.get("file_hash", "")) for m in metas} - {""}:
            by_hash.setdefault(file_hash, []).append(source)
    origins = read_sources(root)
    entries = []
    for source in sorted(by_source):
        metas = by_source[source]
        first = min(metas, key=lambda m: int(m.get("start_char", 0)))
        twins = {
            other
            for m in metas
            for other in by_hash.get(str(m.get("file_hash", "")), [])
            if other != source
        }
        stamps = [m["indexed_at"] for m in metas if isinstance(m.get("indexed_at"), (int, float))]
        origin = origins.get(source, {})
        entries.append(
            DocEntry(
                source=source,
                title=str(first.get("title") or ""),
                passages=len(metas),
                twins=tuple(sorted(twins)),
                indexed_at=_iso(max(stamps)) if stamps else "",
                in_folder=(root / source).is_file(),
                url=str(first.get("url") or origin.get("url", "")),
                date=str(first.get("published") or origin.get("date", "")),
                author=str(first.get("author") or ""),
                site=str(first.get("site") or ""),
            )
        )
    return entries


def find(entries: list[DocEntry], root: Path, name: str) -> DocEntry | None:
    """The entry a user means by `name`: its source name, or a path to the file."""
    wanted = {name.replace(os.sep, "/")}
    with contextlib.suppress(ValueError, OSError):
        wanted.add(Path(name).resolve().relative_to(root.resolve()).as_posix())
    return next((e for e in entries if e.source in wanted), None)

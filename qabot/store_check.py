"""Checks of the embedded Chroma store's files, made before Chroma loads them.

Chroma keeps each collection's vectors in an hnswlib index, one folder per vector segment
(`header.bin`, `data_level0.bin`, `length.bin`, `link_lists.bin`), and loads it in full on
the first read. A writer SIGKILLed while it persisted the index can leave files that do not
agree with each other (seen: a `link_lists.bin` of 851 GB for 70,000 vectors), and loading
them crashes the process (SIGSEGV). These checks compare the files with the header (sizes,
and the size fields of `link_lists.bin`, read only once its size is plausible) and never
load the index.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
import struct
from pathlib import Path

from qabot.errors import QabotError

logger = logging.getLogger(__name__)

#: hnswlib's header as Chroma persists it: a format version, then hnswlib's own fields.
_HEADER = struct.Struct("<iQQQQQQiIQQQdQ")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_MAX_LEVEL = 64  # hnswlib levels are ~log(n)/log(M); far fewer in practice


class StoreDamaged(QabotError, RuntimeError):
    """The embedded store's vector index is damaged (a writer died while persisting it)."""


def segment_problem(folder: Path) -> str | None:
    """Why the hnswlib files in `folder` cannot be a persisted index, or None if they can."""
    try:
        header = (folder / "header.bin").read_bytes()
    except FileNotFoundError:
        return None  # nothing persisted yet: Chroma builds it from its log
    except OSError as exc:
        return f"header.bin unreadable ({exc})"
    if len(header) != _HEADER.size:
        return f"header.bin has {len(header)} bytes, not {_HEADER.size}"
    (
        version,
        offset_level0,
        max_elements,
        count,
        size_per_element,
        label_offset,
        offset_data,
        max_level,
        _enterpoint,
        max_m,
        max_m0,
        _m,
        _mult,
        _ef,
    ) = _HEADER.unpack(header)
    if version != 1 or offset_level0 != 0:
        return f"header.bin: unknown format (version {version})"
    if not (
        count <= max_elements < 1 << 40
        and offset_data == max_m0 * 4 + 4
        and label_offset == size_per_element - 8
        and offset_data < label_offset
        and max_m < 1 << 16
        and -1 <= max_level < _MAX_LEVEL
    ):
        return "header.bin: inconsistent fields"
    sizes = {}
    for name in ("data_level0.bin", "length.bin", "link_lists.bin"):
        try:
            sizes[name] = (folder / name).stat().st_size
        except OSError:
            return f"{name} missing"
    if not count * size_per_element <= sizes["data_level0.bin"] <= max_elements * size_per_element:
        return f"data_level0.bin has {sizes['data_level0.bin']} bytes for {count} vectors"
    if sizes["length.bin"] < count * 4:  # a float per vector (its norm)
        return f"length.bin has {sizes['length.bin']} bytes for {count} vectors"
    # Per vector: the size of its upper-level links, then those links (a list of at most
    # max_m links per level above 0).
    per_level = max_m * 4 + 4
    if sizes["link_lists.bin"] > count * (4 + max(max_level, 0) * per_level):
        return f"link_lists.bin has {sizes['link_lists.bin']} bytes for {count} vectors"
    with (folder / "link_lists.bin").open("rb") as f:
        data = f.read()
    at = 0
    for _ in range(count):
        if at + 4 > len(data):
            return "link_lists.bin is cut short"
        (size,) = struct.unpack_from("<I", data, at)
        if size % per_level or size > max(max_level, 0) * per_level:
            return "link_lists.bin holds a link list of impossible size"
        at += 4 + size
    if at != len(data):
        return f"link_lists.bin has {len(data)} bytes, its {count} link lists {at}"
    return None


def referenced_segments(chroma_dir: Path) -> set[str] | None:
    """Ids of the segments Chroma's catalogue names (read-only); None if it cannot be read."""
    db = chroma_dir / "chroma.sqlite3"
    if not db.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return {str(row[0]) for row in con.execute("SELECT id FROM segments")}
        finally:
            con.close()
    except sqlite3.Error:
        return None


def segment_folders(chroma_dir: Path) -> list[Path]:
    try:
        return sorted(p for p in chroma_dir.iterdir() if p.is_dir() and _UUID.match(p.name))
    except OSError:
        return []


def damaged_segments(chroma_dir: Path) -> dict[Path, str]:
    """The segment folders Chroma must not load, with the reason for each."""
    found = {}
    for folder in segment_folders(chroma_dir):
        problem = segment_problem(folder)
        if problem is not None:
            found[folder] = problem
    return found


def repair(chroma_dir: Path) -> bool:
    """For the writer: remove damaged and orphaned segment folders; True if any was damaged.

    A removed vector segment holds nothing that cannot be had again: Chroma starts it
    afresh, and the ingest then rewrites every record (vectors come from qabot's snapshot,
    or are embedded again)."""
    damaged = damaged_segments(chroma_dir)
    for folder, problem in damaged.items():
        logger.warning("the vector index %s is damaged (%s); rebuilding it", folder.name, problem)
        shutil.rmtree(folder, ignore_errors=True)
    known = referenced_segments(chroma_dir)
    if known is not None:
        for folder in segment_folders(chroma_dir):
            if folder.name not in known:
                logger.info("removing %s, a segment folder no collection uses", folder.name)
                shutil.rmtree(folder, ignore_errors=True)
    return bool(damaged)


def check(chroma_dir: Path) -> None:
    """For readers: raise `StoreDamaged` rather than let Chroma load a damaged index."""
    damaged = damaged_segments(chroma_dir)
    if damaged:
        folder, problem = next(iter(damaged.items()))
        raise StoreDamaged(
            f"the index's vector store is damaged ({folder.name}: {problem}); run "
            f"`qabot ingest` to repair it"
        )

"""Changing what the corpus folder holds (`qabot add`, `qabot docs remove`): a file copied in, a
web page fetched and saved with its origin recorded, an article's file deleted. Indexing the
change is the caller's next step."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from qabot.catalog import forget_source, record_source
from qabot.errors import QabotError
from qabot.fetch import fetch, is_url
from qabot.loaders import SUPPORTED_SUFFIXES


class AddError(QabotError, ValueError):
    """What was given to add is not a readable article file; says why in one line."""


def add(root: Path, item: str, timeout: float) -> Path:
    """Put one file or fetched URL into the corpus folder `root`; the path it now has there.
    A `FetchError` or `AddError` says why it could not."""
    if is_url(item):
        fetched = fetch(item, timeout=timeout)
        dest = _free_name(root, fetched.file_name())
        dest.write_bytes(fetched.content)
        record_source(
            root,
            dest.name,
            url=fetched.url,
            date=fetched.date,
            added=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        return dest
    src = Path(item).expanduser()
    if not src.is_file():
        raise AddError(f"{item}: no such file (give a file or an http(s) URL)")
    if src.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise AddError(f"{item}: unsupported file type (qabot reads .txt, .md, .html, .htm, .pdf)")
    real = src.resolve()
    if real.is_relative_to(root.resolve()):
        return real  # already in the corpus folder: only index it
    dest = _free_name(root, src.name)
    shutil.copyfile(src, dest)
    return dest


def delete(root: Path, source: str) -> Path:
    """Delete the article `source` (relative to `root`) and its recorded origin; the folder
    that held it, the nearest one still there (what to ingest again)."""
    path = root / source
    if path.is_file():
        path.unlink()
    forget_source(root, source)
    scope = path.parent
    while not scope.is_dir():
        scope = scope.parent
    return scope


def _free_name(folder: Path, name: str) -> Path:
    """`folder/name`, or `folder/stem-2.ext`, ... when that is taken."""
    path = folder / name
    n = 2
    while path.exists() or path.is_symlink():
        path = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
        n += 1
    return path

"""Which files of a corpus folder are articles to index, and which are skipped and why."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from qabot.loaders import Skipped


def iter_corpus_files(
    root: Path, corpus_root: Path | None = None, skipped: list[Skipped] | None = None
) -> Iterator[tuple[Path, str]]:
    """(path, source) for every file under `root`, sorted; hidden files and folders skipped.

    `source` is relative to `corpus_root` (default `root`). What cannot be indexed is left
    out, and listed in `skipped` with the reason: a name that is not UTF-8 (it could not be
    stored or shown), a path too long to open, a link that leaves the corpus folder (its
    text could never be cited), a link to a folder (not followed, so no loops), a link loop,
    a dangling link, a FIFO, socket or device.
    """
    base = corpus_root or root
    if root.is_file():
        source = root.relative_to(base).as_posix() if root != base else root.name
        if _utf8(source):
            yield root, source
        elif skipped is not None:
            skipped.append(Skipped(shown_name(source), _BAD_NAME.format(kind="file")))
        return
    prefix = root.relative_to(base).as_posix()
    yield from _walk(root, "" if prefix == "." else prefix + "/", base.resolve(), skipped)


def _walk(
    folder: Path, prefix: str, real_root: Path, skipped: list[Skipped] | None
) -> Iterator[tuple[Path, str]]:
    def skip(source: str, reason: str) -> None:
        if skipped is not None:
            skipped.append(Skipped(shown_name(source), reason))

    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        skip(prefix or ".", _os_reason(exc, "folder"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        source = prefix + entry.name
        path = folder / entry.name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            reason = _link_problem(path, real_root) if entry.is_symlink() else None
            mode = path.stat().st_mode if reason is None and not is_dir else 0
        except OSError as exc:
            skip(source, _os_reason(exc, "file"))
            continue
        if not _utf8(entry.name):
            skip(source, _BAD_NAME.format(kind="folder" if is_dir else "file"))
        elif reason is not None:
            skip(source, reason)
        elif is_dir:
            yield from _walk(path, source + "/", real_root, skipped)
        elif stat.S_ISREG(mode):
            yield path, source
        else:
            skip(source, f"not a regular file ({_KINDS.get(stat.S_IFMT(mode), 'special file')})")


_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def _link_problem(link: Path, real_root: Path) -> str | None:
    """Why a symbolic link is not followed, or None for a link to a file in the corpus."""
    try:
        target = link.resolve(strict=True)
    except FileNotFoundError:
        return "dangling link (its target does not exist)"
    except RuntimeError:  # Python 3.11 reports a loop so; later versions raise ELOOP
        return "link loop"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "link loop"
        raise
    if not target.is_relative_to(real_root):
        return "link leads outside the corpus folder (not followed)"
    if target.is_dir():
        return "link to a folder (not followed)"
    return None


_BAD_NAME = "{kind} name is not valid UTF-8; rename the {kind}"


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in a file name become lone surrogates
        return False
    return True


def shown_name(source: str) -> str:
    """A file name as it can be printed: undecodable bytes become U+FFFD."""
    return source.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _os_reason(exc: OSError, kind: str) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return f"path too long to open (over PATH_MAX); move the {kind} nearer the corpus root"
    return f"unreadable {kind} ({exc.strerror or exc.__class__.__name__})"

"""Files replaced whole: written beside where they go, then renamed over it in one step, so a
reader in another process sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(dest: Path) -> Iterator[Path]:
    """A temp path to write `dest`'s new content to; renamed over `dest` when the block ends
    without an error. It lies in a hidden `.tmp-*` folder beside `dest` (hidden folders are
    never ingested; stale ones are pruned with snapshot versions)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix=".tmp-", dir=dest.parent))
    try:
        tmp = tmp_dir / dest.name
        yield tmp
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)

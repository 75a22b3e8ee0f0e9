"""Moving from the old layout, where every database in a folder shared one `imported/`, to one
folder per database (`imported/<database name>/`).

The old files cannot say which database imported them, so a database that has no folder of its
own yet gets a copy of them when it opens (what it saw before). The old files stay where they
are, untouched: other databases in the same folder get their copy when they open, and nothing
is ever lost. From then on each database imports into, and reads, only its own folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

TOPIC_SUFFIXES = (".yaml", ".yml")


def adopt_shared_imports(db: Path, own: Path) -> None:
    """Copy the old shared `imported/*.yaml` into `own` once, if `db` exists and `own` does not."""
    shared = own.parent
    if own.exists() or not db.is_file() or not shared.is_dir():
        return
    legacy = sorted(p for p in shared.iterdir() if p.is_file() and p.suffix in TOPIC_SUFFIXES)
    if not legacy:
        return
    staging = shared / f".{own.name}.adopting-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        for path in legacy:
            shutil.copy2(path, staging / path.name)
        os.rename(staging, own)  # all files or none; a concurrent adopter's folder wins
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)

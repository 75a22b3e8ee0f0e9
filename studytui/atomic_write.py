"""Write a file so that a kill, a full disk or an error never leaves a half-written one.

    with replacing(Path("out.apkg"), check_existing=is_zip) as tmp:
        write_somehow(tmp)             # a fresh file in the destination's folder (O_EXCL)
    # renamed over out.apkg only after the block finished; removed on any error

The temporary file is created with O_EXCL beside the destination (a planted file or symlink of
that name is never followed) and the rename is atomic, so the old file stays whole until the new
one is complete. `private_tempdir()` points `tempfile` at a folder removed afterwards, for
libraries that leave their own temporary files behind (genanki's mkstemp copy of the deck).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from studytui.errors import StudytuiError


@contextlib.contextmanager
def replacing(dest: Path, *, check_existing: Callable[[Path], bool] | None = None, what: str = "file") -> Iterator[Path]:
    dest = Path(dest)
    if dest.is_symlink():
        raise StudytuiError(f"{dest}: is a symbolic link; refusing to write through it (remove it first)")
    if dest.exists() and (dest.is_dir() or (check_existing is not None and not check_existing(dest))):
        raise StudytuiError(f"{dest}: exists and is not an {what}; refusing to overwrite it")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StudytuiError(f"{dest.parent}: cannot create the folder ({exc.strerror or exc})") from None
    try:
        fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")  # O_EXCL
    except OSError as exc:
        raise StudytuiError(f"{dest.parent}: cannot write there ({exc.strerror or exc})") from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)  # mkstemp makes it 0600; the result should look like any new file
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except OSError as exc:
        raise StudytuiError(f"{dest}: could not write it ({exc.strerror or exc}); the old file, if any, is unchanged") from None
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def private_tempdir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="studytui-"))
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(folder, ignore_errors=True)

"""Read a database's `-wal` file without SQLite, to notice damage before SQLite hides it.

SQLite treats a WAL frame whose checksum does not chain as the end of the log: everything after it
is silently dropped, and the next checkpoint deletes or rewrites the file. When committed
transactions sit behind such a frame (a flipped byte, random bytes, a bad header) opening the
database would throw acknowledged reviews away without a word, so `wal_damage` says why instead
and the store refuses to open the file, leaving both files as they are.

A partly written last frame is normal (a process killed while appending an uncommitted
transaction) and is not called damage. See https://sqlite.org/fileformat2.html#walformat.
"""

from __future__ import annotations

import struct
from pathlib import Path

WAL_MAGIC = (0x377F0682, 0x377F0683)
HEADER = 32
FRAME_HEADER = 24


def _checksum(data: bytes, big_endian: bool, s0: int, s1: int) -> tuple[int, int]:
    words = struct.unpack((">" if big_endian else "<") + f"{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def wal_damage(wal: Path) -> str | None:
    """Why the WAL beside a database is damaged, or None when SQLite can use all of it."""
    if wal.is_dir():
        return "it is a directory, not a file"
    try:
        with open(wal, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    if len(data) < HEADER:
        return None  # SQLite never committed anything into a WAL without a whole header
    magic, _version, page_size, _seq, salt1, salt2, c1, c2 = struct.unpack(">8I", data[:HEADER])
    if magic not in WAL_MAGIC:
        return None if not data.strip(b"\0") else "it is not an SQLite WAL file"
    big_endian = bool(magic & 1)
    if page_size < 512 or page_size > 65536 or page_size & (page_size - 1):
        return f"its header gives an impossible page size ({page_size})"
    s0, s1 = _checksum(data[:24], big_endian, 0, 0)
    if (s0, s1) != (c1, c2):
        frames = (len(data) - HEADER) // (FRAME_HEADER + page_size)
        return f"its header checksum is wrong ({frames} frames would be ignored)" if frames else None
    frame_size = FRAME_HEADER + page_size
    broken_at = None
    for start in range(HEADER, len(data) - frame_size + 1, frame_size):
        page_no, commit, fsalt1, fsalt2, f1, f2 = struct.unpack(">6I", data[start:start + FRAME_HEADER])
        if (fsalt1, fsalt2) != (salt1, salt2):
            break  # a frame of an older log generation: the log ends here
        if broken_at is None:
            s0, s1 = _checksum(data[start:start + 8], big_endian, s0, s1)
            s0, s1 = _checksum(data[start + FRAME_HEADER:start + frame_size], big_endian, s0, s1)
            if (s0, s1) != (f1, f2) or page_no == 0:
                broken_at = (start - HEADER) // frame_size
        elif commit:
            return (f"frame {broken_at} is damaged and committed transactions follow it "
                    "(SQLite would drop them)")
    return None

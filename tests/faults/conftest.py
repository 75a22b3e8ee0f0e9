"""Helpers for the fault-injection suite: run the real CLI, inside a private mount namespace
when a test needs a full disk or a read-only file system (root ignores file permissions)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "STUDYTUI_DB"}
    return {**env, "PYTHONPATH": str(ROOT), "TERM": "dumb", **extra}


def studytui(*args: str, stdin: str | None = "", timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """Run `studytui ARGS` in a child process (stdin empty: not a terminal)."""
    return subprocess.run([sys.executable, "-m", "studytui", *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout, env=cli_env(**env), cwd=ROOT)


def one_line_error(out: subprocess.CompletedProcess) -> str:
    """The single stderr line of a failed command (asserts there is no traceback)."""
    assert out.returncode != 0, out
    lines = [line for line in out.stderr.splitlines() if line.strip() and not line.startswith("creating a new database")]
    assert "Traceback" not in out.stderr and len(lines) == 1, out.stderr
    return lines[0]


def reviews(db: Path) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT id, card_id, rating FROM review ORDER BY id").fetchall()
    finally:
        conn.close()


def add_reviews(db: Path, n: int, prefix: str = "card") -> list[int]:
    """n acknowledged reviews through the real store."""
    from studytui.study.store import Store

    now = datetime.now(timezone.utc)
    with Store.open(db) as store:
        return [store.add_review(f"{prefix}-{i}", 1 + i % 4, at=now) for i in range(n)]


def namespace_available() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode == 0


needs_namespace = pytest.mark.skipif(not namespace_available(),
                                     reason="needs unprivileged user+mount namespaces (unshare -rm)")


def in_namespace(setup: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`setup` (shell: mounts) then `studytui ARGS`, in a private user+mount namespace."""
    cmd = " ".join(f"'{a}'" for a in (sys.executable, "-m", "studytui", *args))
    return subprocess.run(["unshare", "-rm", "sh", "-c", f"{setup} && exec {cmd}"], input="",
                          capture_output=True, text=True, timeout=timeout, env=cli_env(), cwd=ROOT)


def read_only_bind(folder: Path) -> str:
    return f"mount --bind '{folder}' '{folder}' && mount -o remount,bind,ro '{folder}'"


def tiny_tmpfs(folder: Path, size: str = "96k") -> str:
    return f"mount -t tmpfs -o size={size} none '{folder}'"


# The TUI tests here use the same hermetic app as tests/tui (fixture deck, fixed clock, async runner).
from tests.tui.conftest import _fixed_timezone, make, pytest_pyfunc_call, workdir  # noqa: E402,F401

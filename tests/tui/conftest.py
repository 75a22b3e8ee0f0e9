"""Hermetic TUI tests: a temp database, a small fixture deck, a fake demo and a fixed clock."""

from __future__ import annotations

import asyncio
import inspect
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
FIXED_NOW = datetime(2025, 3, 3, 12, 0, tzinfo=timezone.utc)


def fixed_clock() -> datetime:
    return FIXED_NOW


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run `async def` tests with asyncio.run (Textual's run_test needs a loop; no plugin needed)."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**args))
        return True
    return None


@pytest.fixture(autouse=True)
def _fixed_timezone(monkeypatch):
    # study days start at a local hour: pin the zone so dates (and snapshots) are the same anywhere
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A copy of the fixture deck and demos (demos write runs/ beside demos/)."""
    shutil.copytree(FIXTURES / "cards", tmp_path / "cards")
    shutil.copytree(FIXTURES / "demos", tmp_path / "demos")
    return tmp_path


@pytest.fixture
def make(workdir: Path):
    """make(screen="home", **options) -> an app on the fixture deck and a fresh database."""
    from studytui.tui.app import make_app

    def build(screen: str = "home", **options):
        options.setdefault("cards_dir", workdir / "cards")
        options.setdefault("demos_dir", workdir / "demos")
        options.setdefault("clock", fixed_clock)
        return make_app(workdir / "study.db", screen=screen, **options)

    return build


async def settle(pilot, until, timeout: float = 120.0) -> None:
    """Pause until `until()` is true (workers and the database thread run in the background;
    the timeout only ends a test that would fail anyway, so it is generous: CI machines are shared)."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not until():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.05)

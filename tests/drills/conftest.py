"""Drill CLI tests record attempts: keep them in a temporary database, never the user's."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _temporary_database(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDYTUI_DB", str(tmp_path / "drills.db"))
    return tmp_path / "drills.db"

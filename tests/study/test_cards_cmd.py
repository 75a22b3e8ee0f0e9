"""`studytui cards` and `unsuspend` / `unbury` / `unflag`: a suspended card can always come back."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner

from studytui.cli import cli
from studytui.errors import StudytuiError
from studytui.study.deck import load_deck
from studytui.study.scheduler import StudySession
from studytui.study.store import Store


@pytest.fixture
def db(tmp_path, deck_dirs, monkeypatch):
    """A database beside the small two-topic deck (the CLI's default cards/ pointed at it)."""
    cards, demos = deck_dirs
    monkeypatch.setattr("studytui.paths.CARDS_DIR", cards)
    path = tmp_path / "study.db"
    deck, _ = load_deck(cards, demos_dir=demos)
    now = datetime.now(timezone.utc)
    with StudySession(Store.open(path), deck) as s:
        s.suspend("alpha-1", now=now)
        s.flag("beta-0", now=now)
        s.bury("beta-1", now=now)
    return path


def invoke(db, *args):
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def test_cards_lists_marks_and_filters(db):
    everything = json.loads(invoke(db, "cards", "--json").output)
    assert [c["id"] for c in everything] == ["alpha-0", "alpha-1", "alpha-2", "beta-0", "beta-1"]
    suspended = invoke(db, "cards", "--suspended")
    assert suspended.exit_code == 0
    assert suspended.output.split()[:2] == ["alpha-1", "suspended"]
    assert [c["id"] for c in json.loads(invoke(db, "cards", "--flagged", "--json").output)] == ["beta-0"]
    assert [c["id"] for c in json.loads(invoke(db, "cards", "--buried", "--json").output)] == ["beta-1"]
    assert [c["id"] for c in json.loads(invoke(db, "cards", "--topic", "beta", "--json").output)] == ["beta-0", "beta-1"]
    assert json.loads(invoke(db, "cards", "--leech", "--json").output) == []
    assert "no cards (leech)" in invoke(db, "cards", "--leech").output
    bad = invoke(db, "cards", "--topic", "gamma")
    assert isinstance(bad.exception, StudytuiError) and "unknown topic 'gamma'; topics: alpha, beta" in str(bad.exception)


def test_unsuspend_unflag_unbury_bring_cards_back(db):
    out = invoke(db, "unsuspend", "alpha-1", "alpha-0")
    assert out.exit_code == 0 and out.output.splitlines() == ["alpha-1: unsuspended", "alpha-0: was not suspended"]
    assert json.loads(invoke(db, "cards", "--suspended", "--json").output) == []
    assert invoke(db, "unflag", "beta-0").output.strip() == "beta-0: unflagged"
    assert invoke(db, "unbury", "beta-1").output.strip() == "beta-1: unburied"
    rows = json.loads(invoke(db, "cards", "--json").output)
    assert not any(r["suspended"] or r["flagged"] or r["buried"] for r in rows)


def test_unsuspend_with_a_typo_changes_nothing(db):
    bad = invoke(db, "unsuspend", "alpha-1", "alpha-9")
    assert isinstance(bad.exception, StudytuiError) and "unknown card id 'alpha-9'" in str(bad.exception)
    assert [c["id"] for c in json.loads(invoke(db, "cards", "--suspended", "--json").output)] == ["alpha-1"]


def test_a_new_database_is_announced_and_stats_show_its_path(tmp_path, deck_dirs, monkeypatch):
    from studytui.study import store

    monkeypatch.setattr(store, "on_create", None)  # the CLI sets it; leave the module as it was
    monkeypatch.setattr("studytui.paths.CARDS_DIR", deck_dirs[0])
    typo = tmp_path / "newdir" / "x.sqlite3"
    first = CliRunner().invoke(cli, ["--db", str(typo), "stats", "--json"])
    assert first.exit_code == 0
    assert f"creating a new database at {typo.resolve()}" in first.stderr
    assert json.loads(first.stdout)["db"] == str(typo.resolve())
    again = CliRunner().invoke(cli, ["--db", str(typo), "stats"])
    assert "creating" not in again.stderr and f"database: {typo.resolve()}" in again.stdout.replace("\n", "")

"""Shared fixtures for the study core: a small deck on disk and a fresh database."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)  # a fixed "now" for the scheduler


def write_topic(cards_dir: Path, topic: str, n: int, demo: str = "demo.py", **extra) -> Path:
    cards = [{"id": f"{topic}-{i}", "q": f"Question {i} of {topic}?", "a": f"Answer {i}."} for i in range(n)]
    path = cards_dir / f"{topic}.yaml"
    path.write_text(yaml.safe_dump({"topic": topic, "title": topic.title(), "demo": demo, "cards": cards, **extra}))
    return path


@pytest.fixture
def deck_dirs(tmp_path: Path) -> tuple[Path, Path]:
    """(cards_dir, demos_dir) with two topics of 3 and 2 cards."""
    cards, demos = tmp_path / "cards", tmp_path / "demos"
    cards.mkdir()
    demos.mkdir()
    (demos / "demo.py").write_text("print('demo')\n")
    write_topic(cards, "alpha", 3)
    write_topic(cards, "beta", 2)
    return cards, demos


@pytest.fixture
def session(tmp_path: Path, deck_dirs):
    from studytui.study.deck import load_deck
    from studytui.study.scheduler import StudySession
    from studytui.study.store import Store

    cards, demos = deck_dirs
    deck, problems = load_deck(cards, demos_dir=demos)
    assert problems == []
    s = StudySession(Store.open(tmp_path / "study.db"), deck)
    yield s
    s.close()


def cached_project(tmp_path: Path, monkeypatch) -> Path:
    """An empty cards/ folder beside demos/d.py, with a deck cache of its own; returns cards/."""
    monkeypatch.setenv("STUDYTUI_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "demos").mkdir()
    (tmp_path / "demos" / "d.py").write_text("")
    cards = tmp_path / "cards"
    cards.mkdir()
    return cards


def count_topic_parses(monkeypatch) -> list[Path]:
    """Record every real YAML parse of a topic file (a deck-cache hit parses nothing)."""
    from studytui.study import deck as deck_module

    parsed: list[Path] = []
    real = deck_module.load_model_and_tree

    def counting(path, model, text=None):
        parsed.append(Path(path))
        return real(path, model, text)

    monkeypatch.setattr(deck_module, "load_model_and_tree", counting)
    return parsed

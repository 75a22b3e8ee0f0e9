"""A hostile card walked through every screen and command: escape sequences, Textual markup with
actions, a lone `[/]`. Nothing may be interpreted: no file written, no crash, no ESC on the
terminal, the text shown as written."""

from __future__ import annotations

import json

from textual.widgets import DataTable, Input, Markdown, Static

from tests.tui.conftest import settle

from .conftest import studytui

ESC = "\x1b"
SHOT = "pwned.svg"
QUESTION = f"Hostile arr[i] [/] [bold red]red[/bold red] [@click=app.screenshot('{SHOT}')]click[/] {ESC}]52;c;Y3VybA==\x07 {ESC}[2J end?"
ANSWER = f"Answer [/] {ESC}]2;title\x07 [@click=app.quit]quit[/]"


def _hostile_deck(cards_dir):
    (cards_dir / "hostile.yaml").write_text(
        "topic: hostile\ntitle: \"Evil [/] [b]title[/b]\"\ndemo: fake_demo.py\ncards:\n"
        f"  - id: evil-one\n    q: {json.dumps(QUESTION)}\n    a: {json.dumps(ANSWER)}\n"
    )


def _rendered(app) -> str:
    """Every Static and Markdown on screen, as plain text."""
    parts = [str(w.render()) for w in app.screen.query(Static)]
    parts += [w.source for w in app.screen.query(Markdown)]
    return "\n".join(parts)


async def test_a_hostile_card_is_text_on_every_screen(make, workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    _hostile_deck(workdir / "cards")
    app = make(screen="review", topic="hostile")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: app.screen.id == "review" and app.screen.item is not None)
        await pilot.press("space")
        await settle(pilot, lambda: app.screen.revealed)
        shown = _rendered(app)
        assert ESC not in shown and "\x07" not in shown
        assert "[bold red]red[/bold red]" in shown and "[/]" in shown and "arr[i]" in shown
        assert "Evil [/] [b]title[/b]" in shown
        for _ in range(3):  # clicking the would-be links does nothing
            await pilot.click(Markdown, offset=(20, 0))
        await pilot.press("3")
        await settle(pilot, lambda: len(app.screen.grades) == 1)
        await pilot.press("q")
        await settle(pilot, lambda: app.screen.id == "home" and app.screen.data is not None)
        table = app.screen.query_one("#topics", DataTable)
        assert "Evil [/] [b]title[/b]" in str(table.get_row("hostile")[0])
        await pilot.press("slash")  # search palette: questions as text, the match highlighted
        await settle(pilot, lambda: bool(app.screen.query(Input)))
        await pilot.press(*"arr")
        await pilot.press("enter")
        await settle(pilot, lambda: app.screen.id == "card-preview")
        shown = _rendered(app)
        assert "[@click=app.screenshot" in shown and ESC not in shown
        await pilot.press("escape")
        await pilot.press("d")  # drill: a typed `[/]` is text in the toast
        await settle(pilot, lambda: app.screen.id == "drill" and app.screen.problem is not None)
        await pilot.press("[", "/", "]", "enter")
        await settle(pilot, lambda: any("Could not read '[/]'" in str(n.message) for n in app._notifications))
        assert app.is_running
    assert not (workdir / SHOT).exists() and not list(workdir.rglob(SHOT))


def test_cli_output_of_a_hostile_deck_has_no_escapes(tmp_path):
    """X9, X2: check (keys and values echoed), import --dry-run of hostile notes, stats."""
    deck = tmp_path / "cards"
    deck.mkdir()
    (deck / "bad.yaml").write_text('topic: bad\ntitle: x\n"\\e]2;pwned\\a[/]": 1\ncards: []\n')  # YAML escapes
    out = studytui("check", str(deck / "bad.yaml"))
    assert out.returncode == 1 and ESC not in out.stdout + out.stderr and "[/]" in out.stdout
    notes = tmp_path / "notes.md"
    notes.write_text(f"# Q: What {ESC}[2J clears?\n\nA: {ESC}]52;c;Y3VybA==\x07 nothing\n")
    out = studytui("import", str(notes), "--dry-run", "--db", str(tmp_path / "s.db"))
    assert ESC not in out.stdout + out.stderr


async def test_a_hostile_card_is_text_in_the_card_browser(make, workdir, monkeypatch):
    """The browser's table: a question with markup and an action link is shown as written, with
    no style and nothing to click; searching for it works on the text as written."""
    monkeypatch.chdir(workdir)
    _hostile_deck(workdir / "cards")
    app = make(screen="browser")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, lambda: app.screen.id == "browser" and app.screen.loaded and app.screen.rows)
        table = app.screen.query_one("#browser-table", DataTable)
        topic, question = table.get_row("evil-one")[2:4]
        assert str(topic).startswith("Evil [/] [b]title") and not topic.spans  # cut to the column
        assert "[bold red]red[/bold red]" in str(question) and "[@click=app.screenshot" in str(question)
        assert not question.spans and ESC not in str(question) and "\x07" not in str(question)
        await pilot.press("slash", *"[/]")
        await settle(pilot, lambda: [r.card_id for r in app.screen.rows] == ["evil-one"])
        await pilot.press("escape")
        for row in range(table.row_count):  # clicking every listed question does nothing
            table.move_cursor(row=row)
            await pilot.click("#browser-table", offset=(60, row + 1))
        await pilot.pause()
        assert app.is_running
    assert not list(workdir.rglob(SHOT))

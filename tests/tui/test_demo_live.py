"""The demo screen, driven like a person: a (fake) demo streams JSON progress, the curves redraw
as it trains, `x` stops it, `q` while it runs asks first, and a finished run shows its PNG."""

from __future__ import annotations

from textual.widgets import DataTable

from tests.tui.conftest import settle


def _status(app) -> str:
    return str(app.screen.query_one("#demo-status").render())


async def _start_fake(pilot, app):
    screen = app.screen
    await settle(pilot, lambda: screen.demos)
    screen.query_one("#demo-list", DataTable).move_cursor(row=0)  # fake_demo.py
    await pilot.press("r")
    return screen


async def test_curves_update_live_and_x_stops(make, monkeypatch):
    monkeypatch.setenv("FAKE_DEMO_FOREVER", "1")
    app = make(screen="demos")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _start_fake(pilot, app)
        await settle(pilot, lambda: len(screen.curves.steps) >= 3 and screen.plot_updates >= 1)
        assert screen.curves.loss[:3] == [1.0, 0.5, 1.0 / 3]  # the streamed values, in order
        assert screen.curves.lr[0] == 0.1 and screen.curves.momentum[0] == 0.9
        drawn, seen = screen.plot_updates, len(screen.curves.steps)
        # it keeps training: more steps arrive and the plot is redrawn with them
        await settle(pilot, lambda: len(screen.curves.steps) > seen + 2 and screen.plot_updates > drawn)
        assert screen.curves.val_acc == [0.7]  # the epoch event
        assert screen.query_one("#demo-plots").display

        # q while it runs asks; n keeps it running
        await pilot.press("q")
        await settle(pilot, lambda: app.screen.id == "demo-confirm")
        assert "still running" in str(app.screen.query_one("#demo-confirm-text").render())
        await pilot.press("n")
        await settle(pilot, lambda: app.screen is screen)
        assert screen.process is not None

        await pilot.press("x")
        await settle(pilot, lambda: screen.process is None)
        assert "Stopped fake_demo.py" in _status(app)
        assert "still training" in screen.log_path.read_text()  # the log is kept on disk


async def test_q_yes_stops_the_demo_and_leaves(make, monkeypatch):
    monkeypatch.setenv("FAKE_DEMO_FOREVER", "1")
    app = make(screen="demos")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _start_fake(pilot, app)
        await settle(pilot, lambda: screen.process is not None and screen.curves.steps)
        process = screen.process
        await pilot.press("q")
        await settle(pilot, lambda: app.screen.id == "demo-confirm")
        await pilot.press("y")
        await settle(pilot, lambda: app.screen.id not in ("demos", "demo-confirm"))
        await settle(pilot, lambda: process.returncode is not None)  # killed, not left running


async def test_finished_run_shows_its_png(make, workdir):
    app = make(screen="demos")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _start_fake(pilot, app)
        await settle(pilot, lambda: "finished" in _status(app))
        png = workdir / "runs" / "fake_demo" / "loss.png"
        assert str(png) in _status(app)
        await settle(pilot, lambda: screen.query(".demo-image"))
        assert screen.query_one("#demo-images").display
        assert (workdir / "runs" / "logs" / "fake_demo.log").is_file()

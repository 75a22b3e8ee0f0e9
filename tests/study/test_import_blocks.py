"""The block pass: markdown-it's debug logs are off only while a piece is parsed, and front
matter is only read at the top of the file (later pieces start at a heading)."""

from __future__ import annotations

import logging
import sys

from studytui.study.importing import blocks
from studytui.study.importing.blocks import parse_blocks


def test_markdown_it_loggers_are_restored_and_debug_logging_still_works(caplog):
    modules = blocks._rule_modules()
    assert modules and all(isinstance(m.LOGGER, logging.Logger) for m in modules)
    before = [m.LOGGER for m in modules]
    list(parse_blocks(b"# Title\n\nWhat is it?\n\n- a\n- b\n"))
    assert [m.LOGGER for m in modules] == before
    with caplog.at_level(logging.DEBUG, logger="markdown_it"):
        list(parse_blocks(b"# Title\n\nWhat is it?\n"))
    assert any("entering" in r.getMessage() for r in caplog.records)  # a listener still hears them
    assert sys.modules["markdown_it.rules_block.fence"].LOGGER is before[
        [m.__name__ for m in modules].index("markdown_it.rules_block.fence")]


def test_front_matter_only_at_the_top_of_a_big_file(monkeypatch):
    monkeypatch.setattr(blocks, "PIECE_CHARS", 64)
    text = b"---\ntags: [x]\n---\n\n# One\n\nText one.\n\n" + b"".join(
        b"# Heading %d\n\n---\nnot: front matter\n---\n\nText.\n\n" % i for i in range(5))
    assert len(list(blocks.pieces(text))) > 2
    kinds = [b.kind for b in parse_blocks(text)]
    assert kinds.count("front") == 1 and kinds[0] == "front"
    assert kinds.count("hr") == 5  # the `---` under each later heading is a rule, not front matter


NOTES = b"".join(
    b"# Section %d\n\n## Q%d: why does trick %d help?\n\nIt keeps gradients alive.\n\n- one\n  - nested\n- two\n\n"
    b"| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted %d\n\n```python\n# not a heading\n```\n\n$$\nx^2\n$$\n\n" % (i, i, i, i)
    for i in range(200))


def small_pieces(monkeypatch) -> None:
    monkeypatch.setattr(blocks, "PIECE_CHARS", 2048)
    monkeypatch.setattr(blocks, "PARALLEL_BYTES", 1)
    monkeypatch.setattr(blocks, "_workers", lambda: 2)


def serial_blocks(monkeypatch) -> list:
    with monkeypatch.context() as patch:
        patch.setattr(blocks, "PARALLEL_BYTES", 1 << 40)
        return list(parse_blocks(NOTES))


def test_blocks_survive_the_trip_from_a_worker_process():
    import pickle

    found = list(parse_blocks(NOTES))
    assert {b.kind for b in found} >= {"heading", "paragraph", "list", "table", "quote", "code", "math"}
    assert pickle.loads(pickle.dumps(found)) == found


def test_pieces_parsed_in_worker_processes_give_the_same_blocks(monkeypatch):
    small_pieces(monkeypatch)
    assert len(list(blocks.pieces(NOTES))) > 10
    used = []
    real_submit = blocks._submit
    monkeypatch.setattr(blocks, "_submit", lambda *a: used.append(a[1]) or real_submit(*a))
    assert list(parse_blocks(NOTES)) == serial_blocks(monkeypatch)
    assert len(used) == len(list(blocks.pieces(NOTES)))  # every piece went to a worker


def test_when_a_worker_dies_the_pieces_left_are_parsed_here(monkeypatch):
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    small_pieces(monkeypatch)
    real_submit, calls = blocks._submit, []

    def dying(pool, offset, piece):
        calls.append(offset)
        if len(calls) < 3:
            return real_submit(pool, offset, piece)
        dead: Future = Future()
        dead.set_exception(BrokenProcessPool("a worker was killed"))
        return dead

    monkeypatch.setattr(blocks, "_submit", dying)
    assert list(parse_blocks(NOTES)) == serial_blocks(monkeypatch)


def test_without_worker_processes_the_file_is_parsed_here(monkeypatch):
    import concurrent.futures

    small_pieces(monkeypatch)

    def no_semaphores(*args, **kwargs):
        raise OSError("no POSIX semaphores here")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_semaphores)
    assert list(parse_blocks(NOTES)) == serial_blocks(monkeypatch)


def test_a_spawned_worker_importing_the_cli_module_does_not_run_the_cli(monkeypatch):
    import runpy

    monkeypatch.setattr(sys, "argv", ["studytui", "--no-such-option"])  # the CLI would exit on it
    runpy.run_module("studytui", run_name="__mp_main__")  # what a spawned worker of `python -m studytui` runs

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

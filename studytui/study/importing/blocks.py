"""Markdown -> a compact list of blocks with their line ranges (markdown-it-py does the parsing).

Only the block structure is parsed (inline parsing is switched off: the detectors read each
block's raw text), so code, `$$` math, HTML blocks, lists and tables are structure, not guesses.
Big files are parsed in pieces cut at top-level headings outside fences, so memory stays bounded
by one piece's tokens; the blocks keep absolute line numbers. Pieces are independent, so a file of
several MB has them parsed by worker processes (a few pieces ahead, in order) while this process
reads the blocks of the ones done: markdown-it is half of a big import's time.
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator

PIECE_CHARS = 256 * 1024
PARALLEL_BYTES = 4 * 1024 * 1024  # smaller files: starting a worker (~0.3 s) costs more than it saves
MAX_WORKERS = 2  # past two, this process (detecting cards in the blocks) is the bottleneck
_FENCE = re.compile(rb" {0,3}(`{3,}|~{3,})")  # used with .match(data, pos): no `^` (it would not match at pos)
_ATX = re.compile(rb"#{1,6}(?:[ \t\n]|$)")


@dataclass(slots=True)
class Block:
    kind: str  # heading paragraph list code math html table hr quote front
    start: int  # 0-based first line
    end: int  # line after the last one
    text: str = ""  # raw inline text (heading, paragraph) or HTML
    level: int = 0  # heading level
    items: list["Item"] = field(default_factory=list)  # list
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # table: (line, cells), header first
    children: list["Block"] = field(default_factory=list)  # quote

    def __reduce__(self):  # blocks come back from worker processes: plain arguments pickle 3x faster
        if self.items or self.rows or self.children:
            return Block, (self.kind, self.start, self.end, self.text, self.level, self.items, self.rows, self.children)
        return Block, (self.kind, self.start, self.end, self.text, self.level)


@dataclass(slots=True)
class Item:
    start: int
    end: int
    text: str  # the item's first paragraph ("" when it starts with something else)
    text_end: int  # line after that paragraph
    children: list[Block]  # what follows the first paragraph inside the item
    number: int | None  # ordered-list number

    def __reduce__(self):
        return Item, (self.start, self.end, self.text, self.text_end, self.children, self.number)


@lru_cache(maxsize=2)
def _parser(front: bool = True):
    """The block parser; `front`: with the front matter rule (only the first piece can start with
    front matter, and the rule is tried at every block of the others)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark", {"maxNesting": 20}).enable("table")
    if front:
        md.use(front_matter_plugin)
    md.use(dollarmath_plugin, allow_labels=False, allow_space=True, double_inline=True)
    md.disable("inline")  # raw text is all the detectors need; inline parsing is the slow half
    return md


def pieces(text: bytes) -> Iterator[tuple[int, str]]:
    """(first line, decoded piece) cuts of UTF-8 `text` at `#` headings in column 0 outside fences."""
    if len(text) <= PIECE_CHARS:
        yield 0, text.decode("utf-8", "replace")
        return
    start_pos, start_line, line_no, pos = 0, 0, 0, 0
    fence: bytes | None = None
    n = len(text)
    while pos < n:
        nl = text.find(b"\n", pos)
        end = n if nl < 0 else nl + 1
        head = text[pos:pos + 8]
        if fence is not None:
            if text[pos:end].strip().startswith(fence) and not text[pos:end].strip().strip(fence[:1]):
                fence = None
        elif head[:1] in (b"`", b"~", b" ") and (m := _FENCE.match(text, pos, min(end, pos + 40))):
            fence = m.group(1)
        elif head[:1] == b"#" and pos - start_pos >= PIECE_CHARS and _ATX.match(head):
            yield start_line, text[start_pos:pos].decode("utf-8", "replace")
            start_pos, start_line = pos, line_no
        pos = end
        line_no += 1
    yield start_line, text[start_pos:].decode("utf-8", "replace")


def parse_blocks(text: bytes) -> Iterator[Block]:
    """Every top-level block of UTF-8 `text`, in order (already normalized: LF, no NUL)."""
    workers = _workers() if len(text) >= PARALLEL_BYTES else 0
    if workers:
        yield from _parse_in_workers(text, workers)
        return
    for offset, piece in pieces(text):
        yield from parse_piece(offset, piece)


def parse_piece(offset: int, piece: str) -> list[Block]:
    """The blocks of one piece that starts at line `offset` (also run in worker processes)."""
    from studytui.study.gcpause import gc_paused

    with _debug_logs_off(), gc_paused():  # tokens and blocks hold no cycles: nothing for the collector
        tokens = _parser(front=offset == 0).parse(piece)
        return _walk(tokens, 0, "", offset)[0]


def _workers() -> int:
    """Worker processes worth starting: one per CPU up to MAX_WORKERS (this process mostly waits
    for them, and detects cards in between); 0 on one CPU, where the parse stays here."""
    import os

    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return min(MAX_WORKERS, cpus) if cpus > 1 else 0


def _parse_in_workers(text: bytes, workers: int) -> Iterator[Block]:
    """parse_blocks with the pieces parsed in `workers` processes, a few pieces ahead, in order.
    Where processes cannot be started, or a worker dies, the pieces left are parsed here."""
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    todo = pieces(text)
    try:  # spawn, not fork: safe whatever threads this process runs, and the same on every OS
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    except (OSError, ImportError, NotImplementedError):  # e.g. no POSIX semaphores in a sandbox
        pool = None
    if pool is None:
        for offset, piece in todo:
            yield from parse_piece(offset, piece)
        return
    window: deque = deque()  # (offset, piece, future) in file order
    broken = False
    try:
        for offset, piece in todo:
            window.append((offset, piece, None if broken else _submit(pool, offset, piece)))
            while len(window) > 2 * workers or (window and window[0][2] is None):
                blocks, broken = _result(window.popleft(), broken)
                yield from blocks
        while window:
            blocks, broken = _result(window.popleft(), broken)
            yield from blocks
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _submit(pool, offset: int, piece: str):
    from concurrent.futures.process import BrokenProcessPool

    try:
        return pool.submit(parse_piece, offset, piece)
    except (BrokenProcessPool, RuntimeError):
        return None


def _result(entry, broken: bool) -> tuple[list[Block], bool]:
    """The blocks of a piece from its worker; parsed here when it has none or the pool broke."""
    from concurrent.futures.process import BrokenProcessPool

    offset, piece, future = entry
    if future is not None and not broken:
        try:
            return future.result(), False
        except BrokenProcessPool:  # a worker was killed (out of memory?): carry on in this process
            broken = True
    return parse_piece(offset, piece), broken


class _NoLog:
    debug = staticmethod("".format)  # a C function that takes any arguments: no Python frame

    @staticmethod
    def isEnabledFor(level: int) -> bool:  # a nested parse sees it swapped already: it restores it as found
        return False


@lru_cache(maxsize=1)
def _rule_modules() -> tuple:
    import importlib
    import pkgutil

    import markdown_it.rules_block

    names = ["markdown_it.parser_block", "mdit_py_plugins.dollarmath.index", "mdit_py_plugins.front_matter.index"]
    names += [f"markdown_it.rules_block.{m.name}" for m in pkgutil.iter_modules(markdown_it.rules_block.__path__)]
    found = []
    for name in names:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if isinstance(getattr(module, "LOGGER", None), logging.Logger):
            found.append(module)
    return tuple(found)


@contextmanager
def _debug_logs_off() -> Iterator[None]:
    """markdown-it's block rules log a debug line on entry, whether or not anyone listens: five
    million calls for 50 MB of notes, a sixth of the parse. While a piece is parsed, and only when
    debug logging is off, each rule module's logger is swapped for one that does nothing."""
    modules = [m for m in _rule_modules() if not m.LOGGER.isEnabledFor(logging.DEBUG)]
    saved = [m.LOGGER for m in modules]
    for m in modules:
        m.LOGGER = _NoLog
    try:
        yield
    finally:
        for m, logger in zip(modules, saved):
            m.LOGGER = logger


def _map(tok, offset: int) -> tuple[int, int]:
    m = tok.map or (0, 0)
    return m[0] + offset, m[1] + offset


def _walk(tokens, i: int, close: str, off: int) -> tuple[list[Block], int]:
    blocks: list[Block] = []
    n = len(tokens)
    while i < n:
        t = tokens[i]
        kind = t.type
        if kind == close:
            return blocks, i + 1
        if kind == "paragraph_open":  # the most common block first
            m = t.map
            blocks.append(Block("paragraph", m[0] + off, m[1] + off, tokens[i + 1].content) if m else
                          Block("paragraph", off, off, tokens[i + 1].content))
            i += 3
        elif kind == "heading_open":
            s, e = _map(t, off)
            blocks.append(Block("heading", s, e, tokens[i + 1].content, level=int(t.tag[1])))
            i += 3
        elif kind in ("bullet_list_open", "ordered_list_open"):
            s, e = _map(t, off)
            block = Block("list", s, e)
            i += 1
            while i < n and tokens[i].type == "list_item_open":
                it = tokens[i]
                number = int(it.info) if it.info.isdigit() and len(it.info) < 10 else None
                inner, i = _walk(tokens, i + 1, "list_item_close", off)
                a, b = _map(it, off)
                if inner and inner[0].kind == "paragraph":
                    block.items.append(Item(a, b, inner[0].text, inner[0].end, inner[1:], number))
                else:
                    block.items.append(Item(a, b, "", a, inner, number))
            i += 1  # the list's close
            blocks.append(block)
        elif kind == "blockquote_open":
            s, e = _map(t, off)
            inner, i = _walk(tokens, i + 1, "blockquote_close", off)
            blocks.append(Block("quote", s, e, children=inner))
        elif kind == "table_open":
            s, e = _map(t, off)
            block = Block("table", s, e)
            row: list[str] = []
            row_line = s
            i += 1
            while i < n and tokens[i].type != "table_close":
                tt = tokens[i]
                if tt.type == "tr_open":
                    row, row_line = [], _map(tt, off)[0]
                elif tt.type == "inline":
                    row.append(tt.content)
                elif tt.type == "tr_close":
                    block.rows.append((row_line, row))
                i += 1
            i += 1
            blocks.append(block)
        elif kind in ("fence", "code_block"):
            blocks.append(Block("code", *_map(t, off)))
            i += 1
        elif kind.startswith("math_block"):
            blocks.append(Block("math", *_map(t, off)))
            i += 1
        elif kind == "html_block":
            blocks.append(Block("html", *_map(t, off), t.content))
            i += 1
        elif kind == "hr":
            blocks.append(Block("hr", *_map(t, off)))
            i += 1
        elif kind == "front_matter":
            blocks.append(Block("front", *_map(t, off), t.content))
            i += 1
        else:
            i += 1
    return blocks, i

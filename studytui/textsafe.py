"""User content is text: strip what a terminal would interpret before it reaches the screen.

Card text, notes, deck keys, paths and typed answers come from files the user did not write
(imported notes, shared decks). A terminal acts on control characters — ESC starts sequences that
can clear the screen, set the window title or write the clipboard (OSC 52) — so every echo of user
content goes through `clean()`. Newline and tab are kept; every other C0 control, DEL, and the C1
range (which some terminals read as 8-bit escape introducers) is dropped. Markup is a separate
concern: render user text through Rich `Text` / Textual `Content`, never as a markup string.
"""

from __future__ import annotations

import re

# C0 controls except \t (0x09) and \n (0x0a), DEL, C1 controls; lone \r too (it rewrites the line).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """`text` without control characters, newline and tab kept (CRLF becomes LF)."""
    return _CONTROLS.sub("", text.replace("\r\n", "\n"))


def clean_line(text: str) -> str:
    """`clean` for one-line contexts (table cells, titles): newlines and tabs become spaces."""
    return clean(text).replace("\n", " ").replace("\t", " ")

"""Anki field HTML -> Markdown (markdownify), with Anki's own bits: `[sound:...]` dropped,
MathJax `\\(...\\)` / `\\[...\\]` -> `$...$` / `$$...$$`."""

from __future__ import annotations

import re

_MATH_INLINE = re.compile(r"\\\((.{0,2000}?)\\\)", re.S)
_MATH_BLOCK = re.compile(r"\\\[(.{0,5000}?)\\\]", re.S)
_SOUND = re.compile(r"\[sound:[^\]\n]{0,300}\]")


def html_to_markdown(html: str) -> str:
    if "<" not in html and "&" not in html:
        text = html
    else:
        from markdownify import markdownify

        text = markdownify(html, heading_style="ATX", bullets="-", escape_asterisks=False,
                           escape_underscores=False, escape_misc=False)
    text = _SOUND.sub("", text)
    text = _MATH_BLOCK.sub(lambda m: f"$${m.group(1)}$$", text)
    text = _MATH_INLINE.sub(lambda m: f"${m.group(1).strip()}$", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()

"""Benchmark: import a generated 1,000-question Markdown file (goal: under 1 s).

    python benchmarks/importer.py

The file mixes every supported format (numbered headings, `## Qn:` headings, **Q:**/**A:**
lines, bulleted questions), with fenced code holding `#` lines, LaTeX and a table of contents.
Prints the parse time (first run and best of 5) and the ratio of the first run to the goal.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from studytui.study.importer import parse_markdown  # noqa: E402

GOAL_S = 1.0


def generate(n: int = 1000) -> str:
    parts = ["# Generated notes\n", "## Contents\n"]
    parts += [f"{i + 1}. [Question {i}](#q{i})" for i in range(0, n, 4)]
    parts.append("\n## Exhaustive Q&A\n")
    for i in range(n):
        kind = i % 4
        if kind == 0:
            parts.append(f"### {i + 1}. What is the output size for case {i}?\n"
                         f"Use $\\lfloor (H + 2p - k)/s \\rfloor + 1$ with $H = {i}$.\n\n"
                         "```python\n# a comment, not a heading\nx = conv(x)\n```\n")
        elif kind == 1:
            parts.append(f"## Q{i}: Why does trick {i} help?\n**Answer:**\nIt keeps gradients alive.\n"
                         "- a bullet\n- another bullet\n")
        elif kind == 2:
            parts.append(f"**Q:** How many parameters in layer {i}?\n**A:** {i * 9 + 1}, weights plus a bias.\n")
        else:
            parts.append(f"## Bullets {i}\n- Which kernel size for block {i}?\n  A 3x3 kernel, twice.\n")
    return "\n".join(parts)


def main() -> None:
    text = generate()
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        result = parse_markdown(text, deck="bench")
        runs.append(time.perf_counter() - t0)
    assert len(result.cards) == 1000, len(result.cards)
    print(f"import 1,000 questions ({len(text.splitlines())} lines): cold {runs[0] * 1000:.0f} ms  "
          f"best {min(runs) * 1000:.0f} ms  goal {GOAL_S * 1000:.0f} ms  ratio {runs[0] / GOAL_S:.2f}")


if __name__ == "__main__":
    main()

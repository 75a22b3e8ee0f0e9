"""Benchmark the importer: recall/precision on the sample corpus, parse speed, and a 50 MB import.

    python benchmarks/importer.py            # corpus + 1,000 questions + 50 MB import and a start after it
    python benchmarks/importer.py --quick    # corpus + 1,000 questions only

The 50 MB file (100,000 questions, every Markdown format mixed, answers with code, `$$` math and
lists) is generated here, imported with `studytui import` in a child process (its wall time, the
goal; the CPU time of it and its Markdown worker processes together; the peak RSS of the largest
of them), then `studytui stats --json` is timed as "a start after it" (it loads the deck).
Goals (issue 12): import under 20 s and 300 MB; a start after it under 1 s.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "import_corpus"))

from studytui.study.importing import parse_markdown  # noqa: E402

IMPORT_GOAL_S, IMPORT_GOAL_MB, START_GOAL_S = 20.0, 300, 1.0


FILLER = ("\nIn practice, check the shapes with a quick forward pass on a dummy batch, compare the count of "
          "parameters with the paper's table, and keep a note of what surprised you for the exam. "
          "Redo the arithmetic by hand once, then let the calculator confirm it.\n")


def one_question(i: int) -> str:
    return _question(i) + FILLER


def _question(i: int) -> str:
    kind = i % 5
    if kind == 0:
        return (f"### {i + 1}. What is the output size for case {i}? [[src](https://example.org/{i})]\n\n"
                f"Use $\\lfloor (H + 2p - k)/s \\rfloor + 1$ with $H = {i % 512}$, then check it:\n\n"
                "$$\nH_{out} = \\left\\lfloor \\frac{H + 2p - d(k - 1) - 1}{s} \\right\\rfloor + 1\n$$\n\n"
                "```python\n# a comment, not a heading\nx = nn.Conv2d(3, 16, 3, padding=1)(x)\n```\n")
    if kind == 1:
        return (f"## Q{i}: Why does trick {i} help training?\n**Answer:**\nIt keeps gradients alive through "
                "depth, so early layers keep learning.\n\n- first reason, with a nested list\n  - detail one\n"
                "  - detail two\n- second reason: the loss surface is smoother\n")
    if kind == 2:
        return (f"**Q:** How many parameters does layer {i} have?\n**A:** {i * 9 + 1}, counting the weights of "
                "every kernel plus one bias per output channel, which is what `sum(p.numel())` reports.\n")
    if kind == 3:
        return (f"**Why is choice {i} a good default? 👶**\n\nBecause it trades memory for speed in a way that "
                "suits most GPUs; measure before changing it. A longer explanation follows here with enough "
                "words to look like a real answer from someone's notes on convolutional networks.\n")
    return (f"- Which kernel size suits block {i}?\n  A 3x3 kernel, twice, which sees 5x5 with fewer weights "
            "than one 5x5 kernel and adds a second non-linearity between the two.\n")


def generate(n: int) -> str:
    return "\n".join(generate_parts(n))


def generate_parts(n: int):
    yield "# Generated notes\n"
    yield "## Contents\n"
    yield from (f"{i + 1}. [Question {i}](#q{i})" for i in range(0, min(n, 400), 4))
    yield "\n## Exhaustive Q&A\n"
    for i in range(n):
        if i % 5 == 4:
            yield f"## Bullets {i}\n"
        yield one_question(i)


def write_notes(path: Path, n: int) -> None:
    """generate(n) written piece by piece: this process must stay small, because a child's peak
    RSS (ru_maxrss) starts from its parent's high-water mark (the child is vforked from it)."""
    with open(path, "w", encoding="utf-8") as out:
        for k, part in enumerate(generate_parts(n)):
            out.write("\n" + part if k else part)


def corpus() -> None:
    from score import score_all

    scores = score_all()
    exp = sum(s.expected for s in scores)
    ok = sum(s.correct for s in scores)
    prod = sum(s.produced for s in scores)
    for s in scores:
        print(f"  {s.name:20s} expected {s.expected:3d}  produced {s.produced:3d}  correct {s.correct:3d}  "
              f"skipped as expected: {'yes' if s.skipped_ok else 'NO'}")
    print(f"corpus ({len(scores)} files): recall {ok / exp:.1%}  precision {ok / prod:.1%}  "
          f"silent drops {sum(not s.skipped_ok for s in scores)}  (goal: recall >= 90%, precision >= 95%, 0)")


def small() -> None:
    text = generate(1000)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        result = parse_markdown(text, deck="bench")
        runs.append(time.perf_counter() - t0)
    assert len(result.cards) == 1000, len(result.cards)
    print(f"parse 1,000 questions ({len(text) / 1e3:.0f} KB): best {min(runs) * 1000:.0f} ms")


def big() -> None:
    with tempfile.TemporaryDirectory(prefix="studytui-bench-") as tmp:
        notes = Path(tmp) / "big.md"
        write_notes(notes, 100_000)
        size_mb = notes.stat().st_size / 1e6
        env = {**os.environ, "PYTHONPATH": str(ROOT), "STUDYTUI_DB": str(Path(tmp) / "s.db")}
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "studytui", "import", str(notes), "--deck", "big"],
                           capture_output=True, text=True, env=env)
        took = time.perf_counter() - t0
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the only child so far
        rss_mb, cpu_s = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
        if p.returncode != 0:
            print(p.stderr[-2000:])
            raise SystemExit("import failed")
        print(p.stdout.strip()[-200:])
        yaml_mb = (Path(tmp) / "imported" / "s" / "big.yaml").stat().st_size / 1e6  # imported/<db name>/
        print(f"import {size_mb:.1f} MB / 100,000 questions -> {yaml_mb:.1f} MB YAML: {took:.1f} s "
              f"wall, {cpu_s:.1f} s CPU over all its processes (goal {IMPORT_GOAL_S:.0f} s, ratio {took / IMPORT_GOAL_S:.2f}), "
              f"peak RSS {rss_mb:.0f} MB "
              f"(goal {IMPORT_GOAL_MB} MB, ratio {rss_mb / IMPORT_GOAL_MB:.2f})")
        starts = []
        for _ in range(2):
            t0 = time.perf_counter()
            s = subprocess.run([sys.executable, "-m", "studytui", "stats", "--json"], capture_output=True,
                               text=True, env=env)
            starts.append(time.perf_counter() - t0)
        print(f"start after it (stats --json, loads the deck): first {starts[0]:.1f} s, then {starts[1]:.1f} s "
              f"(goal {START_GOAL_S:.0f} s){'' if s.returncode == 0 else ' FAILED: ' + s.stderr[-300:]}")


def main() -> None:
    corpus()
    small()
    if "--quick" not in sys.argv:
        big()


if __name__ == "__main__":
    main()

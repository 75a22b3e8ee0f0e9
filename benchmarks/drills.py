"""Drill throughput: problems generated and checked analytically per second, beside the time
torch needs to verify the same answers (meta device, studytui.torchcheck.measure), as a ratio.

    python benchmarks/drills.py [--count 3000] [--verify 300] [--kind mixed]

"Generated and checked" = drawing the stack, the calculator's answer and prompt, then grading
the correct answer text through the safe parser (sympy). The worked solution and the torch
snippet are text built on first use; their cost is printed separately.
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--verify", type=int, default=300, help="problems verified with torch per level")
    parser.add_argument("--kind", default="mixed")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (the machine may be shared)")
    args = parser.parse_args()

    from studytui.drills import check_answer, generate

    generate(args.kind, 3, 0, 20)  # load the YAML families and warm the caches
    check_answer(generate(args.kind, 1, 0, 1)[0], "1")  # import sympy once, outside the timing

    from studytui.torchcheck import measure

    print(f"{'level':>5} {'generated+checked/s':>20} {'+solution+snippet/s':>20} {'torch measure/s':>16} {'ratio':>7}")
    for level in (1, 2, 3):
        analytic = text = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            problems = generate(args.kind, level, args.seed, args.count)
            ok = sum(check_answer(p, p.answer_text).correct for p in problems)
            analytic = min(analytic, time.perf_counter() - start)
            assert ok == len(problems)
            start = time.perf_counter()
            for p in problems:
                p.solution, p.snippet  # noqa: B018  (build the text)
            text = min(text, time.perf_counter() - start)
        sample = problems[: args.verify]
        start = time.perf_counter()
        for p in sample:
            measure(p.report)
        torch_rate = len(sample) / (time.perf_counter() - start)
        rate = len(problems) / analytic
        print(f"{level:>5} {rate:>20,.0f} {len(problems) / (analytic + text):>20,.0f} {torch_rate:>16,.0f} "
              f"{rate / torch_rate:>6.0f}x")


if __name__ == "__main__":
    main()

"""Drills aimed at a student's recurring mistakes: how much more often they meet their mistake.

Each simulated student has one fixed misconception (a rule of studytui.drills.diagnose, e.g.
"params.bias_forgotten"): whenever that mistake would change a problem's answer they give the
mistaken answer, otherwise the right one. They drill as the app lets them (each problem drawn by
aimed_problem from the profile of their log so far; wrong answers logged with their diagnosed
keys) until 20 answers were wrong. Then we draw many seeded slots twice, with no aim (the normal
mix, "before") and with the aim their log now gives ("after"), and count the problems their
mistake would change. The ratio after/before is what the issue asks to be at least 2 (it cannot
exceed 1/before: when most problems of a family already test a rule, aiming adds little).

    python benchmarks/adaptive_drills.py [--students 3] [--slots 300]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from studytui.drills.check import check_answer
from studytui.drills.diagnose import label, mistaken_answer, sensitive_keys
from studytui.drills.generate import aimed_problem, problem
from studytui.drills.problem import format_answer
from studytui.study.mistakes import aim_weights, mistake_profile

ROWS = [  # (misconception, kind, level)
    ("params.bias_forgotten", "mixed", 2),
    ("params.bias_forgotten", "params", 2),
    ("rf.own_stride", "mixed", 2),
    ("rf.own_stride", "rf", 3),
    ("shape.pad_once", "mixed", 2),
    ("shape.pad_once", "shapes", 2),
    ("shape.pool_stride_1", "shapes", 1),
    ("macs.input_size", "mixed", 2),
    ("params.bn_left_out", "mixed", 2),
]
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Attempt:
    at: datetime
    correct: bool
    mistakes: tuple[str, ...]


def practise(misconception: str, kind: str, level: int, seed: int, wrong_answers: int = 20) -> tuple[list, int]:
    log: list[Attempt] = []
    wrong = 0
    while wrong < wrong_answers and len(log) < 2000:
        p = aimed_problem(kind, level, seed, len(log), aim_weights(mistake_profile(log)))
        value = mistaken_answer(p, misconception)
        typed = p.answer_text if value is None else format_answer(
            p.quantity, value if isinstance(value, int) else list(value), p.order)
        feedback = check_answer(p, typed)
        log.append(Attempt(T0 + timedelta(minutes=len(log)), feedback.correct, feedback.mistakes))
        wrong += not feedback.correct
    return log, len(log)


def share(misconception: str, kind: str, level: int, aim: dict, seed: int, slots: int) -> float:
    return sum(misconception in sensitive_keys(aimed_problem(kind, level, seed, i, aim)) for i in range(slots)) / slots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=3, help="simulated students per row (seeds)")
    parser.add_argument("--slots", type=int, default=300, help="seeded slots each share is measured over")
    args = parser.parse_args()
    print(f"{args.students} students per row, shares over {args.slots} seeded slots each")
    print(f"{'misconception':<24} {'drill':<9} {'asked':>6} {'before':>7} {'after':>7} {'ratio':>6}")
    start = time.perf_counter()
    for misconception, kind, level in ROWS:
        asked = before = after = 0.0
        for s in range(args.students):
            log, n = practise(misconception, kind, level, seed=1000 + s)
            aim = aim_weights(mistake_profile(log))
            asked += n
            before += share(misconception, kind, level, {}, 50 + s, args.slots)
            after += share(misconception, kind, level, aim, 50 + s, args.slots)
        k = args.students
        print(f"{misconception:<24} {kind + ' ' + str(level):<9} {asked / k:>6.0f} "
              f"{before / k:>7.0%} {after / k:>7.0%} {after / before if before else float('nan'):>5.2f}x"
              f"   {label(misconception)}")
    elapsed = time.perf_counter() - start
    t = time.perf_counter()
    plain = [problem("mixed", 2, 9, i) for i in range(200)]
    t_plain = (time.perf_counter() - t) / len(plain)
    t = time.perf_counter()
    aimed = [aimed_problem("mixed", 2, 9, i, {"params.bias_forgotten": 1.0, "rf.own_stride": 0.5}) for i in range(200)]
    t_aimed = (time.perf_counter() - t) / len(aimed)
    print(f"cost of one problem (mixed, level 2): plain {1000 * t_plain:.1f} ms, aimed {1000 * t_aimed:.1f} ms")
    print(f"({elapsed:.0f} s)")


if __name__ == "__main__":
    main()

"""The exam plan against plain FSRS scheduling, over many simulated students.

Each student (seeded) has a daily time budget (40-120 answers), a habit of skipping days (0-35%)
and a chance of knowing a new card at first sight (30-70%); every card they are shown is recalled
with its FSRS retrievability at that moment. Each student runs twice on the same days and budget:
with plain FSRS (learning, due reviews, new cards up to 20 a day) and with the exam plan
(studytui/study/exam_plan.py: today's share of new cards first, then the due reviews, more new
cards up to the limit, then the at-risk reviews it brings forward). On exam day we read the mean
retrievability over the deck (an unseen card counts 0): the expected exam score.

    python benchmarks/exam_plan.py [--students 100] [--seed 0]
"""

from __future__ import annotations

import argparse
import time

from studytui.study.exam_sim import cohort

SCENARIOS = [
    ("200 cards, exam in 21 days", dict(cards=200, days=21)),
    ("150 cards, exam in 14 days", dict(cards=150, days=14)),
    ("300 cards, exam in 21 days", dict(cards=300, days=21)),
    ("150 cards, exam in 30 days", dict(cards=150, days=30)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{args.students} simulated students per row (seed {args.seed}); target: expected exam score >= 90%")
    print("(plan-fwd: the plan without its brought-forward reviews, to see what they add)")
    print(f"{'scenario':<28} {'reached: plan':>14} {'plain':>7} {'plan-fwd':>9}   "
          f"{'mean score: plan':>17} {'plain':>7} {'plan-fwd':>9}")
    start = time.perf_counter()
    for name, settings in SCENARIOS:
        r = cohort(args.students, seed=args.seed, without_forward=True, **settings)
        n = r.students
        print(f"{name:<28} {r.reached_plan / n:>14.0%} {r.reached_plain / n:>7.0%} {r.reached_plan_only_new / n:>9.0%}   "
              f"{r.mean_plan:>17.1%} {r.mean_plain:>7.1%} {r.mean_plan_only_new:>9.1%}")
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()

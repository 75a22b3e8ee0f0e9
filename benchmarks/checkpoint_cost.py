"""Cost of checkpointing after every review: time per `add_review`, with and without it.

    python benchmarks/checkpoint_cost.py [N]

Prints milliseconds per review for both ways and the difference, on a fresh database in a temp
folder (the disk under $TMPDIR is what is measured).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from studytui.study.store import Store


def per_review_ms(folder: Path, n: int, checkpoint: bool) -> float:
    store = Store.open(folder / f"bench-{checkpoint}.db")
    if not checkpoint:
        store.checkpoint = lambda: True  # SQLite's own auto-checkpoint (every 1000 pages) only
    now = datetime.now(timezone.utc)
    start = time.perf_counter()
    for i in range(n):
        store.add_review(f"card-{i % 50}", 3, at=now, duration_ms=1000, content_hash="0" * 16)
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed / n * 1000


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with tempfile.TemporaryDirectory() as tmp:
        without = per_review_ms(Path(tmp), n, checkpoint=False)
        with_cp = per_review_ms(Path(tmp), n, checkpoint=True)
    print(f"{n} reviews: {without:.2f} ms/review commit only, {with_cp:.2f} ms/review with checkpoint "
          f"(+{with_cp - without:.2f} ms, x{with_cp / without:.1f})")


if __name__ == "__main__":
    main()

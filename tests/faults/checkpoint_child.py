"""Child for the kill-during-checkpoint test: fill the -wal with committed reviews, then checkpoint.

    python checkpoint_child.py DB ROWS

Prints "ready COUNT" once every row is committed (in the -wal only: auto-checkpointing is off),
then runs the checkpoint that a parent kills part-way through.
"""

import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path

from studytui.study.store import Store

db, rows = Path(sys.argv[1]), int(sys.argv[2])
Store.open(db).close()  # a real studytui database
conn = sqlite3.connect(db, isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("PRAGMA synchronous=FULL")
conn.execute("PRAGMA wal_autocheckpoint=0")
now = round(datetime.now(timezone.utc).timestamp() * 1000)
conn.execute("BEGIN")
conn.executemany(
    "INSERT INTO review (card_id, rating, reviewed_at, typed) VALUES (?, 3, ?, ?)",
    [(f"card-{i}", now + i, "x" * 2000) for i in range(rows)],
)
conn.execute("COMMIT")
count = conn.execute("SELECT count(*) FROM review").fetchone()[0]
print("ready", count, flush=True)
conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print("done", flush=True)
conn.close()

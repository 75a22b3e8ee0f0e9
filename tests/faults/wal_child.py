"""Child that commits reviews one by one and acknowledges each, then waits to be killed.

    python wal_child.py DB COUNT studytui|raw

studytui: through the real Store (checkpointed after each commit); raw: plain SQLite with
auto-checkpointing off, so every commit stays in the -wal (the state a crash leaves behind when
nothing copied the log into the main file).
"""

import sqlite3
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from studytui.study.store import Store

db, count, how = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
store = Store.open(db)
now = datetime.now(timezone.utc)
if how == "raw":
    store.close()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    for i in range(count):
        conn.execute("INSERT INTO review (card_id, rating, reviewed_at) VALUES (?, 3, ?)", (f"c{i}", i))
        print("ack", conn.execute("SELECT max(id) FROM review").fetchone()[0], flush=True)
else:
    for i in range(count):
        print("ack", store.add_review(f"c{i}", 3, at=now), flush=True)
print("waiting", flush=True)
time.sleep(600)

"""Another program holding the database's write lock: `BEGIN IMMEDIATE`, then wait for a line.

    python lock_holder.py DB      prints "locked", releases (ROLLBACK) when stdin gets a line
"""

import sqlite3
import sys

conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
conn.close()
print("released", flush=True)

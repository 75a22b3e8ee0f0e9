"""Suite-wide: child processes run this checkout's code; the deck cache lives in a temporary
folder, never in the user's cache dir; property tests draw the same examples on every run unless
asked to explore."""

import os
import tempfile
from pathlib import Path

from hypothesis import settings

# CI must not turn red by the luck of a draw: by default hypothesis derandomizes (the examples
# are fixed by each test's source). `HYPOTHESIS_PROFILE=explore pytest ...` searches afresh
# (and more) to hunt for new failures; add what it finds as explicit examples.
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", max_examples=1000, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

_CACHE = tempfile.mkdtemp(prefix="studytui-test-cache-")
os.environ.setdefault("STUDYTUI_CACHE_DIR", _CACHE)

# A child started as `python some/script.py` would otherwise import whatever studytui the
# interpreter has installed (another checkout, or a stale editable install), not this one.
_ROOT = str(Path(__file__).resolve().parent.parent)
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p)

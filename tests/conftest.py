"""Suite-wide: the deck cache lives in a temporary folder, never in the user's cache dir."""

import os
import tempfile

_CACHE = tempfile.mkdtemp(prefix="studytui-test-cache-")
os.environ.setdefault("STUDYTUI_CACHE_DIR", _CACHE)

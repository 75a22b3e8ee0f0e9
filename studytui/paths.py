"""Where studytui keeps its files: the project folders and the user's database."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
# A source checkout (or editable install) has cards/ beside the package; a wheel carries them
# inside it, under _data/.
PROJECT_ROOT = _PACKAGE.parent if (_PACKAGE.parent / "cards").is_dir() else _PACKAGE / "_data"
CARDS_DIR = PROJECT_ROOT / "cards"
DRILLS_DIR = PROJECT_ROOT / "drills"
DEMOS_DIR = PROJECT_ROOT / "demos"


class EmptyDbPath(ValueError):
    """STUDYTUI_DB="" (the CLI prints it as one line)."""


def default_db_path() -> Path:
    """The database path: $STUDYTUI_DB if set, else the platformdirs user data dir."""
    env = os.environ.get("STUDYTUI_DB")
    if env is not None and not env.strip():  # set but empty: a mistake, not "use the default"
        raise EmptyDbPath("STUDYTUI_DB is set but empty; unset it or name a database file")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("studytui")) / "studytui.db"

"""Kept for existing imports: the importer lives in `studytui.study.importing`."""

from studytui.study.importing import *  # noqa: F401,F403
from studytui.study.importing import __all__  # noqa: F401

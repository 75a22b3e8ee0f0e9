"""User-facing errors: the CLI prints them as one line and exits non-zero, never a traceback."""


class StudytuiError(Exception):
    """A mistake the user can fix (bad input, bad file, missing data). Message is one line."""


class SpecError(StudytuiError):
    """A layer written in PyTorch syntax that cannot be parsed or does not make sense."""


class ShapeError(StudytuiError):
    """A stack of layers that torch would refuse for the given input."""

"""wann: search for weight agnostic neural networks (Gaier & Ha, 2019)."""

__version__ = "0.1.0"


class WannError(Exception):
    """An error caused by the user's input; the command line prints it as one line and exits 2."""

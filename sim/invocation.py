"""The command line this process was started with, as recorded in output folders."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path


def command_text(argv: list[str] | None = None) -> str:
    """``argv`` (default ``sys.argv``) as a shell reads it back: each argument quoted (a
    target ``on_time_delivery_pct >= 95`` stays one word, not a redirection), and
    ``fsim`` for the command however it was started (``fsim``, ``python -m sim``)."""
    argv = list(sys.argv if argv is None else argv)
    if not argv:
        return ""
    program = Path(argv[0]).name
    head = "fsim" if program in ("fsim", "__main__.py") else argv[0]
    return shlex.join([head, *argv[1:]])

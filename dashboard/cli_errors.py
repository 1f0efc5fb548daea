"""How the dashboard's commands (``python -m dashboard`` and its ``make-results`` and ``users``)
refuse: one line on stderr, ``error: …`` (after the command's name when given), and the exit
status the caller returns. Never a traceback."""

from __future__ import annotations

import sys

#: The command could not run (bad settings or options, no readable database, …).
EXIT_ERROR = 2


def fail(message: str, status: int = EXIT_ERROR, prog: str | None = None) -> int:
    """Print the one line and give back ``status`` (``return fail(...)``)."""
    prefix = f"{prog}: " if prog else ""
    print(f"{prefix}error: {message}", file=sys.stderr, flush=True)
    return status

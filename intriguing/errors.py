"""User-facing errors: one clear sentence instead of a traceback.

Entry scripts catch :class:`UserError` and print its message; anything else is a bug and keeps
its traceback.
"""
from __future__ import annotations

import difflib
from typing import Iterable


class UserError(Exception):
    """Bad input (a path, a name, a checkpoint) that the user can fix; the message says how."""


def did_you_mean(name: str, choices: Iterable[str], n: int = 5) -> str:
    """Return ' Did you mean a, b?' for the closest choices, or '' when none is close."""
    choices = list(choices)
    close = difflib.get_close_matches(name, choices, n=n, cutoff=0.6)
    if not close:  # substring matches catch short names like 'deit' -> deit_* models
        close = [c for c in choices if name.lower() in c.lower()][:n]
    return f" Did you mean {', '.join(close)}?" if close else ""

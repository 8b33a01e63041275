"""User-facing errors: one clear sentence instead of a traceback.

Entry scripts catch :class:`UserError` and print its message; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class UserError(Exception):
    """Bad input (a path, a name, a checkpoint) that the user can fix; the message says how."""


def did_you_mean(name: str, choices: Iterable[str], n: int = 5) -> str:
    """Return ' Did you mean a, b?' for the closest choices, or '' when none is close."""
    choices = list(choices)
    low, close = name.lower(), []
    for cut in range(len(low), max(3, len(low) - 3) - 1, -1):  # a typo at the end: 'deit_tinyy' -> deit_tiny*
        family = [c for c in choices if c.lower().startswith(low[:cut])]
        if family:  # the family's members most like the name first ('resnet_50' -> resnet50)
            close = sorted(family, key=lambda c: -difflib.SequenceMatcher(None, low, c.lower()).ratio())[:n]
            break
    close = close or difflib.get_close_matches(name, choices, n=n, cutoff=0.6)
    if not close:  # substring matches catch short names like 'deit' -> deit_* models
        close = [c for c in choices if low in c.lower()][:n]
    return f" Did you mean {', '.join(close)}?" if close else ""

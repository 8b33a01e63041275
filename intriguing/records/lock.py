"""One run per results folder: an exclusive OS lock held for the run's lifetime.

``fcntl.flock`` on ``<folder>/.lock`` is released by the operating system when the process ends, however it ends
(kill -9 included), so a stale lock never blocks a rerun. The file holds the owner's pid, host and command, which a
second process names in its refusal.
"""

from __future__ import annotations

import fcntl
import os
import socket
import sys
from pathlib import Path
from typing import IO, Optional

from intriguing.errors import UserError

LOCK = ".lock"


def command_line() -> str:
    """This process's command as the user typed it (``python -m intriguing`` shows as ``intriguing``)."""
    name = Path(sys.argv[0]).name
    return " ".join(["intriguing" if name == "__main__.py" else name] + sys.argv[1:])


class FolderLock:
    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK
        self.file: Optional[IO[str]] = None

    def acquire(self) -> None:
        try:
            f = open(self.path, "a+")
        except OSError as e:
            raise UserError(
                f"Cannot create the lock file {self.path} ({e.strerror or e}); free space or fix the "
                f"folder, or choose another --out-dir."
            ) from None
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            owner = f.read().strip() or "another process"
            f.close()
            raise UserError(
                f"{self.path.parent} is in use by another run ({owner}); wait for it to finish or "
                f"choose another --out-dir."
            ) from None
        try:
            f.seek(0)
            f.truncate()
            f.write(f"pid {os.getpid()} on {socket.gethostname()}: {command_line()}")
            f.flush()
        except OSError as e:  # e.g. a full disk: no half-written lock is left behind (we hold it, so it is ours)
            self.path.unlink(missing_ok=True)
            try:
                f.close()
            except OSError:  # closing flushes the same unwritable buffer again
                pass
            raise UserError(
                f"Cannot write the lock file {self.path} ({e.strerror or e}); free space or fix the "
                f"folder and rerun, or choose another --out-dir."
            ) from None
        self.file = f

    def release(self) -> None:
        if self.file is not None:
            fcntl.flock(self.file, fcntl.LOCK_UN)
            self.file.close()
            self.file = None

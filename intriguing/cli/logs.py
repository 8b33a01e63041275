"""How the command line logs: the ``intriguing`` logger's records on stderr, through ``tqdm.write``.

Library modules log with ``logging.getLogger(__name__)`` and configure nothing (a library never calls
``basicConfig``): a program that calls ``intriguing.run`` decides where records go, and without a handler Python
still prints warnings and errors on stderr. The CLI configures the ``intriguing`` logger once per command, for
the length of the command (so an embedding program, or the test suite, gets it back as it was):

* level INFO by default, DEBUG with ``--verbose``, WARNING with ``--quiet``;
* a record is written with ``tqdm.write`` on stderr, so a message in the middle of a pass does not tear a progress
  bar; warnings and errors keep their ``warning:`` / ``error:`` prefix, informational lines have none.

What a command exists to print (its summary table, ``--print-config``, listings, ``--help``) is not logged: it goes
to stdout with ``print``, whatever the level.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Iterator

from tqdm.auto import tqdm

from intriguing.errors import UserError

LOGGER = "intriguing"


class TqdmHandler(logging.Handler):
    """Writes each record on the current ``sys.stderr`` (looked up per record, so a redirected stream is honoured)
    above any progress bar, which tqdm redraws below it."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            tqdm.write(self.format(record), file=sys.stderr)
            sys.stderr.flush()  # a line at a time, also when stderr is a file (a log of a long run)
        except Exception:  # noqa: BLE001 - logging's contract: a failing handler reports itself, never raises
            self.handleError(record)


class PrefixFormatter(logging.Formatter):
    """``warning: ...`` / ``error: ...`` / ``debug: ...``; an informational line as it is."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text if record.levelno == logging.INFO else f"{record.levelname.lower()}: {text}"


def add_flags(parser: argparse.ArgumentParser) -> None:
    """``--verbose`` / ``--quiet`` on ``parser``, declared by :class:`~intriguing.options.CommonOptions`."""
    from intriguing.options import LOGGING, CommonOptions, add_options

    add_options(parser, CommonOptions, "logging", only=LOGGING)


def flags_in(argv: list[str]) -> tuple[bool, bool]:
    """(verbose, quiet) as a command's parser reads them from ``argv`` (for tools, before their own parser)."""
    p = argparse.ArgumentParser(allow_abbrev=False, add_help=False)
    add_flags(p)
    known, _ = p.parse_known_args(argv)
    return known.verbose, known.quiet


def level(verbose: bool, quiet: bool) -> int:
    if verbose and quiet:
        raise UserError("--verbose and --quiet contradict each other; give one of them.")
    return logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO


@contextlib.contextmanager
def configured(verbose: bool = False, quiet: bool = False) -> Iterator[logging.Logger]:
    """The ``intriguing`` logger set up for one command (its level, the tqdm handler), restored afterwards."""
    logger = logging.getLogger(LOGGER)
    saved = logger.level, logger.propagate, list(logger.handlers)
    handler = TqdmHandler()
    handler.setFormatter(PrefixFormatter())
    logger.setLevel(level(verbose, quiet))
    # this handler is the command line's output: a handler a library (or a test harness) put on the root logger
    # does not print every record a second time
    logger.handlers, logger.propagate = [handler], False
    try:
        yield logger
    finally:
        logger.setLevel(saved[0])
        logger.propagate, logger.handlers = saved[1], saved[2]

"""The command line: ``intriguing <command>`` (:mod:`.main`), ``report`` and ``compare`` tools."""

from intriguing.cli.main import main, run_command

__all__ = ["main", "run_command"]

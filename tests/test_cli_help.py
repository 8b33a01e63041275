"""`--help` works for every command, every tool and every root script (`evaluate_patch.py --help` once crashed:
argparse %-formats help texts, and the --areas help said '5/15/25%')."""

from __future__ import annotations

import re
import runpy
import sys

import pytest

from conftest import REPO
from intriguing.cli.main import TOOLS, main
from intriguing.experiments import EXPERIMENTS

ROOT_SCRIPTS = sorted(p.name for p in REPO.glob("*.py"))


def exit_code(run) -> int:
    """argparse's help exits; a tool may also print its help and return."""
    try:
        return run()
    except SystemExit as e:
        return e.code


@pytest.mark.parametrize("command", sorted(EXPERIMENTS) + sorted(TOOLS))
def test_every_command_prints_its_help(command, capsys):
    code = exit_code(lambda: main([command, "--help"]))
    out = capsys.readouterr().out
    assert code == 0 and f"usage: intriguing {command}" in out
    assert "%(" not in out  # no format directive leaked into the text


def test_patch_help_shows_the_percent_sign(capsys):
    assert exit_code(lambda: main(["patch", "--help"])) == 0
    assert "5/15/25%)" in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("script", ROOT_SCRIPTS)
def test_every_root_script_prints_its_help(script, capsys, monkeypatch):
    command = re.search(r'(?:main|run_command)\("([a-z-]+)"\)', (REPO / script).read_text()).group(1)
    monkeypatch.setattr(sys, "argv", [script, "--help"])
    code = exit_code(lambda: runpy.run_path(str(REPO / script), run_name="__main__"))
    assert code == 0 and f"usage: intriguing {command}" in capsys.readouterr().out


def test_the_root_scripts_are_all_found():
    assert len(ROOT_SCRIPTS) >= 19 and "evaluate_patch.py" in ROOT_SCRIPTS


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["occlusion", "--ratio", "0.5"], "--ratio"),  # --ratios
        (["occlusion", "--model", "x"], "--model"),  # --models, a common option
        (["report", "--no-plo", "results"], "--no-plo"),  # a tool's own parser
        (["reproduce", "naseer2021", "--dry"], "--dry"),  # --dry-run
    ],
)
def test_an_abbreviated_flag_is_refused_not_read_as_the_flag_it_starts(argv, flag, capsys):
    # argparse's default would take "--ratio" for "--ratios": a typo would run silently, a docs example with a
    # truncated flag would pass its check, and a new flag sharing the prefix would break old command lines
    assert exit_code(lambda: main(argv)) == 2
    assert f"unrecognized arguments: {flag}" in capsys.readouterr().err

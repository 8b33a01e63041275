"""The project's tooling is wired as the docs say: ruff configured in pyproject.toml (pinned in the [test] extra)
and run by .ci/run before the tests; the pytest markers declared (unknown ones refused) and the torchrun marker on
exactly the tests that launch torchrun; DeprecationWarnings of our own code fail a test."""

from __future__ import annotations

import ast
import configparser
import re
import subprocess
import sys
import warnings

import pytest

from conftest import REPO

MARKERS = {"e2e", "torchrun", "real_data", "slow"}


def test_ruff_is_configured_pinned_and_run_by_ci_before_the_tests():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    ruff = project["tool"]["ruff"]
    assert ruff["line-length"] == 120 and "format" in ruff
    assert {"E", "F", "W", "I", "B", "UP"} <= set(ruff["lint"]["select"])
    pins = [d for d in project["project"]["optional-dependencies"]["test"] if d.startswith("ruff")]
    assert len(pins) == 1 and re.fullmatch(r"ruff==[\d.]+", pins[0])
    steps = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    tests = next(i for i, s in enumerate(steps) if s.startswith(".venv/bin/python -m pytest"))
    assert steps.index(".venv/bin/ruff check .") < tests and steps.index(".venv/bin/ruff format --check .") < tests
    assert "--durations=20" in steps[tests].split()


def _ini() -> configparser.ConfigParser:
    ini = configparser.ConfigParser()
    ini.read(REPO / "pytest.ini")
    return ini


def test_the_markers_are_declared_and_unknown_ones_refused():
    ini = _ini()["pytest"]
    declared = {line.split(":")[0].strip() for line in ini["markers"].strip().splitlines()}
    assert declared == MARKERS and "--strict-markers" in ini["addopts"].split()
    assert "ignore::DeprecationWarning" not in ini["filterwarnings"]  # no blanket filter


def test_a_deprecation_warning_of_our_code_fails_a_test_and_a_third_partys_does_not():
    with pytest.raises(DeprecationWarning, match="old API"):
        warnings.warn_explicit("old API", DeprecationWarning, "intriguing/options.py", 1, module="intriguing.options")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # what pytest does for warnings no filter names: shown in the summary
        warnings.filterwarnings("error", category=DeprecationWarning, module="intriguing")  # as pytest.ini says
        warnings.warn_explicit("old API", DeprecationWarning, "timm/models/x.py", 1, module="timm.models.x")
    assert [str(w.message) for w in caught] == ["old API"]


def _launches_torchrun(tree: ast.Module) -> set:
    """Names of the module's test functions that launch torchrun: a ``torch.distributed.run`` argument in their
    body or in a module-level helper they call (followed by name)."""
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}

    def launches(fn: ast.FunctionDef, seen: set) -> bool:
        seen.add(fn.name)
        for node in ast.walk(fn):
            if isinstance(node, ast.Constant) and node.value == "torch.distributed.run":
                return True
            if (
                isinstance(node, ast.Name)
                and node.id in funcs
                and node.id not in seen
                and launches(funcs[node.id], seen)
            ):
                return True
        return False

    return {name for name, fn in funcs.items() if name.startswith("test_") and launches(fn, set())}


@pytest.mark.slow  # collects the whole suite in a second process
def test_the_torchrun_marker_selects_exactly_the_tests_that_launch_torchrun():
    # a module that fails to collect is another test's failure; its torchrun tests missing here fail this one too
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--strict-markers",
            "--collect-only",
            "-q",
            "-m",
            "torchrun",
            "--continue-on-collection-errors",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    selected = {line.split("[")[0] for line in p.stdout.splitlines() if "::" in line}
    expected = {
        f"tests/{path.name}::{name}"
        for path in sorted((REPO / "tests").glob("test_*.py"))
        if path.name != "test_tooling.py"  # this file names torch.distributed.run to look for it, never launches it
        for name in _launches_torchrun(ast.parse(path.read_text()))
    }
    assert len(expected) >= 12 and selected == expected, p.stdout[-3000:]


SAMPLE = """
def read_folder():
    from conftest import shared_path  # imported where it is used: found by name
    return shared_path("datasets")

def test_real(tmp_path):
    return read_folder()  # through a helper of the module

def test_cli(tmp_path):
    return main(["occlusion", "--help"])  # run_command under another name

def test_library(tmp_path):
    return intriguing.run("occlusion")

def test_plain(tmp_path):
    return sorted([3, 1])
"""


def test_the_automatic_markers_follow_what_a_test_uses():
    import auto_markers
    import intriguing
    from intriguing.cli import run_command

    scope = {"main": run_command, "intriguing": intriguing}
    exec(compile(SAMPLE, str(REPO / "tests" / "sample_markers.py"), "exec"), scope)  # a test module's code
    assert [auto_markers.uses(scope[f"test_{name}"]) for name in ("real", "cli", "library", "plain")] == [
        {"real_data"},
        {"e2e"},
        {"e2e"},
        set(),
    ]

"""The experiment registry is the single home of each command's summary and accepted common options, so listing the
commands imports no experiment (and no torch): checked in a fresh interpreter with ``-X importtime``, which names
every module the command imports. A class that carries its own copy of either is refused when loaded."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO
from intriguing.experiments import EXPERIMENTS, experiment_info, get_experiment, register
from intriguing.experiments.base import Experiment, check_experiment
from intriguing.options import COMMON_ALL
from intriguing.records.schema import RecordSchema

# what an experiment's sweep pulls in; none is needed to print the list of commands
HEAVY = ("torch", "timm", "numpy", "PIL", "matplotlib", "yaml", "scipy", "torchvision", "safetensors")
CONSOLE_SCRIPT = Path(sys.executable).parent / "intriguing"


def imports_of(argv: list[str]) -> tuple[str, set[str]]:
    """stdout of ``python -X importtime ARGV`` and the modules it imported."""
    r = subprocess.run(
        [sys.executable, "-X", "importtime", *argv], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert r.returncode == 0, r.stderr[-2000:]
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in r.stderr.splitlines()
        if line.startswith("import time:") and "imported package" not in line
    }
    return r.stdout, names


def listed(out: str) -> dict[str, str]:
    """The ``experiments:`` section of ``intriguing --help``: command -> summary."""
    section = out.split("experiments:\n", 1)[1].split("\n\n", 1)[0]
    return dict(line.strip().split(None, 1) for line in section.splitlines())


@pytest.mark.parametrize(
    "argv",
    [["-m", "intriguing", "--help"], [str(CONSOLE_SCRIPT), "--help"]],
    ids=["python -m intriguing", "console script"],
)
def test_help_imports_no_experiment_and_prints_the_registered_summaries(argv):
    if not CONSOLE_SCRIPT.exists() and argv[0] == str(CONSOLE_SCRIPT):
        pytest.skip("the package is not installed with its console script")
    out, modules = imports_of(argv)
    assert "intriguing.experiments" in modules and "intriguing.cli.main" in modules  # the module list is real
    assert sorted(m for m in modules if m.startswith("intriguing.experiments.")) == []
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY) == []
    assert listed(out) == {n: experiment_info(n).summary for n in EXPERIMENTS}


def test_every_registered_class_loads_from_experiment_py_beside_its_sweep():
    for name in EXPERIMENTS:
        info, cls = experiment_info(name), get_experiment(name)  # check_experiment passed: no copy on the class
        pkg = cls.__module__.rsplit(".", 1)[0]
        assert info.target == f"{cls.__module__}:{cls.__qualname__}" and cls.__module__ == f"{pkg}.experiment"
        assert info.accepts <= COMMON_ALL and "summary" not in vars(cls) and "accepts" not in vars(cls)


@dataclass
class Demo:
    x: int = 1


def _demo(**attrs):
    def run(self, bundles, data, run_dir, opts):
        return [], {}

    def report(cls, records, out_dir, plot=True):
        return ""

    return type(
        "Demo",
        (Experiment,),
        {
            "name": "demo",
            "Config": Demo,
            "run": run,
            "report": classmethod(report),
            "schema": RecordSchema("demo", keys={"model": str}),
            **attrs,
        },
    )


@pytest.mark.parametrize("attr, value", [("summary", "a second copy"), ("accepts", COMMON_ALL - {"runs"})])
def test_a_class_carrying_what_the_registry_declares_is_refused(attr, value):
    assert check_experiment(_demo(), "demo")
    with pytest.raises(TypeError, match=f"Demo.{attr} is declared where the experiment is registered"):
        check_experiment(_demo(**{attr: value}), "demo")


def test_the_registered_options_are_checked_against_the_class_when_it_loads():
    with pytest.raises(TypeError, match="uses no models but accepts --models"):
        check_experiment(_demo(uses_models=False), "demo", COMMON_ALL)
    assert check_experiment(_demo(uses_models=False), "demo", COMMON_ALL - {"models"})


@pytest.mark.parametrize(
    "kw, msg",
    [
        ({"summary": ""}, "summary must be one non-empty line"),
        ({"summary": "a\nb"}, "summary must be one non-empty line"),
        ({"summary": "s", "accepts": frozenset({"runz"})}, r"accepts unknown common options \['runz'\]"),
    ],
)
def test_registering_checks_the_summary_and_the_option_names(kw, msg):
    with pytest.raises(ValueError, match=msg):
        register("broken", "intriguing.experiments.demo.experiment:Demo", **kw)
    assert "broken" not in EXPERIMENTS

"""The typed-experiment core: options derived from config dataclasses, hook checking, the registry, the
``intriguing`` CLI and the ``intriguing.run`` library call over the same records."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

import intriguing
from intriguing.cli import main, run_command
from intriguing.errors import UserError
from intriguing.experiments import EXPERIMENTS, experiment_info, get_experiment, register
from intriguing.experiments.base import Experiment, check_experiment
from intriguing.options import CommonOptions, add_options, build, option, option_names, split_kwargs
from intriguing.records import RecordSchema, read_records


@dataclass
class Inner:
    model: str = option("m0", "inner model", flag="--inner-model")


@dataclass
class Demo:
    ratios: tuple[float, ...] = option((0.0, 0.5), "ratios")
    grid: Optional[str] = option(None, "grid")
    mode: str = option("a", "mode", choices=("a", "b"))
    fast: bool = option(False, "switch")
    plot: bool = option(True, "on by default")
    inner: Inner = option(Inner(), "nested", cli=False)
    seed: int = 0  # not a flag: filled from the common options


def parse(argv):
    p = argparse.ArgumentParser()
    add_options(p, Demo, "demo")
    return build(Demo, {**vars(p.parse_args(argv)), "seed": 7})


def test_options_are_derived_from_the_dataclass():
    d = parse([])
    assert d == Demo(ratios=(0.0, 0.5), grid=None, mode="a", fast=False, plot=True, inner=Inner("m0"), seed=7)
    d = parse(
        ["--ratios", "0.1", "0.2", "0.3", "--grid", "4x4", "--mode", "b", "--fast", "--no-plot", "--inner-model", "vit"]
    )
    assert d.ratios == (0.1, 0.2, 0.3) and isinstance(d.ratios, tuple)
    assert (d.grid, d.mode, d.fast, d.plot, d.inner.model) == ("4x4", "b", True, False, "vit")
    assert option_names(Demo) == {"ratios", "grid", "mode", "fast", "plot", "inner_model"}
    with pytest.raises(SystemExit):
        parse(["--mode", "c"])  # choices come from the field


def test_library_keywords_are_routed_and_unknown_ones_refused():
    common, demo = split_kwargs({"limit": 3, "ratios": (0.1,), "inner_model": "x"}, CommonOptions, Demo)
    assert common == {"limit": 3} and demo == {"ratios": (0.1,), "inner_model": "x"}
    with pytest.raises(UserError, match="Unknown option 'ratio'.*ratios"):
        split_kwargs({"ratio": 0.5}, CommonOptions, Demo)


@pytest.mark.parametrize(
    "kw, msg",
    [
        ({"limit": 0}, "--limit must be at least 1"),
        ({"limit": -3}, "--limit must be at least 1"),
        ({"workers": -1}, "--workers must be at least 0"),
        ({"runs": 0}, "--runs must be at least 1"),
    ],
)
def test_common_options_are_validated(kw, msg):
    with pytest.raises(UserError, match=msg):
        CommonOptions(**kw)


def test_data_path_is_normalised():
    assert CommonOptions(data_path="a/val/").data_path == CommonOptions(data_path="a/val").data_path == "a/val"


class _Base(Experiment):
    name = "demo"
    Config = Demo
    schema = RecordSchema("demo", keys={"model": str}, metrics={"top1": float})

    def run(self, bundles, data, run_dir, opts):
        return [], {}

    @classmethod
    def report(cls, records, out_dir, plot=True):
        return ""


def test_a_complete_experiment_passes_the_check():
    assert check_experiment(_Base, "demo") is _Base


def test_a_misspelled_hook_is_caught_when_the_class_is_loaded():
    class Misspelled(_Base):
        def load_dat(self):  # meant load_data: would silently never be called
            return None

    with pytest.raises(TypeError, match="load_dat looks like a misspelled hook 'load_data'"):
        check_experiment(Misspelled, "demo")


def test_missing_run_and_wrong_name_are_refused():
    class NoRun(Experiment):
        name, Config = "demo", Demo

    with pytest.raises(TypeError, match="does not define run"):
        check_experiment(NoRun, "demo")
    with pytest.raises(TypeError, match="name is 'demo'"):
        check_experiment(_Base, "other")


def test_registry_targets_are_checked_at_registration():
    with pytest.raises(ValueError, match="is not 'package.module:Class'"):
        register("broken", "intriguing.experiments.occlusion.OcclusionExperiment", summary="broken")
    assert "broken" not in EXPERIMENTS


def test_every_registered_experiment_loads_and_is_listed(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in EXPERIMENTS:
        cls = get_experiment(name)
        assert cls.name == name and f"  {name:22s} {experiment_info(name).summary}\n" in out
    assert "list-models" in out and "report" in out and "compare" in out


def test_unknown_command_is_one_sentence(capsys):
    assert main(["occlusoin"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'occlusoin'" in err and "occlusion" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "cmd, flag",
    [
        ("fourier", "--runs"),
        ("fourier", "--metrics"),
        ("segmentation-figures", "--runs"),
        ("segmentation", "--metrics"),
    ],
)
def test_options_a_command_does_not_take_are_refused(cmd, flag, capsys):
    assert run_command(cmd, [flag, "2"]) == 2
    err = capsys.readouterr().err
    assert f"`intriguing {cmd}` does not take {flag} (an option of other commands;" in err and "usage:" not in err


def test_a_flag_no_command_knows_gets_argparses_error(capsys):
    with pytest.raises(SystemExit) as e:
        run_command("fourier", ["--bogus", "2"])
    assert e.value.code == 2 and "unrecognized arguments: --bogus 2" in capsys.readouterr().err


def test_library_refuses_options_the_experiment_does_not_take():
    with pytest.raises(UserError, match="`intriguing fourier` does not take --runs"):
        intriguing.run("fourier", runs=3)


def test_library_call_and_cli_give_the_same_records(tmp_path, image_folder):
    args = dict(models="test_tiny_cnn", data_path=str(image_folder), ratios=(0.0, 0.5), batch_size=5, workers=0)
    records = intriguing.run("occlusion", out_dir=str(tmp_path / "lib"), **args)
    code = run_command(
        "occlusion",
        [
            "--models",
            "test_tiny_cnn",
            "--data-path",
            str(image_folder),
            "--ratios",
            "0",
            "0.5",
            "--batch-size",
            "5",
            "--workers",
            "0",
            "--no-progress",
            "--no-plot",
            "--out-dir",
            str(tmp_path / "cli"),
        ],
    )
    assert code == 0
    cli = read_records(tmp_path / "cli")
    assert len(records) == 2 and [r["top1"] for r in records] == [r["top1"] for r in cli]
    assert [r["n"] for r in records] == [12, 12]


def test_list_models_filters_by_pattern(capsys):
    assert main(["list-models", "deit_s*_sin*"]) == 0
    out = capsys.readouterr().out
    assert "deit_s_sin" in out and "deit_s_sin_dist" in out and "deit_t_sin" not in out
    assert main(["list-models", "no_such_model_*"]) == 2


def test_default_folders_are_the_current_directory_not_the_package(tmp_path, monkeypatch):
    from intriguing.data import default_data_root
    from intriguing.zoo.weights import pretrained_dir

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("INTRIGUING_DATA", raising=False)
    monkeypatch.delenv("INTRIGUING_WEIGHTS", raising=False)
    monkeypatch.delenv("INTRIGUING_PRETRAINED", raising=False)
    assert default_data_root().resolve() == tmp_path / "data"
    assert pretrained_dir().resolve() == tmp_path / "pretrained"
    monkeypatch.setenv("INTRIGUING_DATA", str(tmp_path / "d"))
    monkeypatch.setenv("INTRIGUING_WEIGHTS", str(tmp_path / "w"))
    assert default_data_root() == tmp_path / "d" and pretrained_dir() == tmp_path / "w"


def test_vit_models_import_still_works():
    import vit_models
    from intriguing.zoo import load_model

    assert vit_models.load_model is load_model
    assert Path(vit_models.__file__).parent.name == "vit_models"


def test_fast_path_puts_cnns_in_channels_last_on_cuda_without_changing_logits():
    import torch

    from intriguing.runner import fast_path
    from intriguing.zoo import load_model

    torch.manual_seed(0)
    x = torch.rand(2, 3, 64, 64)
    cnn = load_model("test_tiny_cnn")
    ref = cnn(x)
    fast = fast_path(cnn, torch.device("cuda"))  # the decision only; the tensors stay on the CPU here
    assert fast.channels_last and fast.model.conv1[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert torch.allclose(fast(x), ref, atol=1e-5)
    vit = fast_path(load_model("test_tiny_vit"), torch.device("cuda"))
    assert not vit.channels_last  # ViTs have no convolutions to gain from it


def test_layers_import_downward_only():
    """Shared packages never import an experiment, and no experiment imports another one (what two share lives
    in a shared package): read from the sources, every import statement, top-level or inside a function."""
    import ast

    root = Path(intriguing.__file__).parent
    wrong = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).parts
        own = rel[1] if rel[0] == "experiments" and len(rel) > 2 else None
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                parts = name.split(".")
                if parts[:2] != ["intriguing", "experiments"] or len(parts) < 3 or parts[2] == "base":
                    continue
                if rel[0] not in ("experiments", "cli", "runner.py", "__init__.py") or (own and parts[2] != own):
                    wrong.append(f"{'/'.join(rel)} imports {name}")
    assert wrong == []


def test_every_import_the_docs_show_works():
    """Each ``from intriguing... import ...`` / ``from vit_models ...`` line of the README's and docs' code blocks
    imports: a user copying an example must not meet a module that moved."""
    import importlib
    import re

    root = Path(__file__).resolve().parents[1]
    lines = [
        (doc.name, m.group(1), m.group(2))
        for doc in [root / "README.md", *sorted((root / "docs").rglob("*.md"))]
        for m in re.finditer(r"^\s*from ((?:intriguing|vit_models)[\w.]*) import ([\w, ]+)$", doc.read_text(), re.M)
    ]
    assert lines
    for doc, module, names in lines:
        mod = importlib.import_module(module)
        missing = [n.strip() for n in names.split(",") if n.strip() and not hasattr(mod, n.strip())]
        assert not missing, f"{doc}: {module} has no {missing}"

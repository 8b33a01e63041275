"""Every ``scripts/*.sh`` wrapper starts after the README setup and writes records.

Each runs as a user would (bash, from any directory), with ``PYTHON`` set to this interpreter, on tiny data:
EfficientNet-Lite0 (real weights, offline) and a random-init DeiT-T where attention is needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import REPO, SHARED
from intriguing.records import read_manifest, read_records

COMMON = ["--limit", "2", "--batch-size", "2", "--workers", "0", "--no-progress"]


def run_script(name: str, env: dict, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHON": sys.executable, **env}
    return subprocess.run(
        ["bash", str(REPO / "scripts" / name), *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def transfer_folder(image_folder, tmp_path) -> Path:
    root = tmp_path / "transfer"
    for split in ("train", "test"):
        shutil.copytree(image_folder, root / split)
    return root


CASES = {
    "evaluate_occlusion.sh": ({"MODELS": "efficientnet_lite0", "RUNS": "1"}, ["--ratios", "0", "0.5"]),
    "evaluate_shuffle.sh": ({"MODELS": "efficientnet_lite0", "RUNS": "1"}, ["--grids", "1x1", "2x2"]),
    "evaluate_lesion.sh": ({"MODELS": "efficientnet_lite0"}, ["--fractions", "0.5", "--stages", "2"]),
    "evaluate_feature_correlation.sh": ({"MODELS": "efficientnet_lite0"}, ["--ratios", "0.5"]),
    "analyze_fourier.sh": ({"MODELS": "efficientnet_lite0", "LIMIT": "2"}, []),
    "evaluate_frequency_noise.sh": ({"MODELS": "efficientnet_lite0"}, ["--freqs", "0.5"]),
    "evaluate_corruptions.sh": ({"MODELS": "efficientnet_lite0"}, ["--corruptions", "contrast", "--severities", "1"]),
    "classify_md.sh": (
        {"MODELS": "efficientnet_lite0", "DATASET": "folder"},
        ["--limit", "12", "--val-fraction", "0.5", "--epochs", "1", "--lrs", "1e-3", "--weight-decays", "0.1"],
    ),
    "evaluate_adversarial.sh": (
        {"MODELS": "efficientnet_lite0"},
        ["--eps", "0", "1", "--steps", "1", "--pictures", "0"],
    ),
    "validate.sh": ({"MODELS": "efficientnet_lite0"}, []),
    "evaluate_patch.sh": (
        {"MODELS": "efficientnet_lite0", "LIMIT": "4"},
        ["--steps", "1", "--train-batch", "2", "--areas", "0.25", "--runs", "1", "--samples", "0"],
    ),
}


@pytest.mark.parametrize("script", sorted(CASES))
@pytest.mark.slow
def test_wrapper_runs_and_writes_records(script, image_folder, transfer_folder, tmp_path):
    env, extra = CASES[script]
    data = transfer_folder if script == "classify_md.sh" else image_folder
    out = tmp_path / "out"
    if script == "evaluate_patch.sh":  # the patches are learned on a training folder
        env = {**env, "TRAIN_PATH": str(image_folder)}
    p = run_script(
        script, {**env, "DATA_PATH": str(data)}, *COMMON, "--out-dir", str(out), "--no-plot", *extra, cwd=tmp_path
    )
    assert p.returncode == 0, p.stderr[-2000:]
    records = read_records(out)
    assert records and {r["model"] for r in records} == {"efficientnet_lite0"}
    assert read_manifest(out)["status"] == "complete"


@pytest.mark.slow
def test_segmentation_wrappers_run_on_voc(tmp_path):
    voc = SHARED / "datasets" / "voc2012-samples"
    if not voc.exists():
        pytest.skip(f"{voc} is absent (the shared real-data folder is only on the project's machines)")
    env = {"MODELS": "deit_tiny_patch16_224=random", "DATA_PATH": str(voc)}
    seg = run_script(
        "eval_segmentation.sh",
        {**env, "INPUT_SIZE": "64"},
        *COMMON,
        "--out-dir",
        str(tmp_path / "s"),
        "--no-plot",
        cwd=tmp_path,
    )
    assert seg.returncode == 0, seg.stderr[-2000:]
    assert {r["token"] for r in read_records(tmp_path / "s")} == {"cls"}  # no distillation token on DeiT-T
    vis = run_script(
        "visualize_segmentation.sh",
        {**env, "LIMIT": "1"},
        "--input-size",
        "64",
        "--no-per-head",
        "--workers",
        "0",
        "--no-progress",
        "--out-dir",
        str(tmp_path / "v"),
        cwd=tmp_path,
    )
    assert vis.returncode == 0, vis.stderr[-2000:]
    assert len(list((tmp_path / "v").rglob("*.png"))) >= 2


def test_wrapper_bad_input_is_one_sentence(tmp_path):
    p = run_script(
        "evaluate_occlusion.sh",
        {"MODELS": "efficientnet_lite0", "DATA_PATH": str(tmp_path / "none")},
        "--no-progress",
        cwd=tmp_path,
    )
    assert p.returncode == 2 and "does not exist" in p.stderr and "Traceback" not in p.stderr


def test_images_saved_by_fixture_are_real_images(image_folder):
    # guards the fixture the wrappers run on: 3 classes x 4 decodable JPEGs
    files = sorted(image_folder.rglob("*.JPEG"))
    assert len(files) == 12 and np.asarray(Image.open(files[0])).shape[2] == 3


@pytest.mark.slow
def test_shape_bias_wrapper_runs_on_the_cue_conflict_stimuli(tmp_path):
    stimuli = SHARED / "datasets" / "cue-conflict" / "cue-conflict"
    if not stimuli.exists():
        pytest.skip(f"{stimuli} is absent (the shared real-data folder is only on the project's machines)")
    p = run_script(
        "evaluate_shape_bias.sh",
        {"MODELS": "efficientnet_lite0", "DATA_PATH": str(stimuli)},
        "--limit",
        "32",
        "--batch-size",
        "16",
        "--workers",
        "0",
        "--no-progress",
        "--no-plot",
        "--out-dir",
        str(tmp_path / "sb"),
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    rows = read_records(tmp_path / "sb")
    assert rows and {r["model"] for r in rows} == {"efficientnet_lite0"}
    assert read_manifest(tmp_path / "sb")["status"] == "complete"


@pytest.mark.slow
def test_stylize_and_train_wrappers_run(image_folder, tmp_path):
    """stylize.sh writes a stylized copy of the folder (random AdaIN weights: mechanics only, none exist offline);
    train.sh trains one epoch on it and validates on the clean folder."""
    import torch

    from intriguing.experiments.stylize.adain import decoder, vgg_normalised

    weights = tmp_path / "w"
    weights.mkdir()
    torch.manual_seed(0)
    torch.save(vgg_normalised().state_dict(), weights / "vgg_normalised.pth")
    torch.save(decoder().state_dict(), weights / "decoder.pth")
    styles = tmp_path / "paintings"
    styles.mkdir()
    Image.fromarray(np.full((40, 40, 3), 90, np.uint8)).save(styles / "p.png")
    env = {
        "INTRIGUING_WEIGHTS": str(weights),
        "DATA_PATH": str(image_folder),
        "STYLE_PATH": str(styles),
        "TARGET": str(tmp_path / "sin"),
    }
    p = run_script(
        "stylize.sh",
        env,
        "--content-size",
        "32",
        "--style-size",
        "32",
        "--workers",
        "0",
        "--no-progress",
        "--out-dir",
        str(tmp_path / "st"),
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    assert len(list((tmp_path / "sin").rglob("*.JPEG"))) == 12 and read_records(tmp_path / "st")[-1]["written"] == 12
    p = run_script(
        "train.sh",
        {
            "DATA_PATH": str(tmp_path / "sin"),
            "VAL_PATH": str(image_folder),
            "EPOCHS": "1",
            "MODELS": "vit_tiny_patch16_224",
        },
        "--img-size",
        "32",
        "--batch-size",
        "4",
        "--workers",
        "0",
        "--no-progress",
        "--no-plot",
        "--warmup-epochs",
        "1",
        "--out-dir",
        str(tmp_path / "tr"),
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    rows = read_records(tmp_path / "tr")
    assert [r["split"] for r in rows] == ["train", "val"] and rows[1]["n"] == 12


@pytest.mark.slow
def test_curvature_wrappers_run_on_a_real_cifar_resnet(tmp_path):
    weights = SHARED / "weights" / "cifar10-resnet" / "resnet20-12fca82f.th"
    data = SHARED / "datasets" / "cifar10" / "test"
    if not (weights.exists() and data.exists()):
        pytest.skip(f"{weights} or {data} is absent (the shared real-data folder is only on the project's machines)")
    env = {"MODELS": f"cifar10_resnet20={weights}", "DATA_PATH": str(data)}
    small = ["--batches", "1", "--batch-size", "8", "--workers", "0", "--no-progress", "--device", "cpu", "--no-plot"]
    p = run_script(
        "landscape.sh", env, "--points", "3", "--data", "clean", *small, "--out-dir", str(tmp_path / "l"), cwd=tmp_path
    )
    assert p.returncode == 0, p.stderr[-2000:]
    assert len(read_records(tmp_path / "l")) == 9  # a 3 x 3 grid
    p = run_script(
        "hessian.sh",
        env,
        "--top-k",
        "1",
        "--lanczos-steps",
        "3",
        "--power-iters",
        "3",
        "--trace-samples",
        "1",
        "--slq-vectors",
        "1",
        *small,
        "--out-dir",
        str(tmp_path / "h"),
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    assert read_records(tmp_path / "h") and read_manifest(tmp_path / "h")["status"] == "complete"


# ---- every wrapper's effective options against its command's defaults -------------------------------------------
# options that choose *what* is evaluated (models, data, where results go), not how: a wrapper names them freely
SELECTION = {
    "models",
    "data_path",
    "train_path",
    "val_path",
    "style_path",
    "target",
    "sets",
    "corrupted_path",
    "dataset",
    "out_dir",
}
WRAPPERS = sorted(p.name for p in (REPO / "scripts").glob("*.sh") if not p.name.startswith("_"))


def wrapper_argv(script: str, tmp_path: Path) -> list:
    """The command line the wrapper hands to Python (a stand-in interpreter records it instead of running it)."""
    log, fake = tmp_path / "argv", tmp_path / "python"
    fake.write_text(f'#!/usr/bin/env bash\nprintf "%s\\0" "$@" > "{log}"\n')
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("DATA_PATH", "MODELS", "LIMIT", "RUNS", "EPS", "WIDTH")}
    env.update(PYTHON=str(fake), TRAIN_PATH=str(tmp_path), STYLE_PATH=str(tmp_path), TARGET=str(tmp_path / "t"))
    p = subprocess.run(
        ["bash", str(REPO / "scripts" / script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert p.returncode == 0, p.stderr
    return log.read_text().split("\0")[:-1]


def command_of(argv: list) -> tuple:
    """(command, its flags) from `-m intriguing CMD ...` or `ROOT_SCRIPT.py ...` (the shim names its command)."""
    import re

    if argv[:2] == ["-m", "intriguing"]:
        return argv[2], argv[3:]
    shim = (REPO / argv[0]).read_text()
    return re.search(r'(?:main|run_command)\("([a-z-]+)"\)', shim).group(1), argv[1:]


def effective(obj, parser) -> dict:
    """flag -> value of every option of a built config (nested configs flattened), after its own normalisation."""
    import dataclasses

    from intriguing.options import dest

    flags = {a.dest: a.option_strings[-1] for a in parser._actions if a.option_strings}
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            out.update(effective(value, parser))
        elif dest(f) in flags:
            out[(dest(f), flags[dest(f)])] = value
    return out


@pytest.mark.parametrize("script", WRAPPERS)
def test_wrapper_sets_only_the_command_defaults_or_documents_why(script, tmp_path):
    """A wrapper may not override a command's default silently (evaluate_frequency_noise.sh once passed the
    normalised-space --eps 0.7 to a command whose noise is in pixel space: 4x the noise). Every option it sets that
    changes the command's effective configuration carries a `# deliberate: --flag ...` line in the wrapper, and every
    such line names an option the wrapper really changes."""
    from intriguing.cli.main import experiment_parser
    from intriguing.experiments import EXPERIMENTS, experiment_info
    from intriguing.options import CommonOptions, option_names
    from intriguing.runner import make_experiment

    cmd, args = command_of(wrapper_argv(script, tmp_path))
    if cmd not in EXPERIMENTS:  # e.g. a tool running several commands with their own defaults
        pytest.skip(f"{script} runs the tool `intriguing {cmd}`, which has no option dataclass of its own")
    parser = experiment_parser(cmd)
    given = vars(parser.parse_args(args))
    chosen = {k: v for k, v in given.items() if k in SELECTION}
    plain = {**vars(parser.parse_args([])), **chosen}

    def built(values):  # as `intriguing CMD` builds its two configs from the parsed flags
        common = option_names(CommonOptions) & experiment_info(cmd).accepts
        exp = make_experiment(
            cmd,
            {k: v for k, v in values.items() if k in common},
            {k: v for k, v in values.items() if k not in common | {"config", "print_config"}},
        )
        return {**effective(exp.common, parser), **effective(exp.config, parser)}

    mine, defaults = built(given), built(plain)
    overridden = {flag for (name, flag), v in mine.items() if v != defaults[(name, flag)] and name not in SELECTION}
    text = (REPO / "scripts" / script).read_text()
    documented = {
        flag
        for line in text.splitlines()
        if "# deliberate:" in line
        for flag in [line.split("# deliberate:", 1)[1].split()[0].rstrip(",")]
    }
    assert overridden <= documented, (
        f"{script} overrides {sorted(overridden - documented)} of `intriguing {cmd}` "
        f"without a `# deliberate: --flag` line saying why"
    )
    assert documented <= overridden, f"{script} documents {sorted(documented - overridden)} but does not change them"


def test_frequency_noise_wrapper_keeps_the_pixel_space_noise_default(tmp_path):
    cmd, args = command_of(wrapper_argv("evaluate_frequency_noise.sh", tmp_path))
    from intriguing.cli.main import experiment_parser
    from intriguing.experiments.freq_noise.config import Config

    ns = vars(experiment_parser(cmd).parse_args(args))
    config = Config(freqs=tuple(ns["freqs"]), width=ns["width"], eps=ns["eps"], noise_space=ns["noise_space"])
    assert (cmd, config.noise_space, config.eps) == ("freq-noise", "pixel", 0.16)

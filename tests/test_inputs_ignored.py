"""An option the chosen mode does not read is never ignored without a word: `adversarial --eps-l2` without an L2
attack (or --eps without an L-inf one, PGD's settings without PGD, --autoattack-chunk without AutoAttack) is
refused before anything runs; `lesion --stages` when no model is a CNN (or --blocks when none is a ViT) is a
warning naming the option."""

from __future__ import annotations

import pytest

from intriguing.cli import run_command
from intriguing.records import read_records

ARGS = ["--workers", "0", "--no-progress", "--no-plot", "--batch-size", "4", "--limit", "3"]


@pytest.mark.parametrize(
    "extra, message",
    [
        (
            ["--attacks", "fgsm", "pgd", "--eps-l2", "1"],
            "--eps-l2 only applies to an L2 attack (pgd-l2, autoattack-l2), which --attacks fgsm pgd does not "
            "include; add one or leave the option out.",
        ),
        (
            ["--attacks", "pgd-l2", "--eps", "4"],
            "--eps only applies to an L-inf attack (fgsm, pgd, autoattack), which --attacks pgd-l2 does not "
            "include; add one or leave the option out.",
        ),
        (
            ["--attacks", "fgsm", "--steps", "3", "--no-random-start"],
            "--steps, --no-random-start only applies to pgd or pgd-l2, which --attacks fgsm does not include; "
            "add one or leave the option out.",
        ),
        (
            ["--attacks", "pgd", "--autoattack-chunk", "8"],
            "--autoattack-chunk only applies to autoattack, which --attacks pgd does not include; add one or leave the "
            "option out.",
        ),
    ],
)
def test_adversarial_refuses_options_no_chosen_attack_reads(extra, message, tmp_path, capsys):
    out = tmp_path / "out"
    code = run_command("adversarial", ["--models", "test_tiny_cnn", "--out-dir", str(out), *ARGS, *extra])
    assert code == 2 and capsys.readouterr().err.strip() == f"error: {message}" and not out.exists()


def test_adversarial_takes_each_option_with_its_attack():
    from intriguing.experiments.adversarial.config import Config

    assert Config(attacks=("pgd-l2",), eps_l2=(1.0,)).eps_l2 == (1.0,)
    assert Config(attacks=("fgsm", "pgd-l2"), eps=(2.0,), steps=3).steps == 3
    assert Config(attacks=("autoattack-l2",), autoattack_chunk=4, eps_l2=(0.5,)).autoattack_chunk == 4


def lesion(tmp_path, image_folder, models, *extra):
    out = tmp_path / models.replace(",", "_")
    code = run_command(
        "lesion",
        [
            "--models",
            models,
            "--data-path",
            str(image_folder),
            "--out-dir",
            str(out),
            "--fractions",
            "0.5",
            *ARGS,
            *extra,
        ],
    )
    return code, out


def test_lesion_says_when_stages_are_given_but_no_model_is_a_cnn(tmp_path, image_folder, capsys):
    code, out = lesion(tmp_path, image_folder, "test_tiny_vit", "--blocks", "1", "--stages", "2")
    assert code == 0 and {(r["unit"], r["block"]) for r in read_records(out)} == {("block", 1)}
    assert (
        "warning: --stages 2 applies to CNN stages, and no model of this run is a CNN (test_tiny_vit): it is "
        "ignored; ViTs are lesioned at --blocks 1."
    ) in capsys.readouterr().err


def test_lesion_says_when_blocks_are_given_but_no_model_is_a_vit(tmp_path, image_folder, capsys):
    code, out = lesion(tmp_path, image_folder, "test_tiny_cnn", "--blocks", "1", "--stages", "2")
    assert code == 0 and {(r["unit"], r["block"]) for r in read_records(out)} == {("stage", 2)}
    assert (
        "warning: --blocks 1 applies to ViT blocks, and no model of this run is a ViT (test_tiny_cnn): it is "
        "ignored; CNNs are lesioned at their stages (--stages)."
    ) in capsys.readouterr().err


def test_lesion_is_silent_when_every_option_given_is_read(tmp_path, image_folder, capsys):
    code, _ = lesion(tmp_path, image_folder, "test_tiny_vit,test_tiny_cnn", "--blocks", "1", "--stages", "2")
    assert code == 0 and "warning" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        (
            {"mode": "fewshot", "probe": {"epochs": 4, "lrs": (1e-2,)}},
            ["--epochs, --lrs set the linear probe, which --mode fewshot does not train: ignored."],
        ),
        (
            {"mode": "per-block", "probe": {"val_fraction": 0.2}},
            ["--val-fraction set the linear probe, which --mode per-block --dataset imagenet does not train: ignored."],
        ),
        (
            {"mode": "linear", "fewshot": {"ways": 3, "shots": (1,)}},
            ["--ways, --shots set the few-shot episodes, which --mode linear does not draw: ignored."],
        ),
        (
            {"mode": "linear", "paper_compat": True, "probe": {"lrs": (1e-2,), "paper_epochs": 3}},
            [
                "--lrs set the validated probe, which --paper-compat replaces by the original's (lr 5e-4, "
                "weight decay 0.05, --paper-epochs): ignored."
            ],
        ),
        (
            {"mode": "linear", "probe": {"paper_epochs": 3}},
            ["--paper-epochs is read with --paper-compat only: ignored."],
        ),
        ({"mode": "per-block", "datasets": ("folder",), "probe": {"epochs": 4}}, []),  # a probe per block: read
        ({"mode": "fewshot", "fewshot": {"ways": 3}}, []),
    ],
)
def test_transfer_names_the_options_its_mode_does_not_read(kwargs, expected):
    from intriguing.experiments.transfer.config import Config, ignored_options
    from intriguing.experiments.transfer.fewshot import FewShotConfig
    from intriguing.experiments.transfer.probe import ProbeConfig

    nested = {"probe": ProbeConfig(**kwargs.pop("probe", {})), "fewshot": FewShotConfig(**kwargs.pop("fewshot", {}))}
    assert ignored_options(Config(**kwargs, **nested)) == expected

"""``intriguing per-block``: each block's class token through the model's head, on clean / PatchDropped /
shuffled images from one forward each; CNNs are not applicable. Random-init tiny models: mechanics only."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

import tiny_families  # noqa: F401  (registers test_tiny_tnt, test_tiny_t2t)
from intriguing.cli import run_command as main
from intriguing.experiments.per_block import sweep as pb
from intriguing.experiments.per_block.config import Config
from intriguing.perturb import drop_pixels, per_image_drop_mask, shuffle_patches
from intriguing.records import read_manifest, read_records
from intriguing.seeding import per_image_permutation
from intriguing.zoo import load_model

ARGS = ["--workers", "0", "--no-progress", "--batch-size", "5"]


@pytest.fixture(scope="module")
def vit():
    return load_model("test_tiny_vit")


def outputs(bundle, config, x, start=0, forwards=None):
    s = pb.PerBlockOcclusionSweep(config)
    batch = SimpleNamespace(indices=torch.arange(start, start + len(x)))
    s.prepare(batch)
    hook = (
        bundle.model.patch_embed.register_forward_hook(lambda *a: forwards.append(1)) if forwards is not None else None
    )
    try:
        with torch.inference_mode():
            return {(c.setting, c.block): s.evaluate(bundle, c, x, batch).value for c in s.conditions(bundle)}
    finally:
        if hook is not None:
            hook.remove()


def test_last_block_is_the_models_own_logits_under_every_condition(vit):
    x = torch.rand(4, 3, 64, 64)
    forwards = []
    out = outputs(vit, Config(ratios=(0.5,), grids=("2x2",)), x, start=3, forwards=forwards)
    assert set(out) == {(s, b) for s in ("clean", "drop 0.5", "shuffle 2x2") for b in (0, 1)}
    assert len(forwards) == 3  # one forward per image condition, read at both blocks
    with torch.inference_mode():
        torch.testing.assert_close(out[("clean", 1)], vit(x), rtol=0, atol=1e-5)
        # the occlusion / shuffle commands' own per-image draws for seed 0, run 0
        mask = per_image_drop_mask(torch.arange(3, 7), (4, 4), 8, 0, "random", "4x4", 0.5, 0)
        torch.testing.assert_close(out[("drop 0.5", 1)], vit(drop_pixels(x, mask, 0.0)), rtol=0, atol=1e-5)
        perm = per_image_permutation(torch.arange(3, 7), 4, 0, "shuffle", "2x2", 0)
        torch.testing.assert_close(out[("shuffle 2x2", 1)], vit(shuffle_patches(x, (2, 2), perm)), rtol=0, atol=1e-5)
    assert not torch.allclose(out[("clean", 0)], out[("clean", 1)], atol=1e-4)  # block 0 is a different readout


def test_command_vit_and_cnn_together(tmp_path, image_folder, capsys, monkeypatch):
    out = tmp_path / "out"
    argv = [
        "--models",
        "test_tiny_vit,test_tiny_cnn",
        "--data-path",
        str(image_folder),
        "--out-dir",
        str(out),
        "--ratios",
        "0.5",
        "--grids",
        "2x2",
        "--runs",
        "2",
        *ARGS,
    ]
    assert main("per-block", argv) == 0
    printed = capsys.readouterr()
    assert "test_tiny_cnn is not applicable (no class token per block (not a ViT))" in printed.err  # logged
    assert "not applicable (no class token per block): test_tiny_cnn" in printed.out  # the summary says so too
    recs = read_records(out)
    assert {r["model"] for r in recs} == {"test_tiny_vit"}
    keys = {(r["condition"], r["ratio"], r["grid"], r["block"], r["run"]) for r in recs}
    assert keys == {("clean", 0.0, "1x1", b, 0) for b in (0, 1)} | {
        ("random", 0.5, "4x4", b, r) for b in (0, 1) for r in (0, 1)
    } | {("shuffle", 0.0, "2x2", b, r) for b in (0, 1) for r in (0, 1)}
    man = read_manifest(out)
    assert man["not_applicable"] == {"test_tiny_cnn": pb.NOT_APPLICABLE} and not man.get("failed_models")
    assert (out / "per_block.png").stat().st_size > 0
    assert not (out / "reliability.png").exists()  # only with --metrics calibration
    calls = []
    monkeypatch.setattr(pb.PerBlockOcclusionSweep, "evaluate", lambda *a: calls.append(1))
    assert main("per-block", argv) == 0 and not calls and read_records(out) == recs


def test_paper_compat_is_refused(tmp_path, image_folder, capsys):
    """The released original has no cascade code to reproduce, so the option does not exist here."""
    assert (
        main("per-block", ["--models", "test_tiny_vit", "--data-path", str(image_folder), "--paper-compat", *ARGS]) == 2
    )
    assert "`intriguing per-block` does not take --paper-compat" in capsys.readouterr().err


def test_wrapper_script_runs_a_vit_and_reports_a_cnn_not_applicable(image_folder, tmp_path):
    from test_scripts import COMMON, run_script

    out = tmp_path / "out"
    p = run_script(
        "evaluate_per_block.sh",
        {"MODELS": "test_tiny_vit_via_script_is_unknown", "DATA_PATH": str(image_folder)},
        *COMMON,
        "--out-dir",
        str(out),
        cwd=tmp_path,
    )
    assert p.returncode != 0  # wrapper passes MODELS through (an unknown name is refused)
    p = run_script(
        "evaluate_per_block.sh",
        {"MODELS": "deit_tiny_patch16_224=random,efficientnet_lite0", "DATA_PATH": str(image_folder)},
        *COMMON,
        "--out-dir",
        str(out),
        "--no-plot",
        "--ratios",
        "0.5",
        "--grids",
        "2x2",
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    assert {r["model"] for r in read_records(out)} == {"deit_tiny_patch16_224=random"}
    assert read_manifest(out)["not_applicable"] == {"efficientnet_lite0": pb.NOT_APPLICABLE}


@pytest.mark.parametrize("name", ["test_tiny_tnt", "test_tiny_t2t"])
def test_tnt_and_t2t_last_block_is_the_model_on_its_own_patch_grid(name):
    """TNT has no patch_embed (it crashed here): its 16-px pixel_embed grid gives the PatchDrop cells."""
    b = load_model(name)
    x = torch.rand(3, 3, 64, 64)
    out = outputs(b, Config(ratios=(0.5,), grids=("2x2",)), x, start=2)
    assert pb.patch_grid(b) == (4, 4)
    mask = per_image_drop_mask(torch.arange(2, 5), (4, 4), 8, 0, "random", "4x4", 0.5, 0)
    with torch.inference_mode():
        torch.testing.assert_close(out[("clean", 1)], b(x), rtol=0, atol=1e-5)
        torch.testing.assert_close(out[("drop 0.5", 1)], b(drop_pixels(x, mask, 0.0)), rtol=0, atol=1e-5)
    assert not torch.allclose(out[("clean", 0)], out[("clean", 1)], atol=1e-4)


def test_calibration_draws_reliability_diagrams_of_the_final_block(tmp_path, image_folder):
    out = tmp_path / "rel"
    argv = [
        "--models",
        "test_tiny_tnt,test_tiny_vit",
        "--data-path",
        str(image_folder),
        "--out-dir",
        str(out),
        "--ratios",
        "0.5",
        "--no-shuffle",
        "--metrics",
        "calibration",
        *ARGS,
    ]
    assert main("per-block", argv) == 0
    recs = read_records(out)
    assert {r["model"] for r in recs} == {"test_tiny_tnt", "test_tiny_vit"}
    assert all(0 <= r["ece"] <= 100 and r["calibration_bins"].startswith("{") for r in recs)
    assert (out / "reliability.png").stat().st_size > 10_000

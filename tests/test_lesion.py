"""Feature-drop lesion: the pure token / position drops (hypothesis), the hooks against hand-written forwards,
--paper-compat against the original's rule, and the command end to end (records, notes, resume).

Models are the random-init tiny ViT / ResNet of conftest and the tiny TNT / T2T-ViT of tiny_families (mechanics
only; no trained ViT exists offline)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import tiny_families  # noqa: F401  (registers test_tiny_tnt, test_tiny_t2t)
from intriguing.cli import run_command as main
from intriguing.experiments.lesion import sweep as lesion_sweep
from intriguing.experiments.lesion.config import Config
from intriguing.experiments.lesion.points import cnn_stage_modules, lesion_hook
from intriguing.perturb import n_dropped, per_image_drop_mask
from intriguing.perturb.lesion import lesion_pixel_groups, lesion_tokens, paper_token_mask, zero_positions
from intriguing.records import read_manifest, read_records
from intriguing.seeding import derive_seed
from intriguing.zoo import load_model
from original_code import original_deit_lesion, original_resnet_drop

ARGS = ["--workers", "0", "--no-progress", "--batch-size", "6"]


@settings(max_examples=40, deadline=None)
@given(
    b=st.integers(1, 4), prefix=st.integers(0, 3), n=st.integers(1, 40), f=st.floats(0, 1), seed=st.integers(0, 10**6)
)
def test_token_drop_keeps_prefix_and_drops_round_f_n(b, prefix, n, f, seed):
    tokens = torch.randn(b, prefix + n, 5)
    k = n_dropped(n, f)
    assert k == round(f * n)
    mask = per_image_drop_mask(torch.arange(b) + seed, (1, n), k, seed, "t").reshape(b, n)
    assert (mask.sum(1) == k).all()
    out = lesion_tokens(tokens, mask, prefix, "remove")
    assert out.shape == (b, prefix + n - k, 5)
    assert torch.equal(out[:, :prefix], tokens[:, :prefix])
    for i in range(b):  # the kept patch tokens, in their order
        assert torch.equal(out[i, prefix:], tokens[i, prefix:][~mask[i]])
    z = lesion_tokens(tokens, mask, prefix, "zero")
    assert z.shape == tokens.shape and torch.equal(z[:, :prefix], tokens[:, :prefix])
    assert (z[:, prefix:][mask] == 0).all() and torch.equal(z[:, prefix:][~mask], tokens[:, prefix:][~mask])


@settings(max_examples=30, deadline=None)
@given(b=st.integers(1, 3), h=st.integers(1, 9), w=st.integers(1, 9), f=st.floats(0, 1), seed=st.integers(0, 999))
def test_position_drop_zeroes_round_f_hw_positions_in_every_channel(b, h, w, f, seed):
    fmap = torch.rand(b, 4, h, w) + 0.1  # no zeros of its own
    k = n_dropped(h * w, f)
    out = zero_positions(fmap, per_image_drop_mask(torch.arange(b), (h, w), k, seed))
    dead = (out == 0).all(dim=1)
    assert (dead.flatten(1).sum(1) == k).all()
    assert ((out == 0) == dead.unsqueeze(1)).all()  # a position is zero in all channels or in none


def test_per_image_masks_do_not_depend_on_the_batch():
    a = per_image_drop_mask(torch.tensor([3, 4, 5]), (1, 16), 8, 0, "lesion", "block", 2, 0.5, 0)
    b = per_image_drop_mask(torch.tensor([5]), (1, 16), 8, 0, "lesion", "block", 2, 0.5, 0)
    assert torch.equal(a[2], b[0]) and not torch.equal(a[0], a[1])


@pytest.fixture(scope="module")
def vit():
    return load_model("test_tiny_vit")


@pytest.fixture(scope="module")
def cnn():
    return load_model("test_tiny_cnn")


def batch_of(n, start=0):
    return SimpleNamespace(indices=torch.arange(start, start + n))


def evaluate(bundle, config, x, start=0):
    s = lesion_sweep.LesionSweep(config)
    batch = batch_of(len(x), start)
    s.prepare(batch)
    with torch.inference_mode():
        return {(c.block, c.fraction, c.run): s.evaluate(bundle, c, x, batch).value for c in s.conditions(bundle)}


def test_fraction_zero_and_an_identity_hook_equal_the_clean_forward(vit, cnn):
    x = torch.rand(3, 3, 64, 64)
    for bundle, cfg in ((vit, Config(fractions=(0.0,), blocks=(0, 1))), (cnn, Config(fractions=(0.0,)))):
        clean = bundle(x)
        outs = evaluate(bundle, cfg, x)
        assert outs and all(torch.equal(v, clean) for v in outs.values())
    with lesion_hook(vit.model, "block", 1, lambda t: t):  # the hook itself changes nothing
        assert torch.equal(vit(x), vit(x.clone()))
    mask = torch.zeros(3, 16, dtype=torch.bool)
    with lesion_hook(vit.model, "block", 1, lambda t: lesion_tokens(t, mask, 1, "remove")):
        assert torch.equal(vit(x), vit.model(vit.normalize(x)))


@pytest.mark.parametrize("mode", ["remove", "zero"])
@pytest.mark.parametrize("block", [0, 1])
def test_block_lesion_equals_a_hand_written_forward(vit, mode, block):
    x = torch.rand(4, 3, 64, 64)
    got = evaluate(vit, Config(fractions=(0.5,), blocks=(block,), lesion_mode=mode), x, start=7)[(block, 0.5, 0)]
    m = vit.model
    n = m.patch_embed.num_patches
    mask = per_image_drop_mask(torch.arange(7, 11), (1, n), n // 2, 0, "lesion", "block", block, 0.5, 0).reshape(4, n)
    with torch.inference_mode():
        t = m.norm_pre(m._pos_embed(m.patch_embed(vit.normalize(x))))
        for i, blk in enumerate(m.blocks):
            if i == block:
                if mode == "remove":
                    t = torch.stack([torch.cat([ti[:1], ti[1:][~mi]]) for ti, mi in zip(t, mask)])
                else:
                    t = torch.cat([t[:, :1], t[:, 1:].masked_fill(mask.unsqueeze(-1), 0.0)], dim=1)
            t = blk(t)
        ref = m.forward_head(m.norm(t))
    torch.testing.assert_close(got, ref, rtol=0, atol=1e-6)
    assert not torch.allclose(got, vit(x), atol=1e-4)  # the lesion did something


def test_cnn_stage_points_follow_feature_info_with_the_pooled_resnet_stem(cnn):
    import timm

    assert cnn_stage_modules(cnn.model) == ["maxpool", "layer1", "layer2", "layer3", "layer4"]
    eff = timm.create_model("efficientnet_lite0", pretrained=False)
    assert cnn_stage_modules(eff) == ["blocks.0", "blocks.1", "blocks.2", "blocks.4", "blocks.6"]


@pytest.mark.parametrize("block", [0, 1])
def test_paper_compat_vit_equals_the_original_rule(vit, block):
    x = torch.rand(5, 3, 64, 64)
    got = evaluate(vit, Config(fractions=(0.75,), blocks=(block,), paper_compat=True), x, start=10)
    seed = derive_seed(0, "lesion", "block", block, 0.75, 0, "batch", 10)
    np.random.seed(seed % 2**32)
    with torch.inference_mode():
        ref = original_deit_lesion(vit.model, vit.normalize(x), block, 0.75)
    torch.testing.assert_close(got[(block, 0.75, 0)], ref, rtol=0, atol=1e-6)
    # the original's count int(f * tokens) with the class token counted: int(0.75 * 17) = 12 of 16 patches
    assert int(paper_token_mask(1, 16, 1, 0.75, seed).sum()) == 12


@pytest.mark.parametrize("stage", [1, 3, 5])
def test_paper_compat_resnet_equals_the_original_rule(cnn, stage):
    x = torch.rand(3, 3, 64, 64)
    got = evaluate(cnn, Config(fractions=(0.5,), stages=(stage,), paper_compat=True), x, start=4)
    torch.manual_seed(derive_seed(0, "lesion", "stage", stage, 0.5, 0, "batch", 4))
    with torch.inference_mode():
        ref = original_resnet_drop(cnn.model, cnn.normalize(x), stage, 0.5)
    torch.testing.assert_close(got[(stage, 0.5, 0)], ref, rtol=0, atol=1e-5)
    assert not torch.allclose(ref, cnn(x), atol=1e-4)


def run(tmp_path, folder, *extra, name="out"):
    out = tmp_path / name
    code = main(
        "lesion",
        ["--models", "test_tiny_vit,test_tiny_cnn", "--data-path", str(folder), "--out-dir", str(out), *ARGS, *extra],
    )
    return code, out


def test_command_records_notes_and_resume(tmp_path, image_folder, capsys, monkeypatch):
    code, out = run(
        tmp_path, image_folder, "--fractions", "0", "0.5", "--stages", "2", "5", "--runs", "2", "--per-image"
    )
    assert code == 0
    assert "test_tiny_vit has 2 blocks (0..1): --blocks 2 4 8 10 skipped for it." in capsys.readouterr().err  # logged
    recs = read_records(out)
    vit = {(r["block"], r["fraction"], r["run"]) for r in recs if r["model"] == "test_tiny_vit"}
    cnn = {(r["block"], r["fraction"], r["run"]) for r in recs if r["model"] == "test_tiny_cnn"}
    assert vit == {(0, f, r) for f in (0.0, 0.5) for r in (0, 1)}
    assert cnn == {(s, f, r) for s in (2, 5) for f in (0.0, 0.5) for r in (0, 1)}
    assert {r["unit"] for r in recs if r["model"] == "test_tiny_cnn"} == {"stage"}
    assert all(r["lesion_mode"] == ("remove" if r["unit"] == "block" else "zero") for r in recs)
    assert {float(r["dropped"]) for r in recs if r["model"] == "test_tiny_vit"} == {0.0, 0.5}  # 8 of 16 tokens
    assert all(r["n"] == 12 for r in recs)
    assert read_manifest(out)["status"] == "complete" and (out / "lesion.png").stat().st_size > 0
    assert (out / "per_image.csv.gz").exists()
    assert not (out / "reliability.png").exists()  # drawn only with --metrics calibration
    calls = []
    monkeypatch.setattr(lesion_sweep.LesionSweep, "evaluate", lambda *a: calls.append(1))
    code, _ = run(tmp_path, image_folder, "--fractions", "0", "0.5", "--stages", "2", "5", "--runs", "2", "--per-image")
    assert code == 0 and not calls and read_records(out) == recs


def test_paper_compat_command_zeroes_and_writes_the_original_report(tmp_path, image_folder):
    code, out = run(tmp_path, image_folder, "--paper-compat", "--blocks", "1", "--stages", "1")
    assert code == 0
    recs = read_records(out)
    assert {r["lesion_mode"] for r in recs} == {"zero"}
    report = json.loads((out / "paper_compat" / "test_tiny_vit.json").read_text())
    assert set(report["run_000"]["1"]) == {"0.25", "0.5", "0.75"}


def test_a_model_with_no_block_in_range_fails_alone(tmp_path, image_folder, capsys):
    code, out = run(tmp_path, image_folder, "--blocks", "5", "--fractions", "0.5", "--stages", "1")
    assert {r["model"] for r in read_records(out)} == {"test_tiny_cnn"}
    assert (
        "test_tiny_vit has 2 blocks (0..1): --blocks 5 skipped for it. Nothing is left to run for it."
        in capsys.readouterr().err
    )


def test_bad_options_are_one_sentence(tmp_path, image_folder, capsys):
    code, _ = run(tmp_path, image_folder, "--fractions", "1.5")
    assert code == 2 and "--fractions must lie in [0, 1]; got [1.5]." in capsys.readouterr().err


@pytest.fixture(scope="module")
def tnt():
    return load_model("test_tiny_tnt")


@pytest.mark.parametrize("mode", ["remove", "zero"])
@pytest.mark.parametrize("block", [0, 1])
def test_tnt_block_lesion_drops_the_patch_and_its_pixel_tokens(tnt, mode, block):
    """TNT blocks take (pixel_embed, patch_embed): a dropped patch loses its outer token and its inner pixel
    tokens (each block adds their projection back onto it); the class token is kept. Against a hand-written
    forward of timm's TNT."""
    x = torch.rand(4, 3, 64, 64)
    got = evaluate(tnt, Config(fractions=(0.5,), blocks=(block,), lesion_mode=mode), x, start=7)[(block, 0.5, 0)]
    m, b, n = tnt.model, 4, 16
    mask = per_image_drop_mask(torch.arange(7, 11), (1, n), n // 2, 0, "lesion", "block", block, 0.5, 0).reshape(b, n)
    with torch.inference_mode():
        pix = m.pixel_embed(tnt.normalize(x), m.pixel_pos)  # (B * 16, pixels per patch, inner dim), patch-major
        pat = m.norm2_proj(m.proj(m.norm1_proj(pix.reshape(b, n, -1))))
        pat = torch.cat([m.cls_token.expand(b, -1, -1), pat], dim=1) + m.patch_pos
        for i, blk in enumerate(m.blocks):
            if i == block:
                groups = pix.reshape(b, n, *pix.shape[1:])
                if mode == "remove":
                    pat = torch.stack([torch.cat([ti[:1], ti[1:][~mi]]) for ti, mi in zip(pat, mask)])
                    pix = torch.cat([gi[~mi] for gi, mi in zip(groups, mask)])
                else:
                    pat = torch.cat([pat[:, :1], pat[:, 1:].masked_fill(mask.unsqueeze(-1), 0.0)], dim=1)
                    pix = groups.masked_fill(mask[:, :, None, None], 0.0).reshape(pix.shape)
            pix, pat = blk(pix, pat)
        ref = m.forward_head(m.norm(pat))
    torch.testing.assert_close(got, ref, rtol=0, atol=1e-6)
    assert not torch.allclose(got, tnt(x), atol=1e-4)


def test_pixel_groups_follow_the_patch_mask():
    pixels = torch.arange(2 * 3 * 2 * 1, dtype=torch.float32).reshape(6, 2, 1)  # B=2, N=3 patches, 2 pixels each
    mask = torch.tensor([[True, False, False], [False, False, True]])
    assert lesion_pixel_groups(pixels, mask, "remove").flatten().tolist() == [2, 3, 4, 5, 6, 7, 8, 9]
    assert lesion_pixel_groups(pixels, mask, "zero").flatten().tolist() == [0, 0, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0]
    with pytest.raises(ValueError, match="same number dropped"):
        lesion_pixel_groups(pixels, torch.tensor([[True, True, False], [False, False, True]]), "remove")


def test_tnt_and_t2t_run_as_vits_with_reliability_diagrams(tmp_path, image_folder):
    """TNT was read as a CNN of 12 'stages' (its feature_info) and crashed on its blocks' tuple outputs; now it is
    lesioned per block like T2T-ViT. --metrics calibration draws the reliability diagrams."""
    out = tmp_path / "families"
    assert (
        main(
            "lesion",
            [
                "--models",
                "test_tiny_tnt,test_tiny_t2t",
                "--data-path",
                str(image_folder),
                "--out-dir",
                str(out),
                "--blocks",
                "0",
                "1",
                "--fractions",
                "0",
                "0.5",
                "--metrics",
                "calibration",
                *ARGS,
            ],
        )
        == 0
    )
    recs = read_records(out)
    for model in ("test_tiny_tnt", "test_tiny_t2t"):
        mine = [r for r in recs if r["model"] == model]
        assert {(r["unit"], r["block"], r["fraction"]) for r in mine} == {
            ("block", b, f) for b in (0, 1) for f in (0.0, 0.5)
        }
        assert {float(r["dropped"]) for r in mine} == {0.0, 0.5} and all(0 <= r["ece"] <= 100 for r in mine)
    assert not read_manifest(out).get("failed_models")
    assert (out / "reliability.png").stat().st_size > 10_000 and (out / "lesion.png").exists()


def test_paper_json_accuracy_is_the_exact_decimal(tmp_path):
    """28 of 125 correct: 22.4 / 100 is 0.22399999999999998 in floating point; the report must say 0.224."""
    recs = [
        {"model": "m", "run": 0, "block": 4, "fraction": 0.5, "top1": 22.4, "n": 125},
        {"model": "m", "run": 0, "block": 4, "fraction": 0.25, "top1": 100 * 57 / 70, "n": 70},
    ]
    assert recs[0]["top1"] / 100 != 0.224
    lesion_sweep.write_paper_json(recs, tmp_path)
    text = (tmp_path / "paper_compat" / "m.json").read_text()
    assert json.loads(text) == {"run_000": {"4": {"0.5": 0.224, "0.25": 57 / 70}}}
    assert '"0.5": 0.224' in text and "0.22399999999999998" not in text

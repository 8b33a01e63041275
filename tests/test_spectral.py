"""Fourier analysis of feature maps: known spectra, the paper's notebook arithmetic, additive state, hooks."""

import math

import numpy as np
import pytest
import timm
import torch

from intriguing.errors import UserError
from intriguing.features.blocks import BlockFeatures, block_specs, normalized_depths, to_feature_map
from intriguing.features.spectral import (
    EPS,
    SpectrumAccumulator,
    feature_variance,
    frequencies,
    log_amplitude_curve,
    relative_log_amplitude,
)
from intriguing.zoo.cifar_resnet import CifarResNet


def test_constant_map_has_only_dc():
    c, h = 3.0, 8
    fmap = torch.full((2, 4, h, h), c)
    rel = relative_log_amplitude(log_amplitude_curve(fmap))
    expected = math.log(EPS) - math.log(c * h * h + EPS)  # every non-DC amplitude is 0 (+eps)
    assert rel.shape == (2, h // 2 + 1)
    assert rel[:, 0].abs().max() == 0
    assert torch.allclose(rel[:, 1:], torch.full_like(rel[:, 1:], expected), atol=1e-3)
    assert feature_variance(fmap).abs().max() < 1e-12


def test_white_noise_spectrum_is_flat():
    # complex (interior) bins: E log|F| = log s - gamma/2; real bins (DC, Nyquist): log s - (gamma + ln 2)/2
    g = torch.Generator().manual_seed(0)
    fmap = torch.randn(256, 16, 16, 16, generator=g)
    rel = relative_log_amplitude(log_amplitude_curve(fmap)).mean(0)
    interior = rel[1:-1]
    assert torch.allclose(interior, torch.full_like(interior, math.log(2) / 2), atol=0.05)
    assert abs(float(rel[-1])) < 0.05  # Nyquist is real like DC
    assert abs(float(feature_variance(fmap).mean()) - 1.0) < 0.02


def _notebook_curve(latent):  # the original notebook's arithmetic, for paper-compat
    h = latent.shape[-2]
    f = torch.fft.fft2(latent).abs().add(1e-6).log()
    f = torch.roll(f, shifts=(int(h / 2), int(h / 2)), dims=(2, 3)).mean(dim=(0, 1))
    f = f.diag()[int(h / 2) :]
    return f - f[0]


@pytest.mark.parametrize("h", [7, 8, 14])
def test_paper_compat_matches_notebook_and_default_adds_nyquist(h):
    fmap = torch.randn(3, 5, h, h, generator=torch.Generator().manual_seed(h))
    paper = relative_log_amplitude(log_amplitude_curve(fmap, paper_compat=True)).mean(0)
    assert torch.allclose(paper, _notebook_curve(fmap), atol=1e-5)
    default = relative_log_amplitude(log_amplitude_curve(fmap)).mean(0)
    n = len(paper)
    assert torch.allclose(default[:n], paper, atol=1e-5)
    assert float(frequencies(h, h)[-1]) == 1.0 and len(default) == h // 2 + 1
    assert float(frequencies(h, h, paper_compat=True)[-1]) < 1.0


def test_accumulator_is_additive_and_resumable():
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(4, 3, 8, 8, generator=g), torch.randn(6, 3, 8, 8, generator=g)
    one = SpectrumAccumulator()
    one.update("x", torch.cat([a, b]))
    two = SpectrumAccumulator()
    two.update("x", a)
    resumed = SpectrumAccumulator()
    resumed.load_state_dict(two.state_dict())
    resumed.update("x", b)
    r1, r2 = one.result("x"), resumed.result("x")
    assert r1["n_images"] == r2["n_images"] == 10
    assert r1["curve"] == pytest.approx(r2["curve"], abs=1e-9)
    assert r1["variance"] == pytest.approx(r2["variance"], rel=1e-9)
    assert r1["high_freq"] == r1["curve"][-1]
    assert r1["curve_std"][0] == 0


def test_vit_block_features_split_attention_and_mlp():
    model = timm.create_model(
        "vit_tiny_patch16_224",
        pretrained=False,
        img_size=32,
        patch_size=4,
        embed_dim=32,
        depth=2,
        num_heads=2,
        num_classes=10,
    ).eval()
    x = torch.randn(2, 3, 32, 32)
    specs = block_specs(model)
    assert [s.kind for s in specs] == ["stem", "attn", "mlp", "attn", "mlp"]
    with BlockFeatures(model) as feats, torch.no_grad():
        model(x)
        got = {s.name: f for s, f in feats.items()}
    assert all(f.shape == (2, 32, 8, 8) for f in got.values())
    with torch.no_grad():  # recompute the residual stream by hand
        t = model._pos_embed(model.patch_embed(x))
        t = model.norm_pre(model.patch_drop(t))
        for i, blk in enumerate(model.blocks):
            mid = t + blk.ls1(blk.attn(blk.norm1(t)))
            t = mid + blk.ls2(blk.mlp(blk.norm2(mid)))
            assert torch.allclose(got[f"blocks.{i}.attn"], to_feature_map(mid, 1), atol=1e-5)
            assert torch.allclose(got[f"blocks.{i}.mlp"], to_feature_map(t, 1), atol=1e-5)
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())  # hooks removed
    assert normalized_depths(specs) == [0, 0.25, 0.5, 0.75, 1.0]


def test_cnn_block_features_shapes():
    model = CifarResNet(20).eval()
    with BlockFeatures(model) as feats, torch.no_grad():
        model(torch.randn(2, 3, 32, 32))
        shapes = [(s.kind, tuple(f.shape[1:])) for s, f in feats.items()]
    assert len(shapes) == 10 and shapes[0] == ("stem", (16, 32, 32))
    assert shapes[-1] == ("block", (64, 8, 8))
    resnet = timm.create_model("resnet18", pretrained=False, num_classes=10).eval()
    assert len(block_specs(resnet)) == 1 + 8


def test_token_reshaping_drops_prefix_tokens():
    x = torch.randn(2, 5 + 16, 3)  # 1 class + 4 register tokens, then a 4x4 grid
    fmap = to_feature_map(x, num_prefix_tokens=5)
    assert fmap.shape == (2, 3, 4, 4) and torch.equal(fmap[:, :, 0, 1], x[:, 6])
    assert to_feature_map(x, num_prefix_tokens=0, grid=(4, 4)).shape == (2, 3, 4, 4)  # the grid decides
    assert to_feature_map(torch.randn(1, 1 + 729, 8)).shape == (1, 8, 27, 27)  # PiT-like: prefix found
    with pytest.raises(UserError, match="square"):
        to_feature_map(torch.randn(1, 1 + 30 * 31, 4), num_prefix_tokens=1)


def test_spectra_sum_exactly_whatever_the_batches_or_ranks():
    """The engine merges per-batch (and per-rank) spectra: any split of the images gives identical totals, and the
    means agree with a direct float64 computation to the quantisation step (1/2**24)."""
    from intriguing.features.spectral import (
        SpectrumAccumulator,
        feature_variance,
        log_amplitude_curve,
        relative_log_amplitude,
    )

    fmaps = torch.randn(7, 4, 8, 8, generator=torch.Generator().manual_seed(3), dtype=torch.float64) * 3
    whole = SpectrumAccumulator()
    whole.update("b", fmaps)
    split = SpectrumAccumulator()
    for part in (fmaps[:2], fmaps[2:3], fmaps[3:]):
        one = SpectrumAccumulator()
        one.update("b", part)
        split.merge(one)
    assert split.state_dict() == whole.state_dict()
    rel = relative_log_amplitude(log_amplitude_curve(fmaps))
    assert np.allclose(whole.result("b")["curve"], rel.mean(0).numpy(), atol=1e-6)
    assert abs(whole.result("b")["variance"] - float(feature_variance(fmaps).mean())) < 1e-6

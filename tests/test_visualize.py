"""Visualisation: every promised PNG is written, readable, of sane size, without a display."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from intriguing.plots.attention_maps import grid_figure, overlay_figure, save_attention_figures


def test_save_attention_figures_writes_head_mean_and_grid(tmp_path):
    g = torch.Generator().manual_seed(0)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, 64), torch.linspace(0, 1, 96), indexing="ij")
    image = torch.stack([yy, xx, (yy + xx) / 2])  # smooth, like a photo (noise would not compress)
    attn = torch.rand(3, 4, 6, generator=g)
    masks = attn > 0.5
    target = torch.zeros(64, 96, dtype=torch.long)
    target[10:30, 20:50], target[0, :] = 5, 255
    paths = save_attention_figures(tmp_path / "out", "img", image, attn, masks, mean_mask=masks[0], target=target)
    names = sorted(p.name for p in paths)
    assert names == ["img_grid.png", "img_head0.png", "img_head1.png", "img_head2.png", "img_mean.png"]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert 1_000 < p.stat().st_size < 300_000
    with Image.open(tmp_path / "out" / "img_grid.png") as im:
        assert im.width > 2 * im.height  # 1 image column + 3 heads + mean, two rows


def test_overlay_draws_mask_contour_and_heat():
    img = np.random.default_rng(0).random((32, 32, 3))
    mask = np.zeros((4, 4), bool)
    mask[1:3, 1:3] = True
    fig = overlay_figure(img, heat=np.arange(16.0).reshape(4, 4), mask=mask)
    ax = fig.axes[0]
    assert len(ax.images) == 2  # image + heat map
    assert len(ax.collections) >= 1  # the contour
    # a constant heat map and an all-true mask must not crash (no contour level to draw)
    overlay_figure(img, heat=np.ones((4, 4)), mask=np.ones((4, 4), bool))


def test_grid_without_mean_or_target():
    fig = grid_figure(torch.rand(3, 16, 16), [torch.rand(2, 2)], [torch.ones(2, 2, dtype=torch.bool)])
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(fig.axes) - len(bars) == 4 and len(bars) == 1  # the heat map carries a colour bar


@pytest.mark.parametrize("shape", [(3, 20, 20), (20, 20)])
def test_accepts_tensor_chw_and_grayscale(tmp_path, shape):
    fig = overlay_figure(torch.rand(*shape) if len(shape) == 3 else np.random.rand(*shape))
    fig.savefig(tmp_path / "x.png")
    assert (tmp_path / "x.png").stat().st_size > 0

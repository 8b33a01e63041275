"""Property tests of the pure perturbations: occlusion masks, pixel/token drop, offset, shuffle."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from intriguing.perturb import (
    drop_pixels,
    drop_tokens,
    n_dropped,
    offset_pixel_mask,
    random_drop_mask,
    random_permutations,
    shuffle_patches,
    upsample_cells,
)
from intriguing.seeding import generator, per_image_uniform

grids = st.sampled_from([(14, 14), (7, 7), (2, 4), (10, 10), (1, 1)])


@settings(max_examples=40, deadline=None)
@given(grid=grids, ratio=st.floats(0, 1), batch=st.integers(1, 5), seed=st.integers(0, 2**31))
def test_mask_drops_exact_count_per_image(grid, ratio, batch, seed):
    m = random_drop_mask(batch, grid, ratio, generator(seed))
    assert m.shape == (batch, *grid)
    k = n_dropped(grid[0] * grid[1], ratio)
    assert (m.flatten(1).sum(1) == k).all()


def test_ratio_zero_is_identity_and_one_blacks_everything():
    x = torch.rand(3, 3, 224, 224)
    m0 = random_drop_mask(3, (14, 14), 0.0, generator(0))
    assert torch.equal(drop_pixels(x, m0), x)
    m1 = random_drop_mask(3, (14, 14), 1.0, generator(0))
    assert drop_pixels(x, m1).abs().sum() == 0


def test_dropped_pixel_fraction_is_exact():
    x = torch.rand(4, 3, 224, 224) + 0.1  # strictly positive so zeros are drops
    m = random_drop_mask(4, (14, 14), 0.3, generator(1))
    out = drop_pixels(x, m)
    frac = (out[:, 0] == 0).float().mean(dim=(1, 2))
    assert torch.allclose(frac, torch.full((4,), n_dropped(196, 0.3) / 196))


def test_per_image_masks_differ_and_per_batch_masks_agree():
    per_img = random_drop_mask(4, (14, 14), 0.5, generator(2))
    assert not torch.equal(per_img[0], per_img[1])
    shared = random_drop_mask(4, (14, 14), 0.5, generator(2), per_image=False)
    assert all(torch.equal(shared[0], shared[i]) for i in range(4))


def test_paper_rounding_is_floor():
    assert n_dropped(196, 0.1, "floor") == 19 and n_dropped(196, 0.1) == 20
    assert [n_dropped(196, i / 10, "floor") for i in range(10)] == [i * 196 // 10 for i in range(10)]


def test_pixel_grid_and_fill_value():
    x = torch.rand(2, 3, 8, 8)
    m = random_drop_mask(2, (8, 8), 0.25, generator(3))
    out = drop_pixels(x, m, fill=torch.tensor([0.5, 0.25, 1.0]))
    assert torch.equal(out[:, 0][m], torch.full((32,), 0.5))
    assert torch.equal(out[:, 2][m], torch.ones(32))
    assert torch.equal(out[~m.unsqueeze(1).expand_as(x)], x[~m.unsqueeze(1).expand_as(x)])


def test_offset_shifts_mask_by_half_a_patch():
    cells = torch.zeros(1, 14, 14, dtype=torch.bool)
    cells[0, 0, 0] = True
    pix = upsample_cells(cells, (224, 224))
    shifted = offset_pixel_mask(pix, 8)
    assert pix[0, :16, :16].all() and pix.sum() == 256
    assert shifted[0, 8:24, 8:24].all() and shifted.sum() == 256 and not shifted[0, :8].any()


def test_uneven_patch_grid_maps_remainder_to_last_cell():
    cells = torch.zeros(1, 10, 10, dtype=torch.bool)
    cells[0, 9, 9] = True  # 22-px patches over 224 px
    pix = upsample_cells(cells, (224, 224))
    assert pix[0, 198:, 198:].all() and pix.sum() == 26 * 26


def test_drop_tokens_keeps_prefix_and_order():
    tokens = torch.arange(2 * 5 * 1).float().reshape(2, 5, 1)  # 1 prefix + 4 patches
    mask = torch.tensor([[[True, False], [False, True]], [[False, False], [True, True]]])
    out = drop_tokens(tokens, mask, num_prefix_tokens=1)
    assert out.squeeze(-1).tolist() == [[0, 2, 3], [5, 6, 7]]


@settings(max_examples=30, deadline=None)
@given(grid=st.sampled_from([(2, 2), (2, 4), (4, 4), (4, 8), (8, 8), (14, 14), (16, 16)]), seed=st.integers(0, 999))
def test_shuffle_is_a_permutation_of_cells(grid, seed):
    x = torch.rand(2, 3, 224, 224)
    perm = random_permutations(2, grid[0] * grid[1], generator(seed))
    out = shuffle_patches(x, grid, perm)
    ph, pw = 224 // grid[0], 224 // grid[1]
    cells = lambda t: t.unfold(2, ph, ph).unfold(3, pw, pw).reshape(2, 3, -1, ph * pw).permute(0, 2, 1, 3).flatten(2)  # noqa: E731
    a, b = cells(x), cells(out)
    for i in range(2):
        assert torch.equal(b[i], a[i][perm[i]])  # output cell j is input cell perm[j]
        assert torch.equal(a[i].sort(0).values, b[i].sort(0).values)


def test_identity_permutation_is_identity():
    x = torch.rand(1, 3, 224, 224)
    assert torch.equal(shuffle_patches(x, (4, 4), torch.arange(16).unsqueeze(0)), x)


def test_per_image_draws_do_not_depend_on_batch():
    idx = torch.tensor([3, 4, 5, 6])
    full = per_image_uniform(idx, 10, "s")
    assert torch.equal(full[2:], per_image_uniform(idx[2:], 10, "s"))
    assert not torch.equal(full, per_image_uniform(idx, 10, "other"))


@given(
    st.lists(st.integers(0, 10**9), min_size=1, max_size=16, unique=True), st.integers(1, 400), st.integers(0, 2**31)
)
def test_per_image_permutations_are_valid_tie_free_and_keyed_by_image(indices, n, seed):
    from intriguing.seeding import per_image_keys, per_image_permutation

    idx = torch.tensor(indices)
    keys = per_image_keys(idx, n, seed, "cond")
    assert keys.dtype == torch.int64 and bool((keys >= 0).all())
    assert all(len(set(row.tolist())) == n for row in keys)  # distinct keys: argsort has no ties to break
    perm = per_image_permutation(idx, n, seed, "cond")
    assert all(sorted(row.tolist()) == list(range(n)) for row in perm)
    alone = per_image_permutation(idx[-1:], n, seed, "cond")  # the same image in another batch
    assert torch.equal(alone[0], perm[-1])
    assert torch.equal(per_image_permutation(idx, n, seed, "cond"), perm)  # (seed, condition, index) decide it
    if n >= 12:  # 12! permutations: another seed or condition gives another draw
        assert not torch.equal(per_image_permutation(idx, n, seed + 1, "cond"), perm)
        assert not torch.equal(per_image_permutation(idx, n, seed, "other"), perm)


def test_per_batch_draws_are_tie_free_permutations():
    """The original's one-mask/one-permutation-per-batch path (--mask-per-batch, --perm-per-batch) drew
    float32 uniforms and argsorted them; with 2^16 cells ~128 pairs tie and the order among them is whatever
    the sort does. It now takes torch.randperm's draws (a permutation by construction)."""
    n = 1 << 16
    perm = random_permutations(3, n, generator(5))
    ref = generator(5)
    assert torch.equal(perm, torch.stack([torch.randperm(n, generator=ref) for _ in range(3)]))
    assert all(torch.equal(row.sort().values, torch.arange(n)) for row in perm)
    shared = random_permutations(3, n, generator(5), per_image=False)
    assert torch.equal(shared, perm[:1].expand(3, n))
    mask = random_drop_mask(2, (256, 256), 0.25, generator(6))
    ref = generator(6)
    expect = torch.zeros(2, n, dtype=torch.bool)
    for b in range(2):
        expect[b, torch.randperm(n, generator=ref)[: n // 4]] = True
    assert torch.equal(mask, expect.view(2, 256, 256))


@given(
    st.lists(st.integers(0, 10**6), min_size=1, max_size=8, unique=True),
    st.integers(1, 14),
    st.integers(1, 14),
    st.data(),
)
def test_per_image_drop_mask_drops_exactly_k_cells_per_image_keyed_by_image(indices, gh, gw, data):
    from intriguing.perturb import per_image_drop_mask

    k = data.draw(st.integers(0, gh * gw))
    idx = torch.tensor(indices)
    masks = per_image_drop_mask(idx, (gh, gw), k, 0, "random", 0.5, 0)  # the function the occlusion sweep calls
    assert masks.shape == (len(indices), gh, gw) and masks.dtype == torch.bool
    assert masks.flatten(1).sum(1).tolist() == [k] * len(indices)
    assert torch.equal(per_image_drop_mask(idx[-1:], (gh, gw), k, 0, "random", 0.5, 0)[0], masks[-1])

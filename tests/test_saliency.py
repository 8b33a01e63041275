"""Saliency masks: top-lambda mass property, monotonicity, exact fractions, original rule, head choice."""

from __future__ import annotations

import pytest
import timm
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from intriguing.errors import UserError
from intriguing.features.attention import patch_attention
from intriguing.features.saliency import (
    SaliencySpec,
    drop_masks,
    mass_masks,
    normalize,
    parse_head,
    patch_ranks,
    rank_masks,
    saliency_scores,
    select_heads,
)
from intriguing.perturb import drop_pixels
from original_code import original_dino_mask

scores_st = st.integers(0, 2**31 - 1).map(
    lambda seed: torch.rand(3, 2, 30, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) ** 3
)
levels_st = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=6)


original_rule = original_dino_mask


@settings(max_examples=60, deadline=None)
@given(scores_st, levels_st)
def test_mass_masks_keep_at_least_lambda_and_are_minimal(scores, lams):
    masks = mass_masks(scores, lams)
    assert masks.shape == (3, 2, len(lams), 30) and masks.dtype == torch.bool
    p = scores / scores.sum(-1, keepdim=True)
    for li, lam in enumerate(lams):
        m = masks[..., li, :]
        kept = (p * m).sum(-1)
        assert (kept >= lam - 1e-9).all()
        # minimal: dropping the weakest kept patch falls below lambda
        weakest = torch.where(m, p, torch.full_like(p, float("inf"))).amin(-1)
        has = m.any(-1)
        assert (kept[has] - weakest[has] < lam + 1e-9).all()


@settings(max_examples=60, deadline=None)
@given(scores_st, levels_st)
def test_masks_are_nested_in_the_level(scores, lams):
    lams = sorted(lams)
    for masks in (mass_masks(scores, lams), rank_masks(scores, lams)):
        for a, b in zip(range(len(lams) - 1), range(1, len(lams))):
            assert not (masks[..., a, :] & ~masks[..., b, :]).any()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_mass_masks_equal_the_original_code_mask_for_mask(seed):
    g = torch.Generator().manual_seed(seed)
    att = torch.softmax(torch.randn(4, 196, generator=g) * 3, -1)  # float32 like the original
    lams = [i / 10 for i in range(1, 11)]
    ours = mass_masks(att, lams)
    for li, lam in enumerate(lams):
        assert torch.equal(ours[:, li], original_rule(att.clone(), lam))


@settings(max_examples=60, deadline=None)
@given(scores_st, levels_st)
def test_rank_masks_take_exactly_the_top_fraction(scores, fracs):
    masks = rank_masks(scores, fracs)
    for li, f in enumerate(fracs):
        m = masks[..., li, :]
        k = int(torch.round(torch.tensor(f, dtype=torch.float64) * 30))
        assert (m.sum(-1) == k).all()
        if 0 < k < 30:
            lo = torch.where(m, scores, torch.full_like(scores, float("inf"))).amin(-1)
            hi = torch.where(~m, scores, torch.full_like(scores, -float("inf"))).amax(-1)
            assert (lo >= hi).all()


def test_drop_masks_rank_salient_and_non_salient_are_disjoint_at_half():
    scores = torch.rand(5, 49, generator=torch.Generator().manual_seed(0))
    d = drop_masks(scores, [0.0, 0.25, 0.5], rule="rank")
    assert d["salient"].shape == d["non-salient"].shape == (5, 3, 49)
    assert (d["salient"].sum(-1) == d["non-salient"].sum(-1)).all()
    assert not (d["salient"] & d["non-salient"]).any()
    assert not d["salient"][:, 0].any()
    # the most attended patch is the first salient one to go, the least attended the first non-salient one
    top, bottom = scores.argmax(-1), scores.argmin(-1)
    assert d["salient"][torch.arange(5), 1, top].all() and d["non-salient"][torch.arange(5), 1, bottom].all()


def test_drop_masks_mass_rule_is_the_originals_best_and_worst():
    att = torch.softmax(torch.randn(2, 196, generator=torch.Generator().manual_seed(3)), -1)
    d = drop_masks(att, [0.3], rule="mass")
    keep_best = original_rule(att.clone(), 0.3)
    assert torch.equal(d["salient"][:, 0], keep_best)  # best: img * (1 - th) drops th
    assert torch.equal(d["non-salient"][:, 0], ~keep_best)  # worst: img * th keeps only th


def test_patch_ranks_and_level_validation():
    r = patch_ranks(torch.tensor([[0.1, 0.5, 0.5, 0.2]]))
    assert r.tolist() == [[3, 0, 1, 2]]  # ties keep patch order
    with pytest.raises(UserError, match="fractions in \\[0, 1\\]"):
        rank_masks(torch.rand(2, 4), [1.5])
    with pytest.raises(UserError, match="Unknown saliency rule"):
        drop_masks(torch.rand(2, 4), [0.5], rule="top")


def test_select_heads_and_parse_head():
    a = torch.rand(2, 3, 4, 4)
    assert select_heads(a, "all") is a
    torch.testing.assert_close(select_heads(a, "mean"), a.mean(1))
    torch.testing.assert_close(select_heads(a, 1), a[:, 1])
    with pytest.raises(UserError, match="Head 3 does not exist: the saliency model has 3 heads"):
        select_heads(a, 3)
    assert parse_head("mean") == "mean" and parse_head("1") == 1
    with pytest.raises(UserError, match="head index"):
        parse_head("first")


def test_saliency_drop_masks_apply_purely_and_exactly():
    img = torch.rand(2, 3, 8, 8)
    drop = torch.zeros(2, 2, 2, dtype=torch.bool)
    drop[0, 0, 1] = True
    before = img.clone()  # taken before the call: a function that wrote into img would fail here
    out = drop_pixels(img, drop)
    assert torch.equal(img, before) and out is not img
    assert (out[0, :, :4, 4:] == 0).all()
    assert torch.equal(out[0, :, 4:], img[0, :, 4:]) and torch.equal(out[1], img[1])


def tiny(name="vit_tiny_patch16_224"):
    torch.manual_seed(0)
    return timm.create_model(
        name, pretrained=False, embed_dim=64, depth=2, num_heads=2, num_classes=10, img_size=64
    ).eval()


def test_saliency_scores_use_the_given_statistics_and_token():
    model = tiny("deit_tiny_distilled_patch16_224")
    x01 = torch.rand(2, 3, 64, 64)
    own = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    spec = SaliencySpec(head="all", token="dist")
    got = saliency_scores(model, x01, *own, spec=spec)
    want = patch_attention(model, normalize(x01, *own), token="dist")
    torch.testing.assert_close(got, want)
    assert got.shape == (2, 2, 4, 4)
    other = saliency_scores(model, x01, (0.5,) * 3, (0.5,) * 3, spec=spec)
    assert not torch.allclose(got, other)  # the statistics really reach the saliency model
    one = saliency_scores(model, x01, *own, spec=SaliencySpec(head=1, token="dist"))
    torch.testing.assert_close(one, want[:, 1])
    roll = saliency_scores(model, x01, *own, spec=SaliencySpec(source="rollout"))
    assert roll.shape == (2, 4, 4)
    with pytest.raises(UserError, match="rollout fuses heads"):
        saliency_scores(model, x01, *own, spec=SaliencySpec(source="rollout", head=1))
    with pytest.raises(UserError, match="Unknown saliency source"):
        SaliencySpec(source="gradcam")

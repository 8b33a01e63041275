"""Attention readout: equals a hand-computed softmax(QK^T/sqrt(d)), any input size, CLS/dist tokens, rollout."""

from __future__ import annotations

import pytest
import timm
import torch

from intriguing.errors import UserError
from intriguing.features.attention import patch_attention, patch_grid, token_attention_blocks
from intriguing.features.rollout import attention_rollout, rollout_step


def patch_attention_blocks(model: torch.nn.Module, images: torch.Tensor, blocks, token: str = "cls") -> dict:
    """block -> ``[B, heads, h, w]`` attention of one query token to the patches (the readout the commands take
    through ``token_attention_blocks``, one token at a time)."""
    return {b: d[token] for b, d in token_attention_blocks(model, images, blocks, (token,)).items()}


def tiny(name: str = "vit_tiny_patch16_224", **kw) -> torch.nn.Module:
    torch.manual_seed(0)
    args = dict(pretrained=False, embed_dim=64, depth=2, num_heads=2, num_classes=10, img_size=64)
    args.update(kw)
    return timm.create_model(name, **args).eval()


def block_inputs(model, x):
    """Token sequences entering every block, from a plain forward (pre-hooks on the blocks)."""
    seen = {}
    hs = [b.register_forward_pre_hook(lambda m, a, i=i: seen.__setitem__(i, a[0])) for i, b in enumerate(model.blocks)]
    with torch.no_grad():
        model.forward_features(x)
    for h in hs:
        h.remove()
    return seen


def manual_probs(block, tokens):
    """softmax(Q K^T / sqrt(d)) written out from the block's own weights."""
    attn = block.attn
    B, N, C = tokens.shape
    qkv = attn.qkv(block.norm1(tokens)).reshape(B, N, 3, attn.num_heads, attn.head_dim).permute(2, 0, 3, 1, 4)
    q, k = attn.q_norm(qkv[0]), attn.k_norm(qkv[1])
    return torch.softmax(q @ k.transpose(-2, -1) / attn.head_dim**0.5, dim=-1)


def test_equals_hand_computed_softmax_every_block_and_head():
    model = tiny()
    x = torch.randn(3, 3, 64, 64)
    ins = block_inputs(model, x)
    got = patch_attention_blocks(model, x, [0, 1])
    for b in (0, 1):
        want = manual_probs(model.blocks[b], ins[b])[:, :, 0, 1:].reshape(3, 2, 4, 4)
        torch.testing.assert_close(got[b], want, rtol=1e-5, atol=1e-6)
    # rows are a softmax over all tokens: the patch part is below 1 by exactly the CLS self-attention
    full = manual_probs(model.blocks[1], ins[1])[:, :, 0]
    torch.testing.assert_close(got[1].sum((2, 3)) + full[:, :, 0], torch.ones(3, 2))


def test_fused_flag_and_hooks_restored_and_logits_unchanged():
    model = tiny()
    for blk in model.blocks:
        blk.attn.fused_attn = True
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        before = model(x)
    patch_attention(model, x)
    assert all(blk.attn.fused_attn for blk in model.blocks)
    assert all(len(blk.attn.attn_drop._forward_hooks) == 0 for blk in model.blocks)
    with pytest.raises(RuntimeError):  # a failing forward must still restore everything
        patch_attention(model, torch.randn(2, 5, 64, 64))
    assert all(blk.attn.fused_attn for blk in model.blocks)
    assert all(len(blk.attn.attn_drop._forward_hooks) == 0 for blk in model.blocks)
    assert model.patch_embed.flatten and model.patch_embed.strict_img_size and not model.dynamic_img_size
    with torch.no_grad():
        torch.testing.assert_close(model(x), before)


def test_any_input_size_matches_timm_dynamic_model():
    static = tiny()
    dynamic = tiny(dynamic_img_size=True)
    dynamic.load_state_dict(static.state_dict())
    x = torch.randn(2, 3, 96, 128)
    a = patch_attention(static, x)
    assert a.shape == (2, 2, 6, 8)
    torch.testing.assert_close(a, patch_attention(dynamic, x))
    with pytest.raises(AssertionError):  # the plain model really cannot take this size by itself
        static(x)
    # at the native size the interpolation is the identity
    x64 = torch.randn(1, 3, 64, 64)
    torch.testing.assert_close(patch_attention(static, x64), patch_attention(dynamic, x64))


def test_size_not_divisible_by_patch_is_user_error():
    with pytest.raises(UserError, match="not divisible by the patch size 16"):
        patch_attention(tiny(), torch.randn(1, 3, 70, 64))


@pytest.mark.parametrize(
    "kw,grid", [(dict(pos_embed="none"), (5, 7)), (dict(patch_size=8), (10, 14)), (dict(reg_tokens=4), (5, 7))]
)
def test_variants_no_pos_patch8_registers(kw, grid):
    model = tiny(**kw)
    x = torch.randn(1, 3, 80, 112)
    ins = block_inputs_dynamic(model, x)
    a = patch_attention(model, x)
    assert a.shape == (1, 2, *grid)
    npre = model.num_prefix_tokens
    want = manual_probs(model.blocks[1], ins)[:, :, 0, npre:].reshape(1, 2, *grid)
    torch.testing.assert_close(a, want, rtol=1e-5, atol=1e-6)


def block_inputs_dynamic(model, x):
    """Input of the last block at any size, via a timm model built with dynamic_img_size."""
    twin = timm.create_model(
        "vit_tiny_patch16_224",
        pretrained=False,
        num_classes=10,
        depth=2,
        num_heads=2,
        embed_dim=64,
        img_size=64,
        dynamic_img_size=True,
        patch_size=model.patch_embed.patch_size[0],
        pos_embed="none" if model.pos_embed is None else "learn",
        reg_tokens=model.num_reg_tokens,
    )
    twin.load_state_dict(model.state_dict())
    return block_inputs(twin.eval(), x)[1]


def test_distillation_token_reads_row_one():
    model = tiny("deit_tiny_distilled_patch16_224")
    x = torch.randn(2, 3, 64, 64)
    ins = block_inputs(model, x)
    probs = manual_probs(model.blocks[-1], ins[1])
    cls, dist = patch_attention(model, x, token="cls"), patch_attention(model, x, token="dist")
    torch.testing.assert_close(cls, probs[:, :, 0, 2:].reshape(2, 2, 4, 4), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(dist, probs[:, :, 1, 2:].reshape(2, 2, 4, 4), rtol=1e-5, atol=1e-6)
    assert not torch.allclose(cls, dist)
    with pytest.raises(UserError, match="only on distilled models"):
        patch_attention(tiny(), x, token="dist")
    with pytest.raises(UserError, match="Unknown query token"):
        patch_attention(model, x, token="shape")


def test_bad_block_and_non_vit_are_user_errors():
    with pytest.raises(UserError, match="Block 5 does not exist: the model has 2 blocks"):
        patch_attention(tiny(), torch.randn(1, 3, 64, 64), block=5)
    cnn = timm.create_model("resnet18", pretrained=False, num_classes=10)
    with pytest.raises(UserError, match="not a timm VisionTransformer"):
        patch_attention(cnn, torch.randn(1, 3, 64, 64))


def test_early_block_stops_the_forward_early():
    model = tiny(depth=3)
    calls = []
    model.blocks[2].register_forward_pre_hook(lambda m, a: calls.append(1))
    patch_attention(model, torch.randn(1, 3, 64, 64), block=0)
    assert calls == []
    assert patch_grid(model, 64, 48) == (4, 3)


def test_the_forward_stops_at_the_last_read_softmax():
    """Nothing after the last read block's softmax runs (its projection and MLP are ~6% of a ViT-S forward at
    512 px); blocks before it run whole, the maps are those of the full forward and the model is left as it was."""
    from torch.utils.flop_counter import FlopCounterMode

    model = tiny(depth=3)
    x = torch.randn(2, 3, 64, 64)
    ran = []
    for i, blk in enumerate(model.blocks):
        blk.attn.proj.register_forward_hook(lambda *a, i=i: ran.append(("proj", i)))
        blk.mlp.register_forward_hook(lambda *a, i=i: ran.append(("mlp", i)))
    got = patch_attention_blocks(model, x, [0, 1])
    assert ran == [("proj", 0), ("mlp", 0)]  # block 1 stopped at its softmax, block 2 never started
    ins = block_inputs(model, x)
    torch.testing.assert_close(
        got[1], manual_probs(model.blocks[1], ins[1])[:, :, 0, 1:].reshape(2, 2, 4, 4), rtol=1e-5, atol=1e-6
    )
    with FlopCounterMode(display=False) as read:
        patch_attention(model, x, block=1)
    with FlopCounterMode(display=False) as whole:
        model.forward_intermediates(x, indices=[1], stop_early=True, intermediates_only=True)
    assert read.get_total_flops() < whole.get_total_flops()
    assert all(len(blk.attn.attn_drop._forward_hooks) == 0 and blk.attn.fused_attn for blk in model.blocks)


def test_rollout_matches_hand_product():
    model = tiny(depth=3)
    x = torch.randn(2, 3, 64, 64)
    ins = block_inputs(model, x)
    eye = torch.eye(17)
    r = None
    for b in range(3):
        a = manual_probs(model.blocks[b], ins[b]).mean(1)
        a = 0.5 * a + 0.5 * eye
        a = a / a.sum(-1, keepdim=True)
        r = a if r is None else a @ r
    got = attention_rollout(model, x)
    torch.testing.assert_close(got, r[:, 0, 1:].reshape(2, 4, 4), rtol=1e-5, atol=1e-6)
    # only blocks 0..1 when last_block=1
    got1 = attention_rollout(model, x, last_block=1)
    assert not torch.allclose(got1, got)


def test_rollout_step_discard_keeps_rows_stochastic_and_protects_cls_and_diagonal():
    torch.manual_seed(1)
    a = torch.softmax(torch.randn(3, 9, 9), -1)
    r = rollout_step(None, a, discard_ratio=0.5)
    torch.testing.assert_close(r.sum(-1), torch.ones(3, 9))
    assert (r[:, :, 0] > 0).all() and (torch.diagonal(r, dim1=1, dim2=2) > 0).all()
    assert ((r == 0).sum(-1) == 4).all()  # int(9 * 0.5) entries zeroed per row
    with pytest.raises(UserError, match="discard_ratio"):
        attention_rollout(tiny(), torch.randn(1, 3, 64, 64), discard_ratio=1.0)


def test_token_attention_reads_cls_and_shape_token_in_one_forward():
    from intriguing.features.attention import token_attention

    model = tiny("deit_tiny_distilled_patch16_224")
    x = torch.randn(2, 3, 64, 64)
    calls = []
    model.patch_embed.register_forward_hook(lambda *a: calls.append(1))
    both = token_attention(model, x, ("cls", "dist"))
    assert len(calls) == 1 and set(both) == {"cls", "dist"}
    torch.testing.assert_close(both["cls"], patch_attention(model, x, token="cls"))
    torch.testing.assert_close(both["dist"], patch_attention(model, x, token="dist"))

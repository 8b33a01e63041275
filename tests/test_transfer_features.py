"""Feature extraction (per-block CLS after the final norm, pooled CNN features) and the on-disk cache."""

from __future__ import annotations

import pytest
import timm
import torch

from intriguing.errors import UserError
from intriguing.experiments.transfer.cache import CacheKey, cached_features, checkpoint_id
from intriguing.experiments.transfer.features import POOLED, FeatureSet, resolve_blocks
from intriguing.experiments.transfer.views import SeededView, build_view, view_geometry
from transfer_reference import extract_features


def tiny_vit(**kw):
    torch.manual_seed(0)
    return timm.create_model(
        "vit_tiny_patch16_224", pretrained=False, embed_dim=32, depth=4, num_heads=2, num_classes=10, img_size=64, **kw
    ).eval()


def batches(n=6, bs=4, size=64):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(n, 3, size, size, generator=g)
    y = torch.arange(n) % 3
    return [(x[i : i + bs], y[i : i + bs]) for i in range(0, n, bs)], x, y


@pytest.mark.parametrize(
    "spec,expected",
    [
        ("last4", (8, 9, 10, 11)),
        ("all", tuple(range(12))),
        ("last1", (11,)),
        ("8,9,10,11", (8, 9, 10, 11)),
        ("-1,0", (0, 11)),
        ("4:6", (4, 5)),
        ("-2:", (10, 11)),
        ([3, 3, 1], (1, 3)),
        (None, (8, 9, 10, 11)),
    ],
)
def test_resolve_blocks(spec, expected):
    assert resolve_blocks(spec, 12) == expected


@pytest.mark.parametrize("spec", ["last13", "last0", "12", "-13", "a,b", "5:5", "x"])
def test_resolve_blocks_rejects(spec):
    with pytest.raises(UserError, match="blocks"):
        resolve_blocks(spec, 12)


def test_vit_tokens_are_normed_cls_of_each_block():
    model = tiny_vit()
    loader, x, y = batches()
    fs = extract_features(model, loader, blocks="all", patch_mean=True)
    assert fs.tokens.shape == (6, 4, 32) and fs.tokens.dtype == torch.float16
    assert fs.blocks == (0, 1, 2, 3) and torch.equal(fs.labels, y)
    assert fs.patch_mean.shape == (6, 32) and fs.meta["token"] == "cls"
    with torch.no_grad():
        out = model.forward_features(x)  # last block, after the final norm
        # an earlier block: run the blocks by hand and apply the final norm
        h = model.norm_pre(model._pos_embed(model.patch_embed(x)))
        h = model.blocks[1](model.blocks[0](h))
        block1 = model.norm(h)[:, 0]
    torch.testing.assert_close(fs.tokens[:, 3].float(), out[:, 0], atol=2e-3, rtol=2e-3)
    torch.testing.assert_close(fs.patch_mean.float(), out[:, 1:].mean(1), atol=2e-3, rtol=2e-3)
    torch.testing.assert_close(fs.tokens[:, 1].float(), block1, atol=2e-3, rtol=2e-3)
    # block choice does not change a block's token (no leakage between chosen sets)
    only1 = extract_features(model, loader, blocks="1")
    assert torch.equal(only1.tokens[:, 0], fs.tokens[:, 1])


def test_select_concatenates_in_block_order_and_checks():
    fs = FeatureSet(
        torch.arange(24.0).view(2, 3, 4).half(), torch.tensor([0, 1]), (5, 6, 7), torch.full((2, 4), -1.0).half()
    )
    sel = fs.select([7, 5], patch_mean=True)
    assert sel.dtype == torch.float32 and sel.shape == (2, 12)
    assert sel[0].tolist() == [8, 9, 10, 11, 0, 1, 2, 3, -1, -1, -1, -1]
    assert fs.select().shape == (2, 12)
    with pytest.raises(UserError, match="not extracted"):
        fs.select([4])
    with pytest.raises(UserError, match="patch token"):
        FeatureSet(fs.tokens, fs.labels, fs.blocks).select(patch_mean=True)


def test_vit_without_class_token_uses_mean_patch_token():
    model = tiny_vit(class_token=False, global_pool="avg")
    loader, x, _ = batches()
    fs = extract_features(model, loader, blocks="last1")
    assert fs.meta["token"] == "avg"
    with torch.no_grad():
        ref = model.forward_features(x).mean(1)  # final norm already applied
    torch.testing.assert_close(fs.tokens[:, 0].float(), ref, atol=2e-3, rtol=2e-3)


def test_cnn_gives_pooled_feature():
    torch.manual_seed(0)
    model = timm.create_model("resnet10t", pretrained=False, num_classes=5).eval()
    loader, x, _ = batches()
    fs = extract_features(model, loader, blocks="all")
    assert fs.blocks == (POOLED,) and fs.meta["token"] == "pooled"
    with torch.no_grad():
        ref = model.forward_head(model.forward_features(x), pre_logits=True)
    assert fs.tokens.shape == (6, 1, ref.shape[1])
    torch.testing.assert_close(fs.tokens[:, 0].float(), ref, atol=3e-3, rtol=3e-3)
    with pytest.raises(UserError, match="patch"):
        extract_features(model, loader, patch_mean=True)


def test_cache_hit_miss_and_invalidation(tmp_path):
    model = tiny_vit()
    loader, _, _ = batches()
    calls = []

    def compute():
        calls.append(1)
        return extract_features(model, loader, blocks="last2")

    key = CacheKey(model="tiny", dataset="syn", split="train", blocks="last2", preprocess="p")
    fs1, hit1 = cached_features(key, tmp_path, compute)
    fs2, hit2 = cached_features(key, tmp_path, compute)
    assert (hit1, hit2) == (False, True) and len(calls) == 1
    assert torch.equal(fs1.tokens, fs2.tokens) and fs2.blocks == fs1.blocks and fs2.meta == fs1.meta
    name = key.filename()
    assert name.startswith("tiny__syn__train__blast2__") and name.endswith(".pt")
    # any change of what was extracted, or how, is a miss with its own file
    for other in [
        CacheKey("tiny", "syn", "train", "all", "p"),
        CacheKey("tiny", "syn", "test", "last2", "p"),
        CacheKey("tiny", "syn", "train", "last2", "q"),
        CacheKey("tiny", "syn", "train", "last2", "p", patch_mean=True),
        CacheKey("tiny", "syn", "train", "last2", "p", view=1),
    ]:
        assert other.filename() != name
        _, hit = cached_features(other, tmp_path, compute)
        assert not hit
    assert len(calls) == 6
    # a corrupt file is a miss and gets rewritten
    (tmp_path / name).write_bytes(b"not a torch file")
    _, hit = cached_features(key, tmp_path, compute)
    assert not hit and cached_features(key, tmp_path, compute)[1]
    # no cache dir: always computes
    assert not cached_features(key, None, compute)[1]


def test_checkpoint_identity_changes_with_file(tmp_path):
    ck = tmp_path / "w.pth"
    ck.write_bytes(b"12345")
    a = checkpoint_id(ck)
    ck.write_bytes(b"123456")
    assert checkpoint_id(ck) != a and checkpoint_id(None) == ""


def test_views_are_seeded_and_described():
    from PIL import Image

    geometry = ((3, 64, 64), 0.875, "bicubic", "center")
    timm_g, squash_g = view_geometry(geometry, "timm"), view_geometry(geometry, "squash")
    assert squash_g == ((3, 64, 64), 1.0, "bilinear", "squash") and timm_g == geometry
    (eval_tf, eval_desc), (squash_tf, squash_desc) = build_view(timm_g), build_view(squash_g)
    aug_tf, aug_desc = build_view(timm_g, view=1)
    assert len({eval_desc, squash_desc, aug_desc}) == 3
    # a left-red / right-blue image: the squash view keeps both edges, the centre crop cuts them
    arr = torch.zeros(50, 100, 3, dtype=torch.uint8)
    arr[:, :10, 0] = 255
    arr[:, 90:, 2] = 255
    img = Image.fromarray(arr.numpy())
    ev, sq = eval_tf(img), squash_tf(img)
    assert ev.shape == sq.shape == (3, 64, 64) and ev.dtype == torch.uint8
    assert sq[0, :, 0].float().mean() > 200 and sq[2, :, -1].float().mean() > 200
    assert ev[0, :, 0].float().mean() < 50 and ev[2, :, -1].float().mean() < 50
    noise = Image.fromarray((torch.rand(50, 90, 3) * 255).byte().numpy())
    ds = [(noise, 0), (noise, 1)]
    v1a, v1b, v2 = SeededView(ds, aug_tf, 1), SeededView(ds, aug_tf, 1), SeededView(ds, aug_tf, 2)
    assert torch.equal(v1a[0][0], v1b[0][0]) and not torch.equal(v1a[0][0], v2[0][0])
    assert not torch.equal(v1a[0][0], v1a[1][0])  # per-image seeds differ
    with pytest.raises(UserError, match="preprocessing"):
        view_geometry(geometry, "crop")


def test_preprocess_runs_before_the_model():
    model = tiny_vit()
    loader, x, _ = batches()
    u8 = [((xb.clamp(-2, 2) * 60 + 128).round().byte(), yb) for xb, yb in loader]
    norm = lambda t: (t.float() - 128) / 60  # noqa: E731
    a = extract_features(model, u8, blocks="last1", preprocess=norm)
    b = extract_features(model, [(norm(xb), yb) for xb, yb in u8], blocks="last1")
    assert torch.equal(a.tokens, b.tokens)

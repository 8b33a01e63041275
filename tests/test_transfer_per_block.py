"""Per-block accuracy: the model's own final norm + head on every block's tokens, counted in one pass."""

from __future__ import annotations

import pytest
import timm
import torch

from intriguing.errors import UserError
from intriguing.features.heads import per_block_logits
from transfer_reference import PerBlockTopK


@pytest.mark.parametrize(
    "name,kw",
    [
        ("vit_tiny_patch16_224", {}),
        ("deit_tiny_distilled_patch16_224", {}),  # two prefix tokens, two heads averaged
        ("vit_tiny_patch16_224", {"class_token": False, "global_pool": "avg", "fc_norm": True}),
        ("vit_tiny_patch16_224", {"reg_tokens": 2}),
    ],
)
def test_last_block_equals_model_output(name, kw):
    torch.manual_seed(0)
    model = timm.create_model(
        name, pretrained=False, embed_dim=32, depth=3, num_heads=2, num_classes=7, img_size=32, patch_size=8, **kw
    ).eval()
    x = torch.randn(3, 3, 32, 32)
    logits = per_block_logits(model, x, [0, 1, 2])
    assert logits.shape == (3, 3, 7)
    with torch.no_grad():
        torch.testing.assert_close(logits[-1], model(x))
        # block 0 by hand: one block, final norm, class token, head
        h = model.blocks[0](model.norm_pre(model._pos_embed(model.patch_embed(x))))
        torch.testing.assert_close(logits[0], model.forward_head(model.norm(h)))
    assert torch.equal(per_block_logits(model, x, [1])[0], logits[1])


def test_topk_counts_match_hand_count():
    logits = torch.tensor(
        [
            [[0.1, 0.9, 0.0], [0.8, 0.1, 0.1]],  # block 0: preds 1, 0
            [[0.7, 0.2, 0.1], [0.2, 0.3, 0.5]],
        ]
    )  # block 1: preds 0, 2
    acc = PerBlockTopK([4, 11], ks=(1, 2))
    acc.update(logits, torch.tensor([1, 1]))
    acc.update(logits[:, :1], torch.tensor([-1]))  # a class outside the head is always wrong
    rows = acc.records()
    assert [r["block"] for r in rows] == [4, 11] and rows[0]["n"] == 3
    assert rows[0]["top1"] == pytest.approx(100 / 3) and rows[0]["top2"] == pytest.approx(200 / 3)
    assert rows[1]["top1"] == 0.0 and rows[1]["top2"] == pytest.approx(200 / 3)


def test_non_vit_is_a_user_error():
    model = timm.create_model("resnet10t", pretrained=False, num_classes=3).eval()
    with pytest.raises(UserError, match="ViT"):
        per_block_logits(model, torch.randn(1, 3, 32, 32), [0])

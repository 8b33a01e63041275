"""The paper's model families in the zoo: T2T-ViT (built here, the authors' checkpoints loaded strictly), TNT (timm)
and the torchvision ResNet-50 (timm's resnet50.tv_in1k). Offline, so the checkpoints are synthetic state dicts with
exactly the authors' key set; the key list below is written from the authors' code, not from our model."""

from __future__ import annotations

import pytest
import torch

import intriguing.zoo.weights
from intriguing.cli import run_command as main
from intriguing.errors import UserError
from intriguing.records import read_records
from intriguing.zoo import all_names, load_model

ARGS = ["--workers", "0", "--no-progress", "--device", "cpu", "--no-plot"]


# the authors' t2t_vit_14 / _19 / _24: (embed_dim, depth); num_heads (6 / 7 / 8) stores no tensor of its own
T2T_AUTHORS = {"t2t_vit_14": (384, 14), "t2t_vit_19": (448, 19), "t2t_vit_24": (512, 24)}
RELEASE_FILES = {
    "t2t_vit_14": "81.5_T2T_ViT_14.pth.tar",
    "t2t_vit_19": "81.9_T2T_ViT_19.pth.tar",
    "t2t_vit_24": "82.3_T2T_ViT_24.pth.tar",
}


def t2t_keys(embed: int, depth: int) -> dict:
    """yitu-opensource/T2T-ViT T2T_ViT(tokens_type='performer', token_dim=64, mlp_ratio=3, qkv_bias=False):
    T2T_module holds two Token_performer(dim, in_dim=64, kernel_ratio=0.5) (kqv, proj, norm1, norm2, mlp.0, mlp.2
    and the fixed random-feature matrix w, m = 32 x 64) and project (embed x 64*3*3); then cls_token, the stored
    sinusoid pos_embed (197 positions at 224 px), ``depth`` Blocks (no qkv bias, MLP 3 x embed), norm, head."""
    hidden = 3 * embed
    keys = {
        "cls_token": (1, 1, embed),
        "pos_embed": (1, 197, embed),
        "norm.weight": (embed,),
        "norm.bias": (embed,),
        "head.weight": (1000, embed),
        "head.bias": (1000,),
        "tokens_to_token.project.weight": (embed, 576),
        "tokens_to_token.project.bias": (embed,),
    }
    for i, dim in ((1, 3 * 7 * 7), (2, 64 * 3 * 3)):
        p = f"tokens_to_token.attention{i}."
        keys.update(
            {
                p + "w": (32, 64),
                p + "kqv.weight": (192, dim),
                p + "kqv.bias": (192,),
                p + "proj.weight": (64, 64),
                p + "proj.bias": (64,),
                p + "norm1.weight": (dim,),
                p + "norm1.bias": (dim,),
                p + "norm2.weight": (64,),
                p + "norm2.bias": (64,),
                p + "mlp.0.weight": (64, 64),
                p + "mlp.0.bias": (64,),
                p + "mlp.2.weight": (64, 64),
                p + "mlp.2.bias": (64,),
            }
        )
    for b in range(depth):
        p = f"blocks.{b}."
        keys.update(
            {
                p + "norm1.weight": (embed,),
                p + "norm1.bias": (embed,),
                p + "attn.qkv.weight": (3 * embed, embed),
                p + "attn.proj.weight": (embed, embed),
                p + "attn.proj.bias": (embed,),
                p + "norm2.weight": (embed,),
                p + "norm2.bias": (embed,),
                p + "mlp.fc1.weight": (hidden, embed),
                p + "mlp.fc1.bias": (hidden,),
                p + "mlp.fc2.weight": (embed, hidden),
                p + "mlp.fc2.bias": (embed,),
            }
        )
    return keys


def t2t_vit_14_keys() -> dict:
    return t2t_keys(*T2T_AUTHORS["t2t_vit_14"])


def _release_file(tmp_path, name: str, sd: dict):
    """Saved as the authors' release files are: exactly ``{"state_dict_ema": state_dict}`` (what the original's
    vit_models/t2t_vit.py reads, ``checkpoint["state_dict_ema"]``)."""
    path = tmp_path / RELEASE_FILES[name]
    torch.save({"state_dict_ema": sd}, path)
    return path


def _synthetic(tmp_path, keys: dict, name: str = "t2t_vit_14"):
    g = torch.Generator().manual_seed(0)
    sd = {k: torch.randn(shape, generator=g) * 0.02 for k, shape in keys.items()}
    return _release_file(tmp_path, name, sd), sd


def test_t2t_vit_14_loads_the_authors_key_set_strictly(tmp_path):
    path, sd = _synthetic(tmp_path, t2t_vit_14_keys())
    assert set(torch.load(path, weights_only=True)) == {"state_dict_ema"}
    b = load_model(f"t2t_vit_14={path}")
    own = b.model.state_dict()
    assert set(own) == set(sd) and all(tuple(own[k].shape) == tuple(sd[k].shape) for k in sd)
    assert torch.equal(own["tokens_to_token.attention1.w"], sd["tokens_to_token.attention1.w"])
    assert torch.equal(own["blocks.13.mlp.fc2.weight"], sd["blocks.13.mlp.fc2.weight"])  # not a random init
    assert b.is_vit and b.patch_size == 16 and tuple(b.model.patch_embed.grid_size) == (14, 14)
    assert b.data_config["crop_pct"] == 0.9 and b.data_config["interpolation"] == "bicubic"
    out = b(torch.rand(2, 3, 224, 224))
    assert out.shape == (2, 1000) and torch.isfinite(out).all()


@pytest.mark.parametrize("name", ["t2t_vit_19", "t2t_vit_24"])
def test_t2t_vit_19_and_24_load_the_authors_key_set_strictly(tmp_path, name):
    """Each tensor is one constant broadcast to its shape (a few bytes on disk, so the 64M-parameter T2T-ViT-24 is
    cheap): tensor i holds i / 1000, so the load is checked key by key, and any renamed, added or reshaped
    parameter of our architecture fails the strict load."""
    keys = t2t_keys(*T2T_AUTHORS[name])
    sd = {k: torch.full((), i / 1000).expand(shape) for i, (k, shape) in enumerate(keys.items())}
    b = load_model(f"{name}={_release_file(tmp_path, name, sd)}")
    own = b.model.state_dict()
    assert {k: tuple(v.shape) for k, v in own.items()} == keys
    depth = T2T_AUTHORS[name][1]
    assert len(b.model.blocks) == depth and b.model.embed_dim == T2T_AUTHORS[name][0]
    for i, k in enumerate(keys):
        if k in ("cls_token", "pos_embed", f"blocks.{depth - 1}.mlp.fc2.weight", "tokens_to_token.attention2.w"):
            assert torch.all(own[k] == i / 1000), k


def test_t2t_attention_uses_the_authors_embed_dim_scale():
    """The authors pass qk_scale = embed_dim ** -0.5 (not head_dim ** -0.5): one block by hand."""
    b = load_model("t2t_vit_14=random")
    blk = b.model.blocks[0]
    x = torch.randn(1, 5, 384, generator=torch.Generator().manual_seed(0))
    qkv = torch.nn.functional.linear(blk.norm1(x), blk.attn.qkv.weight).reshape(1, 5, 3, 6, 64).permute(2, 0, 3, 1, 4)
    attn = ((qkv[0] @ qkv[1].transpose(-2, -1)) * 384**-0.5).softmax(-1)
    ref = blk.attn.proj((attn @ qkv[2]).transpose(1, 2).reshape(1, 5, 384))
    with torch.no_grad():
        assert torch.allclose(blk.attn(blk.norm1(x)), ref, atol=1e-5)


def test_a_checkpoint_of_another_architecture_is_one_sentence(tmp_path):
    keys = t2t_vit_14_keys()
    keys["blocks.0.attn.qkv.bias"] = (1152,)  # a qkv bias the authors' blocks do not have
    path, _ = _synthetic(tmp_path, keys)
    with pytest.raises(UserError, match=r"does not fit model 't2t_vit_14'.*unexpected key.*blocks\.0\.attn\.qkv\.bias"):
        load_model(f"t2t_vit_14={path}")


def test_offline_t2t_names_the_release_file_and_where_to_put_it(monkeypatch, tmp_path):
    monkeypatch.setenv("INTRIGUING_PRETRAINED", str(tmp_path / "pre"))
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.setattr(intriguing.zoo.weights, "host_reachable", lambda url, timeout=3.0: False)
    with pytest.raises(
        UserError,
        match=r"T2T-ViT/releases/download/main/82\.3_T2T_ViT_24\.pth\.tar.*put it at "
        r".*pre/82\.3_T2T_ViT_24\.pth\.tar",
    ):
        load_model("t2t_vit_24")


def test_the_families_are_listed_and_run_patchdrop(tmp_path, image_folder):
    names = all_names()
    assert {"t2t_vit_14", "t2t_vit_19", "t2t_vit_24"} <= set(names)
    tnt = load_model("tnt_s_patch16_224=random")  # timm's TNT: pixel-level tools see its 16-px patch grid
    assert tuple(tnt.model.pixel_embed.grid_size) == (14, 14)
    tv = load_model("resnet50.tv_in1k=random")
    assert not tv.is_vit and tv.data_config["crop_pct"] == 0.875  # torchvision's eval: resize 256, crop 224
    out = tmp_path / "occ"
    assert (
        main(
            "occlusion",
            [
                "--models",
                "t2t_vit_14=random,tnt_s_patch16_224=random",
                "--data-path",
                str(image_folder),
                "--limit",
                "2",
                "--ratios",
                "0",
                "0.5",
                "--drop-mode",
                "tokens",
                "--batch-size",
                "2",
                "--out-dir",
                str(out),
                *ARGS,
            ],
        )
        == 0
    )
    recs = read_records(out)
    assert {(r["model"], r["grid"], r["drop_mode"]) for r in recs} == {
        ("t2t_vit_14=random", "14x14", "tokens"),
        ("tnt_s_patch16_224=random", "14x14", "pixels"),
    }


def test_t2t_blocks_read_out_through_timms_forward_intermediates_contract():
    """per-block / transfer read every block's class token with forward_intermediates: the last one is the model."""
    from intriguing.features.heads import per_block_logits

    b = load_model("t2t_vit_14=random")
    x = torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    logits = per_block_logits(b.model, x, [0, 13])
    assert logits.shape == (2, 2, 1000)
    with torch.no_grad():
        assert torch.allclose(logits[1], b.model(x), atol=1e-5) and not torch.allclose(logits[0], logits[1])


def test_list_models_shows_every_family(capsys):
    from intriguing.zoo.__main__ import list_models

    assert list_models() == 0
    out = capsys.readouterr().out
    for name in ("t2t_vit_14", "t2t_vit_24", "tnt_s_patch16_224", "resnet50.tv_in1k", "deit_tiny_patch16_224"):
        assert name in out, name

"""Model zoo: names, wildcards, suggestions, paper-checkpoint inference, weights errors."""

from __future__ import annotations

import pytest
import timm
import torch

import intriguing.zoo
from intriguing.errors import UserError


def test_unknown_name_suggests_close_matches():
    with pytest.raises(UserError, match=r"Unknown model 'deit_smal_patch16_224'\. Did you mean deit_small_patch16_224"):
        intriguing.zoo.resolve_model_specs("deit_smal_patch16_224")


def test_wildcards_expand_over_zoo_and_timm():
    names = intriguing.zoo.resolve_model_specs("deit_t_sin*,deit_small_patch16*")
    assert names[:2] == ["deit_t_sin", "deit_t_sin_dist"]
    assert "deit_small_patch16_224.fb_in1k" in names
    with pytest.raises(UserError, match="No model matches"):
        intriguing.zoo.resolve_model_specs("nonexistent_model_*")


def test_paper_models_are_registered_with_release_urls():
    for name in [
        "deit_t_sin",
        "deit_t_sin_dist",
        "deit_s_sin",
        "deit_s_sin_dist",
        "no_pos_deit_t",
        "patch_22_deit_t",
        "patch_28_deit_t",
        "patch_32_deit_t",
        "patch_38_deit_t",
    ]:
        e = intriguing.zoo.ZOO.get(name)
        assert e.url.endswith(f"/releases/download/v0/{name}.pth")


@pytest.mark.parametrize(
    "arch,kwargs,expect",
    [
        ("deit_tiny_patch16_224", {}, dict(patch=16, prefix=1, heads=3, pos=True)),
        ("deit_tiny_distilled_patch16_224", {}, dict(patch=16, prefix=2, heads=3, pos=True)),
        ("deit_tiny_patch16_224", dict(patch_size=22, img_size=224), dict(patch=22, prefix=1, heads=3, pos=True)),
        ("deit_tiny_patch16_224", dict(pos_embed="none"), dict(patch=16, prefix=1, heads=3, pos=False)),
    ],
)
def test_architecture_is_inferred_from_tensors(tmp_path, arch, kwargs, expect):
    src = timm.create_model(arch, pretrained=False, depth=2, **kwargs).eval()
    path = tmp_path / "ckpt.pth"
    torch.save({"model": src.state_dict()}, path)  # the release format: weights under "model"
    b = intriguing.zoo.load_model(f"deit_t_sin={path}")
    m = b.model
    assert b.patch_size == expect["patch"] and m.num_prefix_tokens == expect["prefix"]
    assert m.blocks[0].attn.num_heads == expect["heads"] and len(m.blocks) == 2
    assert (m.pos_embed is not None) == expect["pos"]
    x = torch.rand(1, 3, 224, 224)
    assert torch.allclose(b.model(x), src(x), atol=1e-5)


def test_checkpoint_that_does_not_fit_is_one_sentence(tmp_path):
    sd = timm.create_model("resnet10t", pretrained=False).state_dict()
    path = tmp_path / "wrong.pth"
    torch.save(sd, path)
    with pytest.raises(UserError, match=r"does not fit model 'resnet18'.*missing key") as e:
        intriguing.zoo.load_model(f"resnet18={path}")
    assert "\n" not in str(e.value)


def test_corrupt_and_missing_checkpoints(tmp_path):
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(UserError, match="Could not read checkpoint"):
        intriguing.zoo.load_model(f"resnet18={bad}")
    with pytest.raises(UserError, match="does not exist"):
        intriguing.zoo.load_model(f"resnet18={tmp_path / 'missing.pth'}")


class _Unsafe:
    """Stands for a training script's own class pickled into a checkpoint."""


def test_checkpoint_contents_are_refused_or_loaded_in_one_sentence(tmp_path):
    import argparse

    sd = intriguing.zoo.load_model("resnet18=random").model.state_dict()
    text = tmp_path / "notes.pth"
    text.write_text("these are not weights\n")
    with pytest.raises(UserError) as e:
        intriguing.zoo.load_model(f"resnet18={text}")
    assert str(e.value) == (
        f"Could not read checkpoint {text}: it is no torch.save file (neither a zip archive nor "
        f"a pickle; it begins with b'these are not we'); put the model's released weights file "
        f"there."
    )
    unsafe = tmp_path / "unsafe.pth"
    torch.save({"model": sd, "extra": _Unsafe()}, unsafe)
    with pytest.raises(UserError) as e:
        intriguing.zoo.load_model(f"resnet18={unsafe}")
    assert "test_models._Unsafe" in str(e.value) and "weights_only=True only" in str(e.value)
    assert "weights_only` set to `False`" not in str(e.value) and "\n" not in str(e.value)
    full = tmp_path / "checkpoint.pth"  # a training script's checkpoint: its argparse options beside the weights
    torch.save({"model": sd, "args": argparse.Namespace(lr=0.1, arch="resnet18"), "epoch": 3}, full)
    loaded = intriguing.zoo.load_model(f"resnet18={full}").model.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in sd.items())


def test_offline_and_uncached_names_the_file_and_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("INTRIGUING_PRETRAINED", str(tmp_path / "pre"))
    with pytest.raises(UserError, match=r"put it at .*pre/deit_small_patch16_224-cd65a155\.pth"):
        intriguing.zoo.load_model("deit_small_patch16_224")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    with pytest.raises(UserError, match=r"releases/download/v0/deit_t_sin\.pth.*put it at .*pre/deit_t_sin\.pth"):
        intriguing.zoo.load_model("deit_t_sin")


def test_pretrained_folder_is_used_before_any_download(monkeypatch, tmp_path):
    monkeypatch.setenv("INTRIGUING_PRETRAINED", str(tmp_path))
    src = timm.create_model("resnet10t", pretrained=False)
    torch.save(src.state_dict(), tmp_path / "resnet10t.pth")
    b = intriguing.zoo.load_model("resnet10t")
    assert b.source.endswith("resnet10t.pth")
    assert torch.equal(b.model.fc.weight, src.fc.weight)


def test_random_init_and_preprocessing_from_timm_config():
    b = intriguing.zoo.load_model("deit_tiny_patch16_224=random")
    assert b.name == "deit_tiny_patch16_224=random" and b.source == "random init"
    assert b.data_config["interpolation"] == "bicubic" and b.is_vit and b.patch_size == 16
    x = torch.full((1, 3, 2, 2), 0.485)
    assert b.normalize(x)[0, 0].abs().max() < 1e-6


def _weights(bundle) -> dict:
    return {k: v.clone() for k, v in bundle.model.state_dict().items()}


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_random_weights_depend_only_on_seed_and_spec():
    """Issue 8: NAME=random weights came from one global torch.manual_seed before all models were loaded, so a
    model's weights changed with the models listed before it. Now (seed, spec) alone decides them."""
    from intriguing.runner import load_bundles

    alone, _ = load_bundles(["resnet10t=random"], "cpu", seed=3)
    after, _ = load_bundles(["resnet14t=random", "resnet10t=random"], "cpu", seed=3)
    assert _same(_weights(alone[0]), _weights(after[1]))  # the model listed first does not move it
    other_seed, _ = load_bundles(["resnet10t=random"], "cpu", seed=4)
    assert not _same(_weights(alone[0]), _weights(other_seed[0]))
    torch.manual_seed(0)
    state = torch.random.get_rng_state()
    intriguing.zoo.load_model("resnet10t=random", seed=3)
    assert torch.equal(state, torch.random.get_rng_state())  # the caller's global RNG is left alone


def test_release_wrappers_are_unwrapped_in_order(tmp_path):
    """T2T-ViT releases hold only ``state_dict_ema``; a timm training file with both takes the trained weights;
    DINO's full checkpoints give the teacher's backbone (its projection head is not part of the network)."""
    from intriguing.zoo.weights import WRAPPERS, load_state_dict

    a, b = torch.ones(2), torch.zeros(2)
    cases = [
        ({"state_dict_ema": {"w": a}}, {"w": a}),
        ({"state_dict": {"w": a}, "state_dict_ema": {"w": b}, "epoch": 3}, {"w": a}),
        ({"model": {"module.w": a}}, {"w": a}),
        ({"model_ema": {"w": a}}, {"w": a}),
        ({"student": {"module.backbone.w": b}, "teacher": {"backbone.w": a, "head.mlp.0.weight": b}}, {"w": a}),
        ({"w": a, "backbone.x": b}, {"w": a, "backbone.x": b}),
    ]  # a flat dict keeps a model's own backbone
    for i, (ckpt, want) in enumerate(cases):
        torch.save(ckpt, tmp_path / f"{i}.pth")
        got = load_state_dict(tmp_path / f"{i}.pth")
        assert set(got) == set(want) and all(torch.equal(got[k], want[k]) for k in want), ckpt
    assert WRAPPERS.index("state_dict") < WRAPPERS.index("state_dict_ema")
    torch.save({"state_dict_ema": {}}, tmp_path / "empty.pth")
    with pytest.raises(UserError, match=r"holds no state dict\."):
        load_state_dict(tmp_path / "empty.pth")

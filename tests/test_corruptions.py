"""ImageNet-C corruptions on the fly, folder readers, and mCE arithmetic on hand-made tables."""

import importlib.util
import math

import numpy as np
import pytest
import torch

from intriguing.corruptions import (
    ALEXNET_CLEAN_ERROR,
    ALEXNET_ERRORS,
    CORRUPTIONS,
    corrupt_batch,
    corruption_errors,
    mce,
    parse_corruptions,
    parse_severities,
)
from intriguing.corruptions.folders import cifar_c_arrays, detect_layout, imagenet_c_folders
from intriguing.errors import UserError

needs_ic = pytest.mark.skipif(
    importlib.util.find_spec("imagecorruptions") is None, reason="imagecorruptions is not installed"
)


def _table(err_fn):
    return {(c, s): err_fn(c, s) for c in CORRUPTIONS for s in range(1, 6)}


def test_alexnet_itself_scores_100():
    r = mce(_table(lambda c, s: ALEXNET_ERRORS[c]), clean_error=ALEXNET_CLEAN_ERROR)
    assert r["mce"] == pytest.approx(100.0) and r["rel_mce"] == pytest.approx(100.0)
    assert r["n_corruptions"] == 15


def test_hand_made_table():
    # two corruptions, errors vary by severity; AlexNet means 0.886428 / 0.564592, clean 0.43478
    errors = {("gaussian_noise", s): e for s, e in zip(range(1, 6), [0.1, 0.2, 0.3, 0.4, 0.5])}
    errors.update({("brightness", s): 0.2 for s in range(1, 6)})
    errors[("fog", 1)] = 0.9  # incomplete severities: no CE
    table = corruption_errors(errors, clean_error=0.1)
    assert set(table) == {"gaussian_noise", "brightness"}
    assert table["gaussian_noise"]["ce"] == pytest.approx(100 * 0.3 / 0.886428)
    assert table["gaussian_noise"]["rel_ce"] == pytest.approx(100 * 0.2 / (0.886428 - 0.43478))
    assert table["brightness"]["ce"] == pytest.approx(100 * 0.2 / 0.564592)
    r = mce(errors, clean_error=0.1)
    assert r["mce"] == pytest.approx((100 * 0.3 / 0.886428 + 100 * 0.2 / 0.564592) / 2)
    assert r["mean_error"] == pytest.approx(25.0) and r["n_corruptions"] == 2
    assert math.isnan(mce(errors)["rel_mce"])  # no clean error, no relative mCE
    with pytest.raises(UserError, match="fog"):
        mce(errors, corruptions=["fog"])
    with pytest.raises(UserError, match="fractions"):
        mce({("fog", 1): 45.0})


def test_parsers():
    assert parse_corruptions("noise") == ("gaussian_noise", "shot_noise", "impulse_noise")
    assert len(parse_corruptions("all")) == 15
    assert parse_corruptions("fog,noise,fog")[0] == "fog"
    assert parse_severities("1-3,5") == (1, 2, 3, 5)
    with pytest.raises(UserError, match="Did you mean gaussian_noise"):
        parse_corruptions("gausian_noise")
    with pytest.raises(UserError, match="1-5"):
        parse_severities("0,6")


@needs_ic
def test_all_fifteen_run_seeded_and_pure():
    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    before = x.clone()
    for name in CORRUPTIONS:
        a = corrupt_batch(x, name, 3, torch.Generator().manual_seed(1))
        b = corrupt_batch(x, name, 3, torch.Generator().manual_seed(1))
        assert a.shape == x.shape and a.dtype == x.dtype
        assert torch.equal(a, b), name  # seeded, including the package's global-RNG draws
        assert 0 <= a.min() and a.max() <= 1
        assert (a - x).abs().mean() > 0.005, name
    assert torch.equal(x, before)


@needs_ic
def test_severity_increases_damage():
    x = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 0.5 + 0.25
    d = [
        float((corrupt_batch(x, "gaussian_noise", s, torch.Generator().manual_seed(0)) - x).abs().mean())
        for s in (1, 5)
    ]
    assert d[1] > 2 * d[0]


@needs_ic
def test_bad_inputs_are_clear_errors():
    with pytest.raises(UserError, match="at least 32x32"):
        corrupt_batch(torch.rand(1, 3, 16, 16), "fog", 1, torch.Generator())
    with pytest.raises(UserError, match="Did you mean"):
        corrupt_batch(torch.rand(1, 3, 32, 32), "frosty", 1, torch.Generator())


def test_cifar_c_and_imagenet_c_layouts(tmp_path):
    imgs = np.broadcast_to((np.arange(50_000) % 251).astype(np.uint8).reshape(-1, 1, 1, 1), (50_000, 32, 32, 3))
    np.save(tmp_path / "fog.npy", imgs)
    np.save(tmp_path / "labels.npy", (np.arange(50_000) % 10).astype(np.int64))
    assert detect_layout(tmp_path) == "cifar-c"
    x, y = cifar_c_arrays(tmp_path, "fog", 3, limit=5)
    assert x.shape == (5, 32, 32, 3) and int(x[0, 0, 0, 0]) == 20_000 % 251 and list(y) == [0, 1, 2, 3, 4]
    with pytest.raises(UserError, match="snow.npy"):
        cifar_c_arrays(tmp_path, "snow", 1)
    inet = tmp_path / "inc"
    for s in (1, 2):
        (inet / "fog" / str(s) / "n01440764").mkdir(parents=True)
    assert detect_layout(inet) == "imagenet-c"
    assert [t[:2] for t in imagenet_c_folders(inet, ["fog"], [1, 2])] == [("fog", 1), ("fog", 2)]
    with pytest.raises(UserError, match="missing"):
        imagenet_c_folders(inet, ["fog"], [3])

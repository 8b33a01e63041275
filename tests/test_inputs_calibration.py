"""Calibration columns are identical (==, not approximately) whatever the batch size: sums are exact integers."""

from __future__ import annotations

import math

import pytest
import torch

from intriguing.metrics.calibration import Calibration


def _columns(cal_cls, logits, labels, batch, **kw):
    cal = cal_cls(**kw)
    for s in range(0, len(labels), batch):
        cal.update(logits[s : s + batch], labels[s : s + batch])
    return cal.result()


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        a[k] == b[k] or (isinstance(a[k], float) and math.isnan(a[k]) and math.isnan(b[k])) for k in a
    )


@pytest.mark.parametrize("paper_compat", [False, True])
def test_calibration_columns_are_identical_for_every_batch_size(paper_compat):
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(257, 1000, generator=g) * 4  # the same logits, fed in different groupings
    labels = torch.randint(0, 1000, (257,), generator=g)
    labels[:90] = logits[:90].argmax(1)  # some right, some confidently so
    logits[:40] *= 6
    ref = _columns(Calibration, logits, labels, 257, paper_compat=paper_compat)
    for batch in (1, 3, 16, 100):
        assert _same(_columns(Calibration, logits, labels, batch, paper_compat=paper_compat), ref), batch


def test_merged_shards_equal_one_pass():
    g = torch.Generator().manual_seed(5)
    logits, labels = torch.randn(90, 10, generator=g) * 3, torch.randint(0, 10, (90,), generator=g)
    whole, a, b = Calibration(), Calibration(), Calibration()
    whole.update(logits, labels)
    a.update(logits[:37], labels[:37])
    b.update(logits[37:], labels[37:])
    a.merge(b)
    assert _same(a.result(), whole.result())
    c = Calibration()
    c.load_state_dict(a.state_dict())  # the pass state round trip (JSON-able ints) is exact too
    assert _same(c.result(), whole.result())


def test_exact_sums_agree_with_float_definitions():
    g = torch.Generator().manual_seed(7)
    logits, labels = torch.randn(50, 10, generator=g) * 2, torch.randint(0, 10, (50,), generator=g)
    cal = Calibration()
    cal.update(logits, labels)
    logp = torch.log_softmax(logits.double(), -1)
    nll = float(-logp[torch.arange(50), labels].mean())
    brier = float(((logp.exp() - torch.nn.functional.one_hot(labels, 10).double()) ** 2).sum(1).mean())
    r = cal.result()
    assert abs(r["nll"] - nll) < 1e-9 and abs(r["brier"] - brier) < 1e-9


class _RowWise(torch.nn.Module):
    """A test model whose logits do not depend on the batch they are computed in: per-image pooling and
    elementwise products only (a GEMM's result can change in the last bits with the batch size, as BLAS picks
    its blocking by shape; that is the model's forward pass, not the accumulation tested here)."""

    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.randn(48, 1000, generator=torch.Generator().manual_seed(0)) * 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = torch.nn.functional.adaptive_avg_pool2d(x, 4).flatten(1)  # (B, 48), per image
        return (f[:, :, None] * self.w[None]).sum(1)


def _register_rowwise() -> None:
    from conftest import TINY_CONFIG
    from intriguing.zoo.bundle import ZOO, ZooEntry

    if "test_rowwise" not in ZOO:
        ZOO.register(
            "test_rowwise",
            ZooEntry(
                name="test_rowwise",
                build=lambda ckpt, pre: _RowWise().eval(),
                data_config=dict(TINY_CONFIG),
                description="test-only",
            ),
        )


def test_calibration_records_are_identical_for_two_batch_sizes(tmp_path):
    """Through the command: batch 5 and 64 give the same calibration columns, compared with ==."""
    import numpy as np
    from PIL import Image

    _register_rowwise()
    rng = np.random.default_rng(1)
    for w in ("n01440764", "n02102040", "n02979186"):
        (tmp_path / "imgs" / w).mkdir(parents=True)
        for i in range(20):
            Image.fromarray(rng.integers(0, 255, (48, 48, 3), dtype=np.uint8)).save(tmp_path / "imgs" / w / f"{i}.png")
    image_folder = tmp_path / "imgs"
    from intriguing.cli import run_command
    from intriguing.records import read_records

    cols = ("top1", "top5", "nll", "brier", "ece", "ece_signed", "acc90", "unc90", "freq90", "calibration_bins")
    rows = []
    for bs in ("5", "64"):
        assert (
            run_command(
                "occlusion",
                [
                    "--models",
                    "test_rowwise",
                    "--data-path",
                    str(image_folder),
                    "--ratios",
                    "0",
                    "0.25",
                    "0.5",
                    "--metrics",
                    "topk,calibration",
                    "--batch-size",
                    bs,
                    "--out-dir",
                    str(tmp_path / bs),
                    "--workers",
                    "0",
                    "--no-progress",
                    "--no-plot",
                ],
            )
            == 0
        )
        rows.append(read_records(tmp_path / bs))
    assert len(rows[0]) == len(rows[1]) == 3
    for a, b in zip(*rows):
        assert [str(a[c]) for c in cols] == [str(b[c]) for c in cols]  # str: NaN (no confident image) == NaN

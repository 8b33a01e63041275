"""torchvision-backed transfer datasets decode with the toolkit's decoder: 16-bit images scaled, an unreadable
file an item the extraction skips and reports ('path: reason'), never a crash (DTD layout as the example)."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from intriguing.data.torch_source import DatasetSource
from intriguing.experiments.transfer.datasets import get_dataset


def _dtd(root):
    data = root / "dtd" / "dtd"
    lines = []
    for cls in ("banded", "dotted"):
        (data / "images" / cls).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(np.full((40, 40, 3), 50 + 100 * i, np.uint8)).save(data / "images" / cls / f"{i}.jpg")
            lines.append(f"{cls}/{i}.jpg")
    ramp = np.tile(np.linspace(0, 65535, 40), (40, 1)).astype(np.uint16)
    Image.fromarray(ramp).save(data / "images" / "banded" / "deep.jpg", format="PNG")
    (data / "images" / "dotted" / "bad.jpg").write_bytes(b"no image here")
    (data / "labels").mkdir()
    for split in ("train", "val", "test"):
        (data / "labels" / f"{split}1.txt").write_text("\n".join(lines + ["banded/deep.jpg", "dotted/bad.jpg"]))
    return data


def test_torchvision_dataset_items_are_decoded_by_the_toolkit(tmp_path):
    data = _dtd(tmp_path)
    ds = get_dataset("dtd").load(tmp_path, "test", transform=None)
    assert ds.classes == ["banded", "dotted"] and len(ds) == 6
    deep, label = ds[4]
    arr = np.asarray(deep)
    assert label == 0 and arr.min() < 5 and 100 < arr.mean() < 155  # torchvision's convert("RGB") gives 255
    assert ds[5] == (None, f"{data / 'images' / 'dotted' / 'bad.jpg'}: not an image")


def test_the_extraction_batches_skip_the_unreadable_item_with_its_reason(tmp_path):
    """The engine source the command's feature pass reads: unreadable items leave the batch with their reason,
    the others keep their global index (what per-index seeded views and torchrun shards rely on)."""
    _dtd(tmp_path)
    ds = get_dataset("dtd").load(
        tmp_path, "train", transform=lambda im: torch.from_numpy(np.asarray(im.resize((8, 8))).copy()).permute(2, 0, 1)
    )
    batches = list(DatasetSource(ds, str(tmp_path)).loader([("g",)], batch_size=12))
    b = batches[0]
    assert b.views[("g",)].shape == (10, 3, 8, 8) and b.labels.tolist().count(1) == 4  # train+val, 6 each, 2 bad
    assert len(b.bad_paths) == 2 and all(r.endswith("bad.jpg: not an image") for r in b.bad_paths)
    assert 5 not in b.indices.tolist() and 11 not in b.indices.tolist() and b.indices.tolist()[:5] == [0, 1, 2, 3, 4]
    second = list(DatasetSource(ds, str(tmp_path)).loader([("g",)], batch_size=4, start=6, stop=12))
    assert sum(len(x) for x in second) == 5 and second[0].indices.tolist() == [6, 7, 8, 9]
